from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin import DoctorProfileAdmin
from accounts.models import DoctorProfile
from appion.csv_download import csv_download
from scheduling import services
from scheduling.models import (
    Appointment,
    AppointmentEvent,
    Chamber,
    ChamberHours,
    Payment,
    ScheduleSettings,
    TimeOff,
)


class ScheduleSettingsInline(admin.StackedInline):
    model = ScheduleSettings
    can_delete = False


# A map link typed without a scheme is read as https (Django 6's default, said now).
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}


class ChamberInline(admin.StackedInline):
    model = Chamber
    extra = 0
    formfield_overrides = HTTPS_LINKS
    fields = ["name", "is_online", "address", "thana", "phone", "map_url", "fee", "position"]
    autocomplete_fields = ["thana"]
    show_change_link = True


class ChamberHoursInline(admin.TabularInline):
    model = ChamberHours
    extra = 0
    fields = ["weekday", "start", "end"]


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0
    fields = ["start_date", "end_date", "chamber", "reason"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The chamber list of a doctor's time off: only that doctor's chambers.
        if db_field.name == "chamber":
            doctor_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Chamber.objects.filter(doctor_id=doctor_id or None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# The doctor's admin page also shows their schedule; scheduling adds it here so that
# accounts does not depend on scheduling.
admin.site.unregister(DoctorProfile)


@admin.register(DoctorProfile)
class DoctorWithScheduleAdmin(DoctorProfileAdmin):
    inlines = [ScheduleSettingsInline, ChamberInline, TimeOffInline]
    list_filter = [*DoctorProfileAdmin.list_filter, "chambers__thana__district__division"]


@admin.register(Chamber)
class ChamberAdmin(admin.ModelAdmin):
    """A chamber with its weekly sessions; each session's doctor is the chamber's."""

    list_display = ["name", "doctor", "is_online", "thana", "phone", "fee"]
    list_filter = ["is_online", "thana__district__division"]
    list_select_related = ["doctor__user", "thana"]
    formfield_overrides = HTTPS_LINKS
    search_fields = ["name", "address", "doctor__user__full_name"]
    autocomplete_fields = ["doctor", "thana"]
    inlines = [ChamberHoursInline]

    def save_formset(self, request, form, formset, change):
        for hours in formset.save(commit=False):
            hours.doctor_id = form.instance.doctor_id
            hours.save()
        for removed in formset.deleted_objects:
            removed.delete()
        formset.save_m2m()


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "kind", "from_status", "to_status", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AppointmentStatusForm(forms.ModelForm):
    """The admin's appointment form: the booking itself is read-only (doctor, patient,
    times, serial and fee only change through the booking rules, which the admin does
    not bypass); staff may move the status, with a reason, through
    services.change_status, the same path as the portal's buttons. `by` is set to the
    staff user by AppointmentAdmin.get_form."""

    to = forms.ChoiceField(
        label=_("Change the status to"),
        required=False,
        help_text=_(
            "Recorded in the appointment's history with you as its author; the patient is "
            "emailed when it is confirmed or cancelled."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=_("Why staff changed the status; a cancellation's reason is emailed."),
    )
    by = None

    class Meta:
        model = Appointment
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        moves = services.TRANSITIONS.get(self.instance.status, ())
        self.fields["to"].choices = [("", _("— keep it —"))] + [
            (status.value, status.label) for status in Appointment.Status if status in moves
        ]

    def clean(self):
        cleaned = super().clean()
        to, reason = cleaned.get("to"), (cleaned.get("reason") or "").strip()
        if not to:
            if reason:
                self.add_error("to", _("Choose the new status, or leave the reason empty."))
            return cleaned
        if not reason:
            self.add_error("reason", _("Give the reason for the change."))
            return cleaned
        # The admin's POST runs in one transaction: the row stays locked from this check
        # until save_model's change_status, so the status cannot move in between (a
        # change made since the form was shown is refused here, with its message).
        current = Appointment.objects.select_for_update().get(pk=self.instance.pk)
        try:
            services.check_transition(appointment=current, to=to, by=self.by)
        except services.BookingError as error:
            self.add_error("to", error.message)
        cleaned["reason"] = reason
        return cleaned


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    # Status and fee first and the chamber under its doctor: the list fits 1280 px.
    list_display = ["start", "serial", "status", "fee", "doctor_at_chamber", "patient_or_walk_in"]
    list_filter = [
        "status",
        "start",
        # Every specialization and division, not only those with appointments: "related
        # only" would scan a million appointments for each page view.
        "doctor__specialization",
        "chamber__thana__district__division",
    ]
    list_select_related = ["doctor__user", "chamber", "patient"]

    @admin.display(description=_("doctor and chamber"), ordering="doctor__user__full_name")
    def doctor_at_chamber(self, appointment):
        return format_html("{}<br><small>{}</small>", appointment.doctor, appointment.chamber.name)

    @admin.display(description=_("patient"), ordering="patient__full_name")
    def patient_or_walk_in(self, appointment):
        if appointment.is_walk_in:
            return format_html("{} <small>({})</small>", appointment.walk_in_name, _("walk-in"))
        return appointment.patient

    search_fields = [
        "patient__full_name",
        "patient__email",
        "patient__mobile",
        "walk_in_name",
        "walk_in_mobile",
        "doctor__user__full_name",
        "doctor__user__email",
        "doctor__user__mobile",
    ]
    # No date_hierarchy: its month links take a DISTINCT over every appointment; the
    # "start" filter gives today, the last 7 days, this month and this year instead.
    # Nothing of the booking is edited here: doctor, patient and times only change by
    # booking or rescheduling (which check the slot), the status only through
    # change_status (which records the history), see AppointmentStatusForm.
    form = AppointmentStatusForm
    readonly_fields = [
        "doctor",
        "chamber",
        "patient",
        "walk_in_name",
        "walk_in_mobile",
        "start",
        "end",
        "serial",
        "status",
        "fee",
        "symptoms",
        "notes",
        "created_at",
        "updated_at",
        "reminder_sent_at",
        "arrived_at",
        "called_at",
        "finished_at",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["doctor", "chamber", "patient", "start", "end", "serial", "status", "fee"]},
        ),
        (_("Walk-in"), {"fields": ["walk_in_name", "walk_in_mobile"]}),
        (_("From the patient"), {"fields": ["symptoms", "notes"]}),
        (_("Change the status"), {"fields": ["to", "reason"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "reminder_sent_at"]}),
        (_("The day's queue"), {"fields": ["arrived_at", "called_at", "finished_at"]}),
    ]
    inlines = [AppointmentEventInline]
    show_full_result_count = False
    ordering = ["-start"]
    actions = ["export_csv"]

    @admin.action(description=_("Export the selected appointments as CSV"))
    def export_csv(self, request, queryset):
        """Stream the selection (with "select all", the whole filtered list) as CSV."""
        appointments = queryset.select_related("doctor__user", "patient").order_by("start", "pk")
        rows = (
            [
                appointment.pk,
                timezone.localtime(appointment.start).isoformat(timespec="minutes"),
                appointment.serial,
                appointment.doctor.user.full_name,
                appointment.patient_name,
                appointment.status,
                appointment.fee,
            ]
            for appointment in appointments.iterator(chunk_size=2000)
        )
        return csv_download(
            ["id", "start", "serial", "doctor", "patient", "status", "fee"],
            rows,
            "appointments.csv",
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.by = request.user
        return form

    def save_model(self, request, obj, form, change):
        """Apply the status change, if any, through the service; never save the row
        as posted. The form has checked the move with the row locked."""
        to = form.cleaned_data.get("to")
        if to:
            services.change_status(
                appointment=obj, to=to, by=request.user, reason=form.cleaned_data["reason"]
            )

    def has_add_permission(self, request):
        # Patients book for themselves, through the booking rules (the changelist says
        # so); an appointment typed in here would skip every one of them.
        return False

    def has_delete_permission(self, request, obj=None):
        # Appointments are never deleted: they are the patients' medical history.
        return False


@admin.register(ChamberHours)
class ChamberHoursAdmin(admin.ModelAdmin):
    list_display = ["doctor", "chamber", "weekday", "start", "end"]
    list_filter = ["weekday"]
    list_select_related = ["doctor__user", "chamber"]
    search_fields = ["doctor__user__full_name", "chamber__name"]
    autocomplete_fields = ["doctor", "chamber"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["doctor", "chamber", "start_date", "end_date", "reason"]
    list_select_related = ["doctor__user", "chamber"]
    search_fields = ["doctor__user__full_name", "reason"]
    autocomplete_fields = ["doctor"]
    date_hierarchy = "start_date"


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Advances paid online (issue #21), read-only: a payment changes only through the
    gateway's reports and the refund rules (scheduling.payments). The validation answer
    is the gateway's, never with card numbers."""

    list_display = [
        "tran_id",
        "created_at",
        "appointment",
        "amount",
        "state",
        "method",
        "refund_state",
        "paid_at",
    ]
    list_filter = ["state", "refund_state", "method", ("paid_at", admin.DateFieldListFilter)]
    search_fields = ["tran_id", "bank_tran_id", "val_id"]
    date_hierarchy = "created_at"
    list_select_related = ["appointment__doctor__user"]
    readonly_fields = [field.name for field in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
