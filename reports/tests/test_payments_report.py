"""The reconciliation of advances paid online (issue #21): by day and chamber, collected,
refunded, kept, refunds outstanding; as a page and as CSV, for staff only."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DoctorProfileFactory, PatientFactory, StaffFactory
from scheduling import demo_gateway, payments, selectors, services
from scheduling.models import Advance, Payment
from scheduling.tests.factories import first_chamber, open_every_day

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock_standing_still():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def paid_advances(count, *, chamber_name, amount="200", doctor_name="Dr. Nasima Haque"):
    doctor = open_every_day(DoctorProfileFactory(user__full_name=doctor_name))
    chamber = first_chamber(doctor)
    chamber.name = chamber_name
    chamber.advance = Advance.FIXED
    chamber.advance_amount = Decimal(amount)
    chamber.save()
    day = timezone.localdate() + timedelta(days=2)
    booked = []
    for slot in selectors.free_slots(doctor, day, day)[day][:count]:
        appointment = services.book_appointment(
            patient=PatientFactory(), doctor=doctor, start=slot.start
        )
        payment = appointment.payments.get()
        val_id = demo_gateway.val_id_for(
            tran_id=payment.tran_id, amount=payment.amount, method="bkash"
        )
        payments.confirm(tran_id=payment.tran_id, val_id=val_id)
        booked.append(appointment)
    return doctor, booked


def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def test_collected_refunded_and_outstanding_by_day_and_chamber(
    django_capture_on_commit_callbacks,
):
    doctor, booked = paid_advances(3, chamber_name="Popular Diagnostic Centre")
    paid_advances(1, chamber_name="=cmd|' /C calc'!A0 Ibn Sina", amount="500", doctor_name="Dr. B")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=booked[0], by=doctor.user, reason="Ill")
    Payment.objects.filter(appointment=booked[1]).update(refund_state="failed")

    page = staff_client().get("/reports/payments/")

    assert page.status_code == 200
    totals = page.context["figures"]["totals"]
    assert totals == {
        "payments": 4,
        "collected": Decimal("1100"),
        "refunded": Decimal("200"),
        "outstanding": Decimal("200"),
        "kept": Decimal("900"),
    }
    rows = page.context["figures"]["rows"]
    assert [(r["appointment__chamber__name"][:4], r["payments"]) for r in rows] == [
        ("=cmd", 1),
        ("Popu", 3),
    ]
    assert rows[0]["day"] == timezone.localdate()

    download = staff_client().get("/reports/payments/?format=csv")
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert lines[0][0].lstrip("\ufeff") == "Day"
    assert lines[1][1].startswith("'=")  # a chamber name is data, not a formula
    assert lines[2][3:] == ["3", "600.00", "200.00", "400.00", "200.00"]


def test_only_staff_reconcile(client):
    assert client.get("/reports/payments/").status_code == 302
    patient = Client()
    patient.force_login(PatientFactory())
    assert patient.get("/reports/payments/").status_code == 403


def test_the_query_count_stays_the_same_for_more_payments(django_assert_max_num_queries):
    paid_advances(1, chamber_name="A")
    client = staff_client()
    client.get("/reports/payments/")
    with django_assert_max_num_queries(8) as few:
        client.get("/reports/payments/")
    paid_advances(4, chamber_name="B", doctor_name="Dr. C")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/reports/payments/")


def test_an_empty_range_says_so():
    page = staff_client().get("/reports/payments/?range=7").content.decode()
    assert "No advance was paid online in this range." in page


def test_the_doctors_report_shows_the_advances_received(django_capture_on_commit_callbacks):
    doctor, booked = paid_advances(2, chamber_name="Popular Diagnostic Centre")
    paid_advances(1, chamber_name="Elsewhere", doctor_name="Dr. Other")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=booked[0], by=doctor.user, reason="Ill")
    client = Client()
    client.force_login(doctor.user)

    page = client.get("/portal/report/").content.decode()

    assert "Advances received online: <strong>৳400</strong> from 2 bookings" in page
    assert "৳200 of it refunded" in page


def test_the_overview_counts_a_released_hold_as_cancelled_by_the_system(_clock_standing_still):
    doctor = open_every_day(DoctorProfileFactory())
    chamber = first_chamber(doctor)
    chamber.advance = Advance.FULL
    chamber.save()
    day = timezone.localdate() + timedelta(days=2)
    slot = selectors.free_slots(doctor, day, day)[day][0]
    services.book_appointment(patient=PatientFactory(), doctor=doctor, start=slot.start)
    _clock_standing_still.shift(timedelta(minutes=11))
    assert services.release_holds() == 1

    page = staff_client().get(f"/reports/?start_date={day}&end_date={day}")

    assert page.context["figures"]["totals"]["cancelled"] == 1
    assert ("by the system", 1) in [(str(who), n) for who, n in page.context["cancelled_by"]]
