"""Changing the login email: the current password first, then a link to the new address
that makes the change; nothing on the way says which addresses other accounts use."""

import re
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client

from accounts.models import AuditEntry
from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

CHANGE_URL = "/accounts/profile/email/"


@pytest.fixture
def user(client):
    user = PatientFactory(email="old@example.com", full_name="Rahim Uddin")
    client.force_login(user)
    return user


def test_a_wrong_password_says_nothing_about_the_new_address(
    client, user, django_capture_on_commit_callbacks
):
    PatientFactory(email="taken@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(CHANGE_URL, {"email": "taken@example.com", "current_password": "x"})
        free = client.post(CHANGE_URL, {"email": "free@example.com", "current_password": "x"})

    for response in (taken, free):
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert list(errors) == ["current_password"]
        assert "already" not in response.content.decode()
    assert taken.context["form"].errors == free.context["form"].errors
    assert mail.outbox == []
    user.refresh_from_db()
    assert user.email == "old@example.com"


def test_a_taken_address_is_refused_without_naming_its_account(
    client, user, django_capture_on_commit_callbacks
):
    other = PatientFactory(email="taken@example.com", full_name="Karima Begum")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGE_URL, {"email": "TAKEN@example.com", "current_password": DEFAULT_PASSWORD}
        )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    page = response.content.decode()
    assert "Another account already uses this email address." in page
    assert other.full_name not in page and other.mobile not in page
    assert mail.outbox == []
    user.refresh_from_db()
    assert user.email == "old@example.com"


NEW = "new@example.com"
LINK = re.compile(r"http://testserver(/accounts/profile/email/confirm/[^/\s]+/)")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Dhaka"))


def ask(client, email=NEW):
    response = client.post(CHANGE_URL, {"email": email, "current_password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return response


def link_in(message):
    return LINK.search(message.body)[1]


@pytest.fixture
def asked(client, user, django_capture_on_commit_callbacks):
    """The user has asked to move to NEW; the link that was emailed."""
    with django_capture_on_commit_callbacks(execute=True):
        ask(client)
    [confirm] = [m for m in mail.outbox if m.to == [NEW]]
    return link_in(confirm)


def audited():
    return list(AuditEntry.objects.filter(action=AuditEntry.Action.EMAIL_CHANGE))


def test_the_change_waits_for_the_link_sent_to_the_new_address(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            CHANGE_URL, {"email": "New@Example.com", "current_password": DEFAULT_PASSWORD}
        )
        assert mail.outbox == []  # sent only once the request's transaction commits
    assert response.url == "/accounts/profile/"
    assert "We have sent a link to new@example.com" in client.get(response.url).content.decode()
    for callback in callbacks:
        callback()

    confirm, notice = sorted(mail.outbox, key=lambda m: m.to != [NEW])
    assert confirm.to == [NEW]
    assert notice.to == ["old@example.com"]
    assert NEW in notice.body and "/accounts/password/reset/" in notice.body
    # The new address learns nothing about the account: neither its name nor its email.
    assert "old@example.com" not in confirm.body + confirm.alternatives[0][0]
    assert user.full_name not in confirm.body + confirm.alternatives[0][0]
    user.refresh_from_db()
    assert user.email == "old@example.com"
    assert audited() == []

    link = link_in(confirm)
    page = client.get(link)
    assert page.status_code == 200
    assert "Log in with new@example.com from now on?" in page.content.decode()
    user.refresh_from_db()
    assert user.email == "old@example.com"

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(link)
    assert done.url == "/accounts/profile/"
    user.refresh_from_db()
    assert user.email == NEW
    [entry] = audited()
    assert (entry.user, entry.email, entry.detail) == (
        user,
        NEW,
        {"previous_email": "old@example.com"},
    )
    changed = mail.outbox[-1]
    assert changed.to == ["old@example.com"]
    assert "has been changed to new@example.com" in changed.body
    assert len(mail.outbox) == 3


def test_the_link_works_once(client, user, asked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(asked)
    sent = len(mail.outbox)

    for again in (client.get(asked), client.post(asked)):
        assert again.status_code == 200
        assert "already been used or is no longer valid" in again.content.decode()
    user.refresh_from_db()
    assert user.email == NEW
    assert len(audited()) == 1
    assert len(mail.outbox) == sent


def test_the_link_expires_after_a_day(client, user, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            ask(client)
        [confirm] = [m for m in mail.outbox if m.to == [NEW]]
        link = link_in(confirm)

        traveller.move_to(NOW + timedelta(hours=24, seconds=1))
        response = client.post(link)
        assert response.status_code == 200
        assert "This link has expired" in response.content.decode()
        user.refresh_from_db()
        assert user.email == "old@example.com"

        traveller.move_to(NOW + timedelta(hours=23, minutes=59))
        assert client.post(link).status_code == 302
        user.refresh_from_db()
        assert user.email == NEW


def tampered(link):
    token = link.rstrip("/").rsplit("/", 1)[1]
    payload, rest = token.split(":", 1)
    other = signing.dumps({"user": 1, "email": "evil@example.com", "state": "x"})
    return [
        link.replace(token, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest),
        link.replace(token, other.split(":", 1)[0] + ":" + rest),
        link.replace(token, other),  # signed by us, for another purpose
        link.replace(token, token[:-3]),
        "/accounts/profile/email/confirm/nonsense/",
    ]


def test_a_tampered_link_changes_nothing(client, user, asked):
    for link in tampered(asked):
        for response in (client.get(link), client.post(link)):
            assert response.status_code == 200, link
            assert "This link is not valid" in response.content.decode()
    user.refresh_from_db()
    assert user.email == "old@example.com"
    assert audited() == []


def test_a_later_change_or_a_new_password_spends_the_link(
    client, user, asked, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "second@example.com")
    [second] = [m for m in mail.outbox if m.to == ["second@example.com"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link_in(second)).status_code == 302

    assert "no longer valid" in client.post(asked).content.decode()
    user.refresh_from_db()
    assert user.email == "second@example.com"

    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "third@example.com")
    [third] = [m for m in mail.outbox if m.to == ["third@example.com"]]
    user.set_password("Padma#River7")
    user.save()
    client.force_login(user)
    assert "no longer valid" in client.post(link_in(third)).content.decode()
    user.refresh_from_db()
    assert user.email == "second@example.com"


def test_an_address_taken_in_the_meantime_is_refused_at_confirmation(
    client, user, asked, django_capture_on_commit_callbacks
):
    PatientFactory(email="NEW@example.com")
    sent = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(asked)

    assert response.status_code == 200
    assert "can no longer be used for your account" in response.content.decode()
    user.refresh_from_db()
    assert user.email == "old@example.com"
    assert audited() == []
    assert len(mail.outbox) == sent


def test_a_link_opened_by_another_account_changes_nothing(user, asked):
    other = PatientFactory(email="other@example.com")
    client = Client()
    client.force_login(other)

    response = client.post(asked)

    assert "sent for another account" in response.content.decode()
    assert "old@example.com" not in response.content.decode()
    user.refresh_from_db()
    other.refresh_from_db()
    assert (user.email, other.email) == ("old@example.com", "other@example.com")


def test_the_link_asks_a_visitor_to_log_in_first(user, asked):
    visitor = Client()

    response = visitor.get(asked)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={quote(asked)}"
    assert visitor.post(asked).status_code == 302
    user.refresh_from_db()
    assert user.email == "old@example.com"


MARKUP = '<a href="http://evil.example/">Win</a><img src="http://evil.example/t.gif">'


def test_the_emails_are_in_the_users_language_with_their_name_escaped(
    client, django_capture_on_commit_callbacks
):
    user = PatientFactory(email="old@example.com", full_name=MARKUP, preferred_language="bn")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client)
    [confirm] = [m for m in mail.outbox if m.to == [NEW]]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link_in(confirm))

    assert len(mail.outbox) == 3
    for message in mail.outbox:
        html = message.alternatives[0][0]
        assert '<html lang="bn">' in html
        assert "evil.example" not in re.sub(r"&lt;.*?&gt;", "", html.replace("&quot;", ""))
        assert re.findall(r"<(\w+)", html) == re.findall(r"<(\w+)", html.replace(MARKUP, ""))
        assert "<img" not in html and 'href="http://evil' not in html
