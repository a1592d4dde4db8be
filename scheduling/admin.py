from django.contrib import admin

from accounts.admin import DoctorProfileAdmin
from accounts.models import DoctorProfile
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
        ("doctor__specialization", admin.RelatedOnlyFieldListFilter),
        ("doctor__chamber_thana__district__division", admin.RelatedOnlyFieldListFilter),
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
    date_hierarchy = "start"
    autocomplete_fields = ["doctor", "patient"]
    # The status moves only through the services, which record the history.
    readonly_fields = ["status", "serial", "fee", "created_at", "updated_at"]
    inlines = [AppointmentEventInline]
    show_full_result_count = False
    ordering = ["-start"]

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
