"""The live pages' WebSockets (issue #17), routed in appion/asgi.py.

A socket only listens: it joins the groups of what its page shows (scheduling/live.py)
and passes each announcement on as a small JSON text frame; the page then fetches its
fragment again through the view that decides what the visitor may see. Who may listen
is decided once, on connecting, from the session (AuthMiddlewareStack) and the database:

| path | who |
| --- | --- |
| /ws/queue/<chamber_id>/ | the chamber's doctor |
| /ws/appointments/<appointment_id>/ | the appointment's patient and its doctor |
| /ws/screen/<chamber_id>/ | anyone (a listed doctor's chamber; serial numbers only) |
| /ws/agenda/ | a doctor: their own bookings |
| /ws/slots/<doctor_id>/ | anyone (a listed doctor; taken and freed times only) |

Anyone else is accepted and at once closed with code 4403, so that the page's script
knows not to try again; frames from the browser are ignored (appion/live.py's
LiveConsumer, the base of these). An appointment that can no longer change (cancelled,
completed, no-show) closes with 1000: nothing more will come.
"""

from django.db.models import Q

from accounts.models import DoctorProfile, User
from appion.live import Closed, LiveConsumer
from scheduling import live
from scheduling.models import Appointment, Chamber


def _doctor_profile_id(user):
    if user is None or user.role != User.Role.DOCTOR:
        return None
    return DoctorProfile.objects.filter(user=user).values_list("pk", flat=True).first()


class QueueConsumer(LiveConsumer):
    def listen(self, user):
        chamber_id = self._argument("chamber_id")
        doctor_id = _doctor_profile_id(user)
        if doctor_id is None:
            return None
        if not Chamber.objects.filter(pk=chamber_id, doctor_id=doctor_id).exists():
            return None
        return [live.queue_group(chamber_id)]


class AppointmentConsumer(LiveConsumer):
    def listen(self, user):
        if user is None:
            return None
        appointment = (
            Appointment.objects.filter(pk=self._argument("appointment_id"))
            # Its patient, or its doctor; never staff (the admin has no live page).
            .filter(Q(patient=user) | Q(doctor__user=user))
            .values("pk", "status", "chamber_id", "date")
            .first()
        )
        if appointment is None:
            return None
        if not Appointment.TRANSITIONS.get(appointment["status"]):
            raise Closed
        return [
            live.appointment_group(appointment["pk"]),
            live.session_group(appointment["chamber_id"], appointment["date"]),
        ]


class ScreenConsumer(LiveConsumer):
    def listen(self, user):
        chamber_id = self._argument("chamber_id")
        listed = DoctorProfile.objects.listed()
        if not Chamber.objects.filter(pk=chamber_id, doctor__in=listed).exists():
            return None
        return [live.screen_group(chamber_id)]


class AgendaConsumer(LiveConsumer):
    def listen(self, user):
        doctor_id = _doctor_profile_id(user)
        return None if doctor_id is None else [live.agenda_group(doctor_id)]


class SlotsConsumer(LiveConsumer):
    def listen(self, user):
        doctor_id = self._argument("doctor_id")
        if not DoctorProfile.objects.listed().filter(pk=doctor_id).exists():
            return None
        return [live.slots_group(doctor_id)]
