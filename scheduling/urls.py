from django.urls import path

from scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("accounts/register/doctor/", views.register_doctor, name="register_doctor"),
    # Linked from the profile page; here because most of the data is appointments.
    path("accounts/profile/data/", views.my_data, name="my_data"),
    path("doctors/", views.directory, name="directory"),
    path("doctors/<int:doctor_id>/", views.doctor_detail, name="doctor"),
    path("doctors/<int:doctor_id>/slots/", views.doctor_slots, name="slots"),
    path("appointments/book/<int:doctor_id>/", views.book, name="book"),
    path("appointments/", views.my_appointments, name="appointments"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("appointments/<int:appointment_id>/reschedule/", views.reschedule, name="reschedule"),
    path("appointments/<int:appointment_id>/ics/", views.appointment_ics, name="ics"),
    path("appointments/<int:appointment_id>/status/", views.change_status, name="status"),
    path("portal/", views.portal, name="portal"),
    path("portal/agenda/", views.agenda, name="agenda"),
    path(
        "portal/appointments/<int:appointment_id>/",
        views.appointment_detail,
        name="portal_appointment",
    ),
    path("portal/appointments/<int:appointment_id>/notes/", views.visit_notes, name="visit_notes"),
    path("portal/schedule/", views.schedule, name="schedule"),
    path("portal/time-off/", views.time_off, name="time_off"),
    path("portal/time-off/<int:time_off_id>/", views.time_off_detail, name="time_off_detail"),
    path(
        "portal/time-off/<int:time_off_id>/delete/",
        views.time_off_delete,
        name="time_off_delete",
    ),
]
