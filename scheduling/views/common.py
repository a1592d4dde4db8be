"""What several scheduling pages share: finding the object a URL names (someone else's
or an unlisted one is a 404) and the free slots of one day."""

from django.shortcuts import get_object_or_404

from appion import clinic_calendar
from scheduling import selectors
from scheduling.forms import SlotDayForm

PAGE_SIZE = 20


def listed_doctor(doctor_id):
    """The listed doctor `doctor_id`, with what their pages show (and `offers_online`,
    selectors.with_online); 404 for any other."""
    return get_object_or_404(
        selectors.with_online(
            selectors.listed_doctors().select_related("user", "specialization", "schedule_settings")
        ),
        pk=doctor_id,
    )


# Appointments after booking. Every view that takes an appointment id starts from
# selectors.visible_appointments(user), so another user's id is a 404 for every verb.
def visible_appointment(request, appointment_id):
    return get_object_or_404(selectors.visible_appointments(request.user), pk=appointment_id)


def slots_context(doctor, query, *, fallback=None):
    """The day that `query` asks for (forms.SlotDayForm) or else the first day with a
    free slot: its whole slot grid (the taken ones greyed), the strip of the next
    fourteen days with their free slots, and the next day with a free slot after it;
    or the message saying why there is nothing to show."""
    strip = selectors.day_strip(doctor, clinic_calendar.today())
    first_free = next((day.day for day in strip if day.free), None)
    form = SlotDayForm(query, doctor=doctor, fallback=first_free or fallback)
    day_slots, error = [], None
    if form.is_valid():
        shown = {day.day: day for day in strip}.get(form.day)
        day_slots = list(shown.slots) if shown else _grid(doctor, form.day)
    else:
        error = form.errors["date"][0]
    slots = [slot for slot in day_slots if slot.free]
    later = [day.day for day in strip if day.free and day.day > (form.day or day.day)]
    return {
        "doctor": doctor,
        "day": form.day,
        "slots": slots,
        "day_slots": day_slots,
        "strip": strip,
        "next_free": later[0] if later else None,
        # Which chamber each slot is at, when the day's slots lie at more than one.
        "several_chambers": len({slot.chamber_id for slot in slots}) > 1,
        "slot_error": error,
        "first_day": form.first_day,
        "last_day": form.last_day,
    }


def _grid(doctor, day):
    """`day`'s whole slot grid, for a day beyond the strip."""
    return (
        selectors.free_slots_for_doctors([doctor], day, day, with_taken=True)
        .get(doctor.pk, {})
        .get(day, [])
    )
