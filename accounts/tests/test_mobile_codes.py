"""Verifying a mobile number by a one-time code (issue #18): sent at registration and when
the number changes, 6 digits stored hashed, valid 10 minutes, 5 tries, at most 3 sends
an hour per number and per address; a verified badge on the profile; a setting turns it
off. Through the pages, with the SMS read from the locmem backend."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts import mobile_codes
from accounts.models import AuditEntry, MobileCode, User
from accounts.tests.factories import DoctorProfileFactory, PatientFactory
from accounts.tests.test_registration import patient_data
from appion.l10n import local_digits
from appion.messaging import sms
from appion.messaging.models import OutboxMessage
from locations.tests.factories import ThanaFactory

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/profile/mobile/"


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run `request()` with its after-commit work (the code's SMS goes out at once),
    and return the codes that reached the SMS outbox meanwhile."""

    def run(request):
        before = len(sms.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = request()
        codes = [re.search(r"\b(\d{6})\b", text).group(1) for _to, text in sms.outbox[before:]]
        return response, codes

    return run


@pytest.fixture
def patient():
    return PatientFactory(mobile="+8801712345678", mobile_verified_at=None)


def logged_in(user, address="10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    return client


def ask_for_code(client):
    return client.post(VERIFY, {"action": "send"})


def test_registration_sends_a_code_and_asks_for_it_on_the_way_to_next(client, sent):
    thana = ThanaFactory()
    response, codes = sent(
        lambda: client.post(
            "/accounts/register/patient/?next=/doctors/", patient_data(thana, next="/doctors/")
        )
    )

    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next={quote('/doctors/', safe='')}"
    user = User.objects.get(email="rahima@example.com")
    assert sms.outbox[-1][0] == "+8801712345678"
    assert len(codes) == 1
    # Only a keyed hash is kept, and the SMS's text is erased once sent.
    row = MobileCode.objects.get(user=user)
    assert codes[0] not in row.code_hash and len(row.code_hash) == 64
    otp = OutboxMessage.objects.get(kind="otp")
    assert (otp.status, otp.text) == ("sent", "")

    page = client.get(response.url)
    assert "Code from the SMS" in page.content.decode()
    done = client.post(response.url, {"code": codes[0]})
    assert done.status_code == 302 and done.url == "/doctors/"
    user.refresh_from_db()
    assert user.mobile_verified_at is not None
    assert user.can_receive_sms
    assert AuditEntry.objects.filter(action="mobile_verified", user=user).count() == 1


def test_the_profile_shows_the_badge_and_a_link_until_verified(patient, sent):
    client = logged_in(patient)
    page = client.get("/accounts/profile/").content.decode()
    assert "Not verified" in page and f'href="{VERIFY}"' in page

    _, (code,) = sent(lambda: ask_for_code(client))
    client.post(VERIFY, {"code": code})

    status = re.search(
        r'<div id="mobile-status".*?</div>', client.get("/accounts/profile/").content.decode(), re.S
    ).group(0)
    assert "Verified" in status and "Not verified" not in status


def test_a_code_in_bengali_digits_with_spaces_is_accepted(patient, sent):
    client = logged_in(patient)
    _, (code,) = sent(lambda: ask_for_code(client))
    bengali = local_digits(code, "bn")

    response = client.post(VERIFY, {"code": f"{bengali[:3]} {bengali[3:]}"})

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.mobile_verified_at is not None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5x"])
def test_a_malformed_code_is_refused_without_using_a_try(patient, sent, typed):
    client = logged_in(patient)
    sent(lambda: ask_for_code(client))

    response = client.post(VERIFY, {"code": typed})

    assert response.status_code == 200
    assert "Enter the 6 digits of the code." in response.content.decode() or typed == ""
    assert MobileCode.objects.get().attempts == 0


def test_five_wrong_tries_use_up_the_code(patient, sent):
    client = logged_in(patient)
    _, (code,) = sent(lambda: ask_for_code(client))
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    for left in (4, 3, 2, 1):
        page = client.post(VERIFY, {"code": wrong}).content.decode()
        expected = f"You have {left} {'try' if left == 1 else 'tries'} left."
        assert expected in page
    page = client.post(VERIFY, {"code": wrong}).content.decode()
    assert "Please ask for a new code." in page

    # Even the right code no longer works, and the tries stay at five.
    page = client.post(VERIFY, {"code": code}).content.decode()
    assert "Too many wrong tries" in page
    patient.refresh_from_db()
    assert patient.mobile_verified_at is None
    assert MobileCode.objects.get().attempts == 5


def test_a_code_is_valid_for_ten_minutes(patient, sent):
    client = logged_in(patient)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _, (code,) = sent(lambda: ask_for_code(client))
        clock.move_to(start + timedelta(minutes=10))
        page = client.post(VERIFY, {"code": code}).content.decode()
        assert "This code has expired" in page
        patient.refresh_from_db()
        assert patient.mobile_verified_at is None

        clock.move_to(start + timedelta(minutes=11))
        _, (second,) = sent(lambda: ask_for_code(client))
        clock.move_to(start + timedelta(minutes=20, seconds=59))
        assert client.post(VERIFY, {"code": second}).status_code == 302


def test_a_new_code_replaces_the_one_before(patient, sent):
    client = logged_in(patient)
    _, (first,) = sent(lambda: ask_for_code(client))
    _, (second,) = sent(lambda: ask_for_code(client))
    if first == second:  # one chance in a million
        pytest.skip("the two random codes are the same")

    assert "That code is not right." in client.post(VERIFY, {"code": first}).content.decode()
    assert client.post(VERIFY, {"code": second}).status_code == 302


def test_at_most_three_codes_an_hour_to_one_number(patient, sent):
    client = logged_in(patient)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for minute in (0, 1, 2):
            clock.move_to(start + timedelta(minutes=minute))
            _, codes = sent(lambda: ask_for_code(client))
            assert len(codes) == 1
        clock.move_to(start + timedelta(minutes=30))
        response, codes = sent(lambda: client.post(VERIFY, {"action": "send"}, follow=True))
        assert codes == []
        assert "Please try again in 31 minutes." in response.content.decode()
        assert MobileCode.objects.count() == 3
        # From another address too: the number's limit.
        other = logged_in(patient, address="10.9.9.9")
        assert sent(lambda: ask_for_code(other))[1] == []

        clock.move_to(start + timedelta(minutes=60, seconds=1))
        assert len(sent(lambda: ask_for_code(client))[1]) == 1


def test_at_most_three_codes_an_hour_from_one_address(sent):
    patients = [PatientFactory(mobile=f"+88017110000{n:02d}") for n in range(4)]
    for each in patients[:3]:
        assert len(sent(lambda each=each: ask_for_code(logged_in(each)))[1]) == 1

    response, codes = sent(lambda: ask_for_code(logged_in(patients[3])))

    assert codes == []
    assert not MobileCode.objects.filter(user=patients[3]).exists()
    # From another address the fourth patient gets theirs.
    assert len(sent(lambda: ask_for_code(logged_in(patients[3], address="10.0.0.2")))[1]) == 1


def test_a_new_mobile_on_the_profile_is_unverified_and_gets_a_code(sent):
    patient = PatientFactory(mobile="+8801712345678", mobile_verified_at=timezone.now())
    client = logged_in(patient)
    page = client.get("/accounts/profile/").content.decode()
    assert "Not verified" not in page

    from accounts.views import profile_initial

    data = {k: v for k, v in profile_initial(patient).items() if v not in (None, "")}
    data.pop("photo", None)
    data["mobile"] = "01898765432"
    response, codes = sent(lambda: client.post("/accounts/profile/", data))

    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next={quote('/accounts/profile/', safe='')}"
    patient.refresh_from_db()
    assert patient.mobile == "+8801898765432"
    assert patient.mobile_verified_at is None
    assert sms.outbox[-1][0] == "+8801898765432" and len(codes) == 1
    assert client.post(response.url, {"code": codes[0]}).url == "/accounts/profile/"


def test_a_code_for_the_old_number_does_not_verify_the_new_one(patient, sent):
    client = logged_in(patient)
    _, (code,) = sent(lambda: ask_for_code(client))
    User.objects.filter(pk=patient.pk).update(mobile="+8801898765432")

    page = client.post(VERIFY, {"code": code}).content.decode()

    assert "This code has expired" in page
    patient.refresh_from_db()
    assert patient.mobile_verified_at is None


def test_a_verified_number_or_none_gets_no_code(sent):
    verified = PatientFactory(mobile_verified_at=timezone.now())
    response, codes = sent(
        lambda: logged_in(verified).post(VERIFY, {"action": "send"}, follow=True)
    )
    assert codes == [] and "Your mobile number is verified" in response.content.decode()
    assert not MobileCode.objects.exists()

    without = PatientFactory(mobile=None)
    page = logged_in(without).get(VERIFY).content.decode()
    assert "You have no mobile number on your profile." in page
    assert sent(lambda: ask_for_code(logged_in(without)))[1] == []


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get(VERIFY)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_turned_off_no_code_is_asked_for(settings, client, sent):
    settings.APPION_MOBILE_VERIFICATION = False
    thana = ThanaFactory()

    response, codes = sent(lambda: client.post("/accounts/register/patient/", patient_data(thana)))

    assert response.url == "/accounts/dashboard/"
    assert codes == [] and not MobileCode.objects.exists()
    assert client.get(VERIFY).status_code == 404
    assert "Verify my number" not in client.get("/accounts/profile/").content.decode()
    with pytest.raises(mobile_codes.CodeError):
        mobile_codes.send_code(user=User.objects.get())


@pytest.mark.parametrize("language", ["en", "bn"])
def test_the_code_sms_fits_one_part_in_either_language(language):
    patient = PatientFactory(preferred_language=language, mobile="+8801712345678")

    mobile_codes.send_code(user=patient)

    text = OutboxMessage.objects.get(kind="otp").text
    assert sms.parts(text) <= (1 if language == "en" else 2)
    assert re.search(r"\b\d{6}\b", text)  # ASCII digits, so that phones fill it in


def test_booking_as_a_new_patient_sends_a_code_and_the_appointment_offers_it(client, sent):
    from scheduling import selectors
    from scheduling.tests.factories import open_every_day
    from scheduling.tests.test_book_and_register import registration

    doctor = open_every_day(DoctorProfileFactory())
    day = timezone.localdate() + timedelta(days=2)
    slot = selectors.free_slots(doctor, day, day)[day][0]

    response, codes = sent(
        lambda: client.post(
            f"/appointments/book/{doctor.pk}/?start={slot.start_param}",
            registration(),
            follow=True,
        )
    )

    appointment = response.redirect_chain[-1][0]
    assert re.fullmatch(r"/appointments/\d+/", appointment)
    page = response.content.decode()
    assert "We sent a 6-digit code by SMS to +8801712345678." in page
    assert len(codes) == 1
    assert f'href="{VERIFY}?next={quote(appointment, safe="")}"' in page
    done = client.post(f"{VERIFY}?next={quote(appointment)}", {"code": codes[0]})
    assert done.url == appointment
    assert "Verify my number" not in client.get(appointment).content.decode()
