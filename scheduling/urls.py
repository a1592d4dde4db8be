from django.urls import path

from scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("accounts/register/doctor/", views.register_doctor, name="register_doctor"),
    path("doctors/", views.directory, name="directory"),
    path("doctors/<int:doctor_id>/", views.doctor_detail, name="doctor"),
    path("doctors/<int:doctor_id>/slots/", views.doctor_slots, name="slots"),
    path("appointments/book/<int:doctor_id>/", views.book, name="book"),
    path("appointments/<int:appointment_id>/", views.booked, name="booked"),
    path("portal/schedule/", views.schedule, name="schedule"),
    path("portal/time-off/", views.time_off, name="time_off"),
    path("portal/time-off/<int:time_off_id>/", views.time_off_detail, name="time_off_detail"),
    path(
        "portal/time-off/<int:time_off_id>/delete/",
        views.time_off_delete,
        name="time_off_delete",
    ),
]
