"""What several scheduling pages share: finding the object a URL names (someone else's
or an unlisted one is a 404) and the free slots of one day."""

from django.shortcuts import get_object_or_404

from scheduling import selectors
from scheduling.forms import SlotDayForm

PAGE_SIZE = 20


def listed_doctor(doctor_id):
    """The listed doctor `doctor_id`, with what their pages show; 404 for any other."""
    return get_object_or_404(
        selectors.listed_doctors().select_related("user", "specialization", "schedule_settings"),
        pk=doctor_id,
    )


# Appointments after booking. Every view that takes an appointment id starts from
# selectors.visible_appointments(user), so another user's id is a 404 for every verb.
def visible_appointment(request, appointment_id):
    return get_object_or_404(selectors.visible_appointments(request.user), pk=appointment_id)


def slots_context(doctor, query, *, fallback=None):
    """The free slots of the day that `query` asks for (forms.SlotDayForm), or the
    message saying why there are none to show."""
    form = SlotDayForm(query, doctor=doctor, fallback=fallback)
    slots, error = [], None
    if form.is_valid():
        slots = selectors.free_slots(doctor, form.day, form.day).get(form.day, [])
    else:
        error = form.errors["date"][0]
    return {
        "doctor": doctor,
        "day": form.day,
        "slots": slots,
        # Which chamber each slot is at, when the day's slots lie at more than one.
        "several_chambers": len({slot.chamber_id for slot in slots}) > 1,
        "slot_error": error,
        "first_day": form.first_day,
        "last_day": form.last_day,
    }
