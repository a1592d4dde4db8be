"""The bell in the navbar (unread count, one query) and /notifications/ (the user's own
notifications, latest first, paginated, marked read once opened)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import PatientFactory, StaffFactory
from appion.messaging import services
from appion.messaging.models import Notification

pytestmark = pytest.mark.django_db


def bell(page):
    match = re.search(r'<a class="nav-bell[^"]*"[^>]*>(.*?)</a>', page, re.S)
    return match.group(1) if match else None


def add(user, text="Your appointment is confirmed.", link="/appointments/7/", **fields):
    return services.add_notification(recipient=user, text=text, link=link, kind="confirmed")


def test_the_bell_shows_the_unread_count_to_a_logged_in_user_only(client):
    assert bell(client.get("/").content.decode()) is None

    patient = PatientFactory()
    client.force_login(patient)
    assert "badge" not in bell(client.get("/").content.decode())

    for _ in range(3):
        add(patient)
    add(PatientFactory())  # someone else's
    shown = bell(client.get("/doctors/").content.decode())
    assert '<span aria-hidden="true">3</span>' in shown
    assert "(3 unread)" in shown
    assert 'href="/notifications/"' in client.get("/").content.decode()


def test_the_bell_counts_in_bengali_digits(client):
    patient = PatientFactory()
    for _ in range(12):
        add(patient)
    client.force_login(patient)
    page = client.get("/", headers={"accept-language": "bn"}).content.decode()
    assert '<span aria-hidden="true">১২</span>' in bell(page)


def test_the_bell_costs_one_query_per_page(client, django_assert_num_queries):
    patient = PatientFactory()
    client.force_login(patient)
    add(patient)
    # A page of a logged-in user without the bell's query would take: session, user.
    with django_assert_num_queries(3) as queries:
        assert client.get("/accounts/password/change/").status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "messaging_notification" in q["sql"]]
    assert len(counts) == 1
    assert "COUNT(" in counts[0].upper()


def test_the_list_shows_ones_own_latest_first_and_marks_them_read(client):
    patient = PatientFactory()
    old = add(patient, text="Booked with Dr. Karim.")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    new = add(patient, text="Confirmed: Dr. Karim.", link="/appointments/9/")
    add(PatientFactory(), text="Someone else's news")
    client.force_login(patient)

    page = client.get("/notifications/").content.decode()

    assert page.index("Confirmed: Dr. Karim.") < page.index("Booked with Dr. Karim.")
    assert "Someone else" not in page
    assert page.count(">New</span>") == 2
    assert 'href="/appointments/9/"' in page
    assert not Notification.objects.filter(recipient=patient, read_at__isnull=True).exists()
    # Marked read: the next visit shows them without "New", and the bell is quiet.
    again = client.get("/notifications/").content.decode()
    assert ">New</span>" not in again
    assert "badge" not in bell(again)
    assert Notification.objects.get(pk=new.pk).read_at is not None


def test_the_list_is_paginated_in_a_fixed_number_of_queries(client, django_assert_num_queries):
    patient = PatientFactory()
    for n in range(45):
        add(patient, text=f"Notification number {n}")
    client.force_login(patient)

    with django_assert_num_queries(6):  # session, user, count, page, mark read, bell
        first = client.get("/notifications/").content.decode()
    assert "Notification number 44" in first
    assert "Notification number 24" not in first
    assert "Page 1 of 3" in first
    third = client.get("/notifications/", {"page": "3"}).content.decode()
    assert re.search(r"Notification number 0\s*<", third)
    assert client.get("/notifications/", {"page": "x"}).status_code == 200


def test_an_empty_list_says_what_will_appear(client):
    client.force_login(StaffFactory())
    page = client.get("/notifications/").content.decode()
    assert "You have no notifications yet." in page


def test_the_list_in_bengali(client):
    patient = PatientFactory(preferred_language="bn")
    add(patient)
    client.force_login(patient)
    page = client.get("/notifications/", headers={"accept-language": "bn"}).content.decode()
    assert '<html lang="bn">' in page
    assert re.search(r"[০-৯]{4}", page)  # the year in Bengali digits


def test_a_link_off_the_site_is_never_shown(client):
    patient = PatientFactory()
    add(patient, link="//evil.example/")
    add(patient, link="https://evil.example/")
    client.force_login(patient)
    assert "evil.example" not in client.get("/notifications/").content.decode()


def test_visitors_are_sent_to_log_in_and_posts_are_refused(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/notifications/")
    client.force_login(PatientFactory())
    assert client.post("/notifications/").status_code == 405
