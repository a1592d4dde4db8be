from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from accounts.tests.factories import DoctorProfileFactory, SpecializationFactory
from appion.l10n import local_digits, spoken_time
from scheduling.tests.factories import AppointmentFactory, open_every_day


def render(source, **context):
    return Template("{% load bengali humanize %}" + source).render(Context(context))


def test_bengali_pages_show_bengali_digits():
    with translation.override("bn"):
        assert render("{{ n|local_digits }}", n=1234567890) == "১২৩৪৫৬৭৮৯০"
        assert render("৳{{ fee|floatformat:'0'|local_digits }}", fee=Decimal("800.00")) == "৳৮০০"
        assert render('{{ d|date:"j F Y"|local_digits }}', d=date(2026, 3, 17)) == "১৭ মার্চ ২০২৬"


def test_bengali_fees_are_grouped_in_lakhs():
    with translation.override("bn"):
        assert render("{{ n|intcomma|local_digits }}", n=1234567) == "১২,৩৪,৫৬৭"


def test_english_pages_keep_western_digits():
    assert render("{{ n|local_digits }} {{ s|local_digits }}", n=42, s="09:30") == "42 09:30"


def test_markup_stays_safe_and_text_stays_escaped():
    with translation.override("bn"):
        assert render("{{ t|local_digits }}", t="<b>1</b>") == "&lt;b&gt;১&lt;/b&gt;"


def test_a_chosen_language_wins_over_the_active_one():
    assert local_digits("Serial 7", language="bn") == "Serial ৭"
    assert local_digits(None) == ""


@pytest.mark.django_db
def test_a_bengali_appointment_page_writes_serial_fee_and_date_in_bengali_digits(client):
    appointment = AppointmentFactory(
        serial=3,
        start=timezone.make_aware(datetime(2030, 3, 17, 10, 30)),
        fee=Decimal("1200"),
        status="confirmed",
    )
    client.force_login(appointment.patient)
    response = client.get(f"/appointments/{appointment.pk}/", HTTP_ACCEPT_LANGUAGE="bn")
    page = response.content.decode()
    assert "১৭ মার্চ ২০৩০" in page
    assert "১০:৩০–১১:৩০" in page
    assert "৳১,২০০" in page
    assert "৩" in page.split("<h1", 1)[1].split("</h1>", 1)[0]
    # Links keep Western digits.
    assert f'href="/appointments/{appointment.pk}/ics/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["নাসিমা", "হৃদরোগ"])
def test_the_directory_finds_bengali_doctor_and_specialization_names(client, query):
    doctor = open_every_day(
        DoctorProfileFactory(
            user__full_name="ডা. নাসিমা হক",
            specialization=SpecializationFactory(name="Cardiology", name_bn="হৃদরোগ"),
        )
    )
    DoctorProfileFactory(user__full_name="Dr. Other Person")
    response = client.get("/doctors/", {"q": query}, HTTP_ACCEPT_LANGUAGE="bn")
    assert [card.doctor.pk for card in response.context["cards"]] == [doctor.pk]
    assert "১" in response.content.decode().split('aria-live="polite">', 1)[1][:40]


@pytest.mark.parametrize(
    "clock, spoken",
    [
        (time(9, 0), "সকাল ৯:০০"),
        (time(18, 30), "সন্ধ্যা ৬:৩০"),
        (time(12, 15), "দুপুর ১২:১৫"),
        (time(16, 0), "বিকাল ৪:০০"),
        (time(21, 45), "রাত ৯:৪৫"),
        (time(0, 15), "রাত ১২:১৫"),
        (time(5, 0), "ভোর ৫:০০"),
    ],
)
def test_bengali_times_are_said_on_the_12_hour_clock_with_the_part_of_day(clock, spoken):
    assert spoken_time(clock, "bn") == spoken
    assert spoken_time(clock, "en") == f"{clock:%H:%M}"


def test_spoken_time_reads_an_aware_datetime_in_dhaka():
    from datetime import UTC

    assert spoken_time(datetime(2026, 12, 1, 12, 30, tzinfo=UTC), "bn") == "সন্ধ্যা ৬:৩০"


@pytest.mark.django_db
def test_the_bengali_slot_list_says_times_as_people_read_them(client):
    doctor = open_every_day(DoctorProfileFactory())
    day = timezone.localdate() + timedelta(days=2)
    client.get("/language/bn/")

    html = client.get(f"/doctors/{doctor.pk}/slots/", {"date": day.isoformat()}).content.decode()

    assert "সকাল ৯:০০" in html and "বিকাল ৪:০০" in html
