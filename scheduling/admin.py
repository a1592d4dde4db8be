from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin import DoctorProfileAdmin
from accounts.models import DoctorProfile
from appion.csv_download import csv_download
from scheduling.models import Appointment, AppointmentEvent, ChamberHours, ScheduleSettings, TimeOff


class ScheduleSettingsInline(admin.StackedInline):
    model = ScheduleSettings
    can_delete = False


class ChamberHoursInline(admin.TabularInline):
    model = ChamberHours
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0
    fields = ["start_date", "end_date", "reason"]


# The doctor's admin page also shows their schedule; scheduling adds it here so that
# accounts does not depend on scheduling.
admin.site.unregister(DoctorProfile)


@admin.register(DoctorProfile)
class DoctorWithScheduleAdmin(DoctorProfileAdmin):
    inlines = [ScheduleSettingsInline, ChamberHoursInline, TimeOffInline]


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["start", "serial", "doctor", "patient", "status", "fee"]
    list_filter = [
        "status",
        "start",
        # Every specialization and division, not only those with appointments: "related
        # only" would scan a million appointments for each page view.
        "doctor__specialization",
        "doctor__chamber_thana__district__division",
    ]
    list_select_related = ["doctor__user", "patient"]
    search_fields = [
        "patient__full_name",
        "patient__email",
        "patient__mobile",
        "doctor__user__full_name",
        "doctor__user__email",
        "doctor__user__mobile",
    ]
    # No date_hierarchy: its month links take a DISTINCT over every appointment; the
    # "start" filter gives today, the last 7 days, this month and this year instead.
    autocomplete_fields = ["doctor", "patient"]
    # The status moves only through the services, which record the history.
    readonly_fields = ["status", "serial", "fee", "created_at", "updated_at"]
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
                appointment.patient.full_name,
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

    def has_delete_permission(self, request, obj=None):
        # Appointments are never deleted: they are the patients' medical history.
        return False


@admin.register(ChamberHours)
class ChamberHoursAdmin(admin.ModelAdmin):
    list_display = ["doctor", "weekday", "start", "end"]
    list_filter = ["weekday"]
    list_select_related = ["doctor__user"]
    search_fields = ["doctor__user__full_name"]
    autocomplete_fields = ["doctor"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["doctor", "start_date", "end_date", "reason"]
    list_select_related = ["doctor__user"]
    search_fields = ["doctor__user__full_name", "reason"]
    autocomplete_fields = ["doctor"]
    date_hierarchy = "start_date"
