from django.urls import path, re_path

from scheduling.views import (
    appointments,
    booking,
    directory,
    feeds,
    payments,
    portal,
    queue,
    registration,
)

app_name = "scheduling"
urlpatterns = [
    path("accounts/register/doctor/", registration.register_doctor, name="register_doctor"),
    # Linked from the profile page; here because most of the data is appointments.
    path("accounts/profile/data/", appointments.my_data, name="my_data"),
    path("doctors/", directory.directory, name="directory"),
    path("doctors/<int:doctor_id>/", directory.doctor_detail, name="doctor"),
    path("doctors/<int:doctor_id>/slots/", directory.doctor_slots, name="slots"),
    path("appointments/book/<int:doctor_id>/", booking.book, name="book"),
    path("appointments/", appointments.my_appointments, name="appointments"),
    path("appointments/<int:appointment_id>/", appointments.appointment_detail, name="appointment"),
    path("appointments/<int:appointment_id>/cancel/", appointments.cancel, name="cancel"),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        appointments.reschedule,
        name="reschedule",
    ),
    path("appointments/<int:appointment_id>/ics/", appointments.appointment_ics, name="ics"),
    # The short link that SMS carry: a redirect to the appointment's page.
    path("a/<int:appointment_id>/", appointments.short_link, name="short_link"),
    path("appointments/<int:appointment_id>/status/", appointments.change_status, name="status"),
    # Advances paid online (issue #21): "Pay now", the gateway's return and IPN, the demo.
    path("appointments/<int:appointment_id>/pay/", payments.pay, name="pay"),
    re_path(
        r"^payments/return/(?P<outcome>success|fail|cancel)/$",
        payments.payment_return,
        name="payment_return",
    ),
    path("payments/ipn/", payments.payment_ipn, name="payment_ipn"),
    path("payments/demo/<str:token>/", payments.demo_checkout, name="demo_checkout"),
    path(
        "appointments/<int:appointment_id>/queue/",
        queue.appointment_queue,
        name="appointment_queue",
    ),
    # A secret of the URL-safe base64 alphabet; anything else is no feed (404).
    re_path(
        r"^calendar/(?P<secret>[A-Za-z0-9_-]{1,100})\.ics$",
        feeds.calendar_feed,
        name="calendar_feed",
    ),
    path("portal/", portal.portal, name="portal"),
    # The day's queue (issue #17): the doctor's page, its live part and its actions.
    path("portal/queue/", queue.queue, name="queue"),
    path("portal/queue/<int:chamber_id>/list/", queue.queue_list, name="queue_list"),
    path("portal/queue/<int:chamber_id>/call-next/", queue.queue_call_next, name="queue_call_next"),
    path("portal/queue/<int:chamber_id>/walk-in/", queue.queue_walk_in, name="queue_walk_in"),
    path("portal/queue/<int:chamber_id>/late/", queue.queue_late, name="queue_late"),
    path(
        "portal/queue/appointments/<int:appointment_id>/",
        queue.queue_step,
        name="queue_step",
    ),
    # The waiting-room screen, public: serials only.
    path("queue/<int:chamber_id>/screen/", queue.queue_screen, name="queue_screen"),
    path(
        "queue/<int:chamber_id>/screen/live/",
        queue.queue_screen_live,
        name="queue_screen_live",
    ),
    path("portal/agenda/", portal.agenda, name="agenda"),
    path(
        "portal/appointments/<int:appointment_id>/",
        appointments.appointment_detail,
        name="portal_appointment",
    ),
    path("portal/appointments/<int:appointment_id>/notes/", portal.visit_notes, name="visit_notes"),
    path("portal/schedule/", portal.schedule, name="schedule"),
    path("portal/chambers/", portal.chamber_list, name="chamber_list"),
    path("portal/chambers/new/", portal.chamber_edit, name="chamber_new"),
    path("portal/chambers/<int:chamber_id>/", portal.chamber_edit, name="chamber_edit"),
    path(
        "portal/chambers/<int:chamber_id>/delete/",
        portal.chamber_delete,
        name="chamber_delete",
    ),
    path("portal/time-off/", portal.time_off, name="time_off"),
    path("portal/time-off/<int:time_off_id>/", portal.time_off_detail, name="time_off_detail"),
    path(
        "portal/time-off/<int:time_off_id>/delete/",
        portal.time_off_delete,
        name="time_off_delete",
    ),
]
