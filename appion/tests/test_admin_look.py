"""The Django admin in Appion's name and colours, with list pages that say something about
each row and cost the same number of queries for a few rows as for many."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEntry
from accounts.tests.factories import PatientProfileFactory, StaffFactory
from appion.messaging.models import Channel, Notification, OutboxMessage
from appion.tests.contrast import contrast
from scheduling.models import Payment
from scheduling.tests.factories import AppointmentFactory, ChamberHoursFactory, TimeOffFactory

pytestmark = pytest.mark.django_db

# Appion's own apps: Django's (groups) and django-axes' admins are theirs.
OUR_APPS = {"accounts", "scheduling", "locations", "messaging", "reports"}
OUR_ADMINS = sorted(
    (model._meta.label, model_admin)
    for model, model_admin in admin.site._registry.items()
    if model._meta.app_label in OUR_APPS
)


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory())
    return client


def stylesheet():
    return Path(finders.find("css/admin.css")).read_text()


@pytest.mark.parametrize("language", ["en", "bn"])
@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:scheduling_appointment_changelist"),
        reverse("admin:accounts_user_add"),
    ],
)
def test_admin_pages_carry_appions_name_and_stylesheet(admin_client, url, language):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = admin_client.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert f'<html lang="{language}"' in html
    with translation.override(language):
        header = translation.gettext("Appion administration")
    assert f'<div id="site-name"><a href="/admin/">{header}</a></div>' in html
    assert f"| {header}</title>" in html
    # Our stylesheet after Django's, so that our variables win; no inline style (CSP).
    assert html.index("/static/admin/css/base.css") < html.index("/static/css/admin.css")
    assert "<style" not in html
    assert "/static/img/favicon.svg" in html


def test_the_login_page_is_branded_too(client):
    html = client.get(reverse("admin:login")).content.decode()
    assert "Appion administration" in html
    assert "/static/css/admin.css" in html


def test_the_admin_uses_the_shared_palette_with_readable_text():
    light = stylesheet().split("@media")[0]
    colours = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-f]{6})", light))
    colours["--primary-fg"] = "#ffffff"
    assert colours["--primary"] == "#0f766e"
    assert colours["--header-bg"] == "#0f766e"
    assert colours["--button-hover-bg"] == "#115e59"
    assert colours["--selected-row"] == "#e6f4f1"
    assert colours["--body-fg"] == "#1f2933"
    # Text over background, as base.css pairs them.
    pairs = [
        ("--primary-fg", "--primary"),  # module captions
        ("--header-color", "--header-bg"),
        ("--breadcrumbs-fg", "--breadcrumbs-bg"),
        ("--primary-fg", "--button-bg"),
        ("--primary-fg", "--button-hover-bg"),
        ("--primary-fg", "--default-button-bg"),
        ("--link-fg", "--selected-row"),
        ("--body-fg", "--selected-row"),
        ("--link-fg", "--message-success-bg"),
        ("--body-quiet-color", "--accent"),
    ]
    for text, background in pairs:
        assert contrast(colours[text], colours[background]) >= 4.5, (text, background)
    assert contrast(colours["--link-fg"], "#ffffff") >= 4.5


@pytest.mark.parametrize(("label", "model_admin"), OUR_ADMINS, ids=[a for a, _ in OUR_ADMINS])
def test_every_list_says_something_and_has_an_order(label, model_admin):
    assert list(model_admin.list_display) != ["__str__"], label
    assert model_admin.search_fields, label
    model = model_admin.model
    assert model_admin.get_ordering(None) or model._meta.ordering, label


def world():
    """One of everything our admin lists, with its related rows."""
    appointment = AppointmentFactory(start=timezone.now() + timedelta(days=1))
    doctor, patient = appointment.doctor, appointment.patient
    ChamberHoursFactory(doctor=doctor, weekday=3)
    TimeOffFactory(doctor=doctor, start_date=timezone.localdate(), end_date=timezone.localdate())
    PatientProfileFactory()
    Notification.objects.create(recipient=patient, text="Booked", kind="booked")
    OutboxMessage.objects.create(
        channel=Channel.EMAIL, recipient=patient, address=patient.email, subject="s", text="t"
    )
    AuditEntry.objects.create(action=AuditEntry.Action.LOGIN, user=patient, email=patient.email)
    Payment.objects.create(
        appointment=appointment, tran_id=uuid.uuid4().hex[:20], amount=Decimal("500")
    )


def changelist_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_no_list_takes_a_query_per_row(admin_client):
    urls = {
        label: reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model, model_admin in admin.site._registry.items()
        if (label := model._meta.label) in dict(OUR_ADMINS)
    }
    world()
    few = {label: changelist_queries(admin_client, url) for label, url in urls.items()}
    for _ in range(3):
        world()
    many = {label: changelist_queries(admin_client, url) for label, url in urls.items()}

    assert many == few


def test_the_appointment_list_takes_as_many_queries_for_2_as_for_8_rows(
    admin_client, django_assert_num_queries
):
    url = reverse("admin:scheduling_appointment_changelist")
    for _ in range(2):
        AppointmentFactory(start=timezone.now() + timedelta(days=1))
    count = changelist_queries(admin_client, url)
    for _ in range(6):
        AppointmentFactory(start=timezone.now() + timedelta(days=2))

    with django_assert_num_queries(count):
        page = admin_client.get(url)
    assert len(page.context["cl"].result_list) == 8
