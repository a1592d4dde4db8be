"""Reads that carry the scheduling rules. Free slots are computed here and only here:
the doctor page, the slot list, the booking form and the directory all ask these
functions."""

import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DoctorProfile, User
from appion import clinic_calendar
from scheduling.models import (
    BOOKING_WINDOW_MAX_DAYS,
    WEEK_ORDER,
    Appointment,
    AppointmentEvent,
    Chamber,
    ChamberHours,
    LateNotice,
    QueueState,
    ScheduleSettings,
    TimeOff,
    Weekday,
)


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, in the site's time zone (Asia/Dhaka)
    end: datetime
    # The serial a booking of this slot gets: its position in its chamber's sessions of
    # the day, 1 for the first slot (see free_slots_for_doctors for days booked on
    # another grid).
    serial: int
    # The chamber whose session the slot lies in (a doctor's sessions never overlap,
    # so there is exactly one).
    chamber_id: int | None = None
    chamber_name: str = ""
    # False for a slot of the grid that cannot be booked: taken, past or too soon
    # (free_slots_for_doctors(..., with_taken=True) lists those too).
    free: bool = True

    @property
    def local_start(self):
        return timezone.localtime(self.start)

    @property
    def start_param(self):
        """The start as the booking URL's `start` query value."""
        return quote(self.start.isoformat())


business_hours = clinic_calendar.business_hours


def settings_for(doctor) -> ScheduleSettings:
    """The doctor's schedule settings; unsaved defaults when they have none yet."""
    try:
        return doctor.schedule_settings
    except ScheduleSettings.DoesNotExist:
        return ScheduleSettings(doctor=doctor)


def day_grid(
    hours, day: date, slot_minutes: int, *, chamber_id=None, chamber_name=""
) -> list[Slot]:
    """Every slot of `day` in one chamber's sessions ((start, end) times of that
    weekday), in time order, numbered by serial: a chamber's sessions of one day share
    one serial list (09:00-12:00,14:00-17:00 hourly: serials 1 to 6). Slots are whole: a
    range's remainder shorter than a slot is not one. Ranges are clipped to the site's
    business hours."""
    zone = clinic_calendar.tz()
    return [
        Slot(
            start=datetime.combine(day, start, tzinfo=zone),
            end=datetime.combine(day, end, tzinfo=zone),
            serial=serial,
            chamber_id=chamber_id,
            chamber_name=chamber_name,
        )
        for start, end, serial in _grid_times(tuple(sorted(hours)), slot_minutes, business_hours())
    ]


@lru_cache(maxsize=4096)
def _grid_times(hours: tuple, slot_minutes: int, opening_hours: tuple) -> tuple:
    """day_grid's slots as (start, end, serial) clock times, the same on every date (a
    slot is reckoned in clock time and never runs past midnight), so computed once for
    each set of sessions rather than for every day shown."""
    opening, closing = opening_hours
    length = timedelta(minutes=slot_minutes)
    times = []
    for range_start, range_end in hours:
        # Clock arithmetic on a date that has no bearing on the result.
        start = datetime.combine(date.min, max(range_start, opening))
        end = datetime.combine(date.min, min(range_end, closing))
        while start + length <= end:
            times.append((start.time(), (start + length).time(), len(times) + 1))
            start += length
    return tuple(times)


def doctor_day_grid(sessions, day: date, slot_minutes: int, *, closed=()) -> list[Slot]:
    """Every slot of `day` at all of a doctor's chambers, in time order, each numbered
    in its own chamber's list (day_grid). `sessions`: {chamber id: (chamber name,
    [(start, end), ...])}; chambers in `closed` (on leave) are left out."""
    slots = []
    for chamber_id, (name, hours) in sessions.items():
        if chamber_id not in closed:
            slots += day_grid(hours, day, slot_minutes, chamber_id=chamber_id, chamber_name=name)
    return sorted(slots, key=lambda slot: slot.start)


def bookable_dates(schedule: ScheduleSettings, today: date | None = None) -> tuple[date, date]:
    """First and last day a patient may book (today .. today + booking window)."""
    today = today or timezone.localdate()
    return today, today + timedelta(days=schedule.booking_window_days)


def free_slots_for_doctors(doctors, date_from: date, date_to: date, *, now=None, with_taken=False):
    """Free slots of several doctors from date_from to date_to (inclusive), as
    {doctor_id: {date: [Slot, ...]}}; days without free slots are left out. With
    `with_taken`, each open day (chamber sessions, not on leave, inside the booking
    window) lists its whole grid instead, the slots that cannot be booked with
    `free=False`, and a full day is listed too.

    A slot is free when it lies on the doctor's slot grid inside chamber hours and the
    business hours, is not on a day of time off, starts no sooner than the minimum notice
    and no later than the booking window allows, and overlaps no active (pending,
    confirmed, completed) appointment.

    Each slot's serial is the one a booking gets (see next_serial): its position in its
    chamber's sessions of the day, unless an active appointment at that chamber booked
    before a change of slot length or hours holds that number. Time off without a
    chamber closes every chamber of the doctor; with one, only that chamber. Four
    queries whatever the number of doctors,
    days or appointments; three when the doctors came with their settings
    (select_related("schedule_settings"))."""
    return _free_slots(doctors, date_from, date_to, now=now, with_taken=with_taken)[0]


def _free_slots(doctors, date_from: date, date_to: date, *, now=None, with_taken=False):
    """free_slots_for_doctors, and the days of time off each doctor has from it
    {(doctor id, day): {chamber id, or ALL_CHAMBERS}} (for day_strip)."""
    now = now or timezone.now()
    doctors = list(doctors)
    # No slot lies before today or beyond the longest booking window: the range is cut to
    # those days first, since a date from the address may be in year 1 or year 9999.
    today = timezone.localdate(now)
    date_from = max(date_from, today)
    date_to = min(date_to, today + timedelta(days=BOOKING_WINDOW_MAX_DAYS))
    if not doctors or date_to < date_from:
        return {}, {}
    ids = [doctor.pk for doctor in doctors]

    # Settings fetched with the doctors (select_related) are used as they are.
    schedules = {
        doctor.pk: doctor.schedule_settings
        for doctor in doctors
        if "schedule_settings" in doctor._state.fields_cache
        and doctor._state.fields_cache["schedule_settings"] is not None
    }
    if len(schedules) < len(doctors):
        schedules.update(
            (s.doctor_id, s)
            for s in ScheduleSettings.objects.filter(
                doctor_id__in=[pk for pk in ids if pk not in schedules]
            )
        )
    weekdays = {
        (date_from + timedelta(days=n)).weekday()
        for n in range(min(7, (date_to - date_from).days + 1))
    }
    # {doctor id: {weekday: {chamber id: (chamber name, [(start, end), ...])}}}
    hours = defaultdict(lambda: defaultdict(dict))
    for doctor_id, weekday, start, end, chamber_id, chamber_name in (
        ChamberHours.objects.filter(doctor_id__in=ids, weekday__in=weekdays)
        .order_by("chamber__position", "chamber_id", "start")
        .values_list("doctor_id", "weekday", "start", "end", "chamber_id", "chamber__name")
    ):
        sessions = hours[doctor_id][weekday]
        sessions.setdefault(chamber_id, (chamber_name, []))[1].append((start, end))
    # (doctor id, day): the chamber ids on leave that day, ALL_CHAMBERS for every one.
    leave_days = defaultdict(set)
    for doctor_id, chamber_id, first, last in TimeOff.objects.filter(
        doctor_id__in=ids, start_date__lte=date_to, end_date__gte=date_from
    ).values_list("doctor_id", "chamber_id", "start_date", "end_date"):
        day = max(first, date_from)
        while day <= min(last, date_to):
            leave_days[doctor_id, day].add(chamber_id or ALL_CHAMBERS)
            day += timedelta(days=1)
    taken = defaultdict(list)
    held = defaultdict(set)  # (chamber id, day): the serials of its active appointments
    window_start, window_end = clinic_calendar.window(date_from, date_to)
    zone = clinic_calendar.tz()
    opening_hours = business_hours()  # parsed from the settings once, not per day
    for doctor_id, chamber_id, start, end, day, serial, patient_id in (
        Appointment.objects.holding()
        .filter(
            doctor_id__in=ids,
            # An appointment is at most one slot (≤ 2 hours) long; the lower bound on start
            # keeps the (doctor, start) index range tight.
            start__gte=window_start - timedelta(days=1),
            start__lt=window_end,
            end__gt=window_start,
        )
        .values_list("doctor_id", "chamber_id", "start", "end", "date", "serial", "patient_id")
    ):
        # A walk-in (no patient account) holds a serial but no slot: it is seen between
        # the booked patients of the session (scheduling.queue).
        if patient_id is not None:
            # In the grid's time zone: datetimes of one zone compare without working out
            # their UTC offsets, which makes the many comparisons below several times
            # cheaper.
            taken[doctor_id].append((start.astimezone(zone), end.astimezone(zone)))
        held[chamber_id, day].add(serial)

    result = {}
    for doctor in doctors:
        schedule = schedules.get(doctor.pk) or ScheduleSettings(doctor_id=doctor.pk)
        earliest = (now + timedelta(minutes=schedule.min_notice_minutes)).astimezone(zone)
        first_day, last_day = bookable_dates(schedule, timezone.localdate(now))
        busy = sorted(taken[doctor.pk])
        busy_starts = [start for start, _end in busy]
        by_day = {}
        day = max(date_from, first_day)
        while day <= min(date_to, last_day):
            sessions = hours[doctor.pk].get(day.weekday())
            closed = leave_days.get((doctor.pk, day), ())
            if sessions and ALL_CHAMBERS not in closed:
                slots = []
                for chamber_id, name, start_time, end_time, position in _weekday_grid(
                    sessions, schedule.slot_minutes, closed, opening_hours
                ):
                    start = datetime.combine(day, start_time, tzinfo=zone)
                    end = datetime.combine(day, end_time, tzinfo=zone)
                    free = start >= earliest and not _overlaps(busy, busy_starts, start, end)
                    if free or with_taken:
                        serial = position
                        held_serials = held.get((chamber_id, day)) if free else None
                        if held_serials:
                            serial = next_serial(position, held_serials)
                        slots.append(Slot(start, end, serial, chamber_id, name, free))
                if slots:
                    by_day[day] = slots
            day += timedelta(days=1)
        result[doctor.pk] = by_day
    return result, leave_days


def _weekday_grid(sessions, slot_minutes: int, closed, opening_hours) -> list:
    """doctor_day_grid as clock times, the same for every date of that weekday:
    [(chamber id, chamber name, start, end, serial), ...] in time order.
    `opening_hours`: business_hours(), read once by the caller."""
    grid = [
        (chamber_id, name, start, end, serial)
        for chamber_id, (name, hours) in sessions.items()
        if chamber_id not in closed
        for start, end, serial in _grid_times(tuple(sorted(hours)), slot_minutes, opening_hours)
    ]
    grid.sort(key=lambda slot: slot[2])
    return grid


# In leave_days: time off without a chamber (every chamber of the doctor).
ALL_CHAMBERS = "all"


def next_serial(position: int, held) -> int:
    """The serial of a new booking whose slot is `position`-th in its chamber's day,
    given the serials `held` by the chamber's active appointments that day (a chamber's
    sessions of one day share one serial list): the position when
    nobody holds it, otherwise the one after the day's highest. Serials already booked
    are never changed, so after a change of slot length or hours a day's serials may
    leave time order, but never repeat (the database refuses a repeat too)."""
    return position if position not in held else max(held) + 1


def _overlaps(busy, busy_starts, start, end) -> bool:
    """Whether [start, end) overlaps one of `busy` (sorted (start, end) pairs that do
    not overlap each other, as active appointments never do): only the last one
    starting before the slot ends can reach into it."""
    index = bisect_left(busy_starts, end)
    return index > 0 and busy[index - 1][1] > start


def free_slots(doctor, date_from: date, date_to: date, *, now=None) -> dict[date, list[Slot]]:
    """Free slots of one doctor, {date: [Slot, ...]}; see free_slots_for_doctors."""
    return free_slots_for_doctors([doctor], date_from, date_to, now=now).get(doctor.pk, {})


# Look this many days ahead first, then further only for doctors with nothing free yet:
# most doctors have a free slot within days, so most calls read only a few days' rows.
HORIZONS = (1, 7, 400)


def first_free_days(doctors, *, now=None) -> dict[int, list[Slot]]:
    """Each doctor's free slots on their first day with one within their booking window,
    or []. At most four queries per horizon step (see HORIZONS), whatever the number of
    doctors."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    remaining = list(doctors)
    result = {d.pk: [] for d in remaining}
    searched_to = today - timedelta(days=1)
    for days in HORIZONS:
        if not remaining:
            break
        until = today + timedelta(days=days - 1)
        slots = free_slots_for_doctors(remaining, searched_to + timedelta(days=1), until, now=now)
        found = set()
        for doctor in remaining:
            by_day = slots.get(doctor.pk)
            if by_day:
                result[doctor.pk] = by_day[min(by_day)]
                found.add(doctor.pk)
        remaining = [d for d in remaining if d.pk not in found]
        searched_to = until
    return result


def next_free_slots(doctors, *, now=None) -> dict[int, Slot | None]:
    """Each doctor's earliest free slot within their booking window, or None; queries as
    first_free_days."""
    return {pk: day[0] if day else None for pk, day in first_free_days(doctors, now=now).items()}


# How many free times a directory card offers to book from.
CARD_TIMES = 3


def card_slots(doctors, *, day=None, now=None) -> dict[int, tuple[Slot | None, list[Slot]]]:
    """For each doctor of a directory page, (next free slot or None, times to book): up
    to CARD_TIMES free slots of `day` when one was searched, else of the doctor's first
    free day. The queries of first_free_days, and four more for `day`, whatever the
    number of doctors."""
    doctors = list(doctors)
    first_days = first_free_days(doctors, now=now)
    if day is None:
        times = first_days
    else:
        on_day = free_slots_for_doctors(doctors, day, day, now=now)
        times = {d.pk: on_day.get(d.pk, {}).get(day, []) for d in doctors}
    return {
        d.pk: (first_days[d.pk][0] if first_days[d.pk] else None, times[d.pk][:CARD_TIMES])
        for d in doctors
    }


def find_free_slot(doctor, start: datetime, *, now=None) -> Slot | None:
    """The free slot that begins exactly at `start`, or None when there is none."""
    day = clinic_calendar.local_day(start)
    for slot in free_slots(doctor, day, day, now=now).get(day, []):
        if slot.start == start:
            return slot
    return None


def is_slot_start(doctor, start: datetime) -> bool:
    """Whether `start` begins one of the doctor's slots: on the slot grid of that
    weekday's chamber hours (inside the business hours), on a day no later than the
    booking window reaches. Bookings, leave, the minimum notice and the passing of time
    do not count, so False means the time never was one of the doctor's slots."""
    schedule = settings_for(doctor)
    local = timezone.localtime(start)
    day = local.date()
    if day > bookable_dates(schedule)[1]:
        return False
    sessions = {}
    for chamber_id, start, end in ChamberHours.objects.filter(
        doctor=doctor, weekday=day.weekday()
    ).values_list("chamber_id", "start", "end"):
        sessions.setdefault(chamber_id, ("", []))[1].append((start, end))
    grid = doctor_day_grid(sessions, day, schedule.slot_minutes)
    return any(slot.start == local for slot in grid)


def slot_is_taken(doctor, start: datetime) -> bool:
    """Whether an appointment that holds its slot begins at `start`: then a refusal says
    the slot was just taken rather than that the time is not a slot. Only a start inside
    the booking window can be one (and only such a start reaches the database)."""
    now = timezone.now()
    try:
        start = start.astimezone(UTC)
    except OverflowError:  # beyond the calendar in UTC
        return False
    if not now - timedelta(days=1) <= start <= now + timedelta(days=BOOKING_WINDOW_MAX_DAYS + 1):
        return False
    return Appointment.objects.holding().filter(doctor=doctor, start=start).exists()


def listed_doctors():
    """Doctors patients can find and book (DoctorProfile.objects.listed())."""
    return DoctorProfile.objects.listed()


def _online_sessions():
    """The weekly sessions at online chambers of the doctor of the outer query."""
    return ChamberHours.objects.filter(doctor=OuterRef("pk"), chamber__is_online=True)


def with_online(doctors):
    """`doctors` with `offers_online`: whether the doctor holds online consultations (has
    weekly sessions at an online chamber). A subquery, not a query per doctor."""
    return doctors.annotate(offers_online=Exists(_online_sessions()))


def search_doctors(
    *,
    q="",
    specialization=None,
    division=None,
    district=None,
    thana=None,
    max_fee=None,
    online=None,
):
    """The directory's filters over listed doctors; q matches the doctor's name or the
    specialization, in English or Bengali. The area filters find a doctor with any
    chamber in the area, once (an EXISTS, not a join); `online` those who hold online
    consultations (with_online, which every doctor found carries)."""
    doctors = with_online(
        listed_doctors().select_related("user", "specialization", "schedule_settings")
    )
    if online:
        doctors = doctors.filter(offers_online=True)
    if q:
        doctors = doctors.filter(
            Q(user__full_name__icontains=q)
            | Q(specialization__name__icontains=q)
            | Q(specialization__name_bn__icontains=q)
        )
    if specialization:
        doctors = doctors.filter(specialization=specialization)
    area = _area_filter(thana=thana, district=district, division=division, prefix="thana")
    if area:
        doctors = doctors.filter(Exists(Chamber.objects.filter(area, doctor=OuterRef("pk"))))
    if max_fee is not None:
        doctors = doctors.filter(consultation_fee__lte=max_fee)
    return doctors


# The directory's orders. "next" uses the stored next free slot
# (ScheduleSettings.next_free_at), so that the database sorts thousands of doctors; the
# page then shows each of its doctors' slot computed afresh (next_free_slots).
DIRECTORY_ORDERS = {
    "next": (F("schedule_settings__next_free_at").asc(nulls_last=True), "user__full_name", "pk"),
    "fee": ("consultation_fee", "user__full_name", "pk"),
    "experience": ("-experience_years", "user__full_name", "pk"),
}


def directory_doctors(*, order="next", day=None, now=None, **filters):
    """The listed doctors that the directory's `filters` find (see search_doctors), in
    the `order` of DIRECTORY_ORDERS. With `day`, only those with a free slot that day:
    a list, computed for all of them together in a fixed number of queries."""
    doctors = search_doctors(**filters).order_by(*DIRECTORY_ORDERS[order])
    if day is None:
        return doctors
    candidates = list(doctors)
    free_that_day = free_slots_for_doctors(candidates, day, day, now=now)
    return [doctor for doctor in candidates if free_that_day.get(doctor.pk)]


class DirectoryPaginator(Paginator):
    """Pages of directory_doctors: counts and slices the doctors' ids, a narrow query the
    database sorts several times faster than whole rows, then loads only the page's
    doctors (with what their cards show) in one more query. A list (a searched day's
    doctors) is paged as it is."""

    def __init__(self, doctors, per_page):
        self.doctors = doctors
        if isinstance(doctors, QuerySet):
            doctors = doctors.values_list("pk", flat=True)
        super().__init__(doctors, per_page)

    def page(self, number):
        page = super().page(number)
        if isinstance(self.doctors, QuerySet):
            ids = list(page.object_list)
            found = self.doctors.order_by().in_bulk(ids)
            # A doctor unlisted between the two queries is left out, not an error.
            page.object_list = [found[pk] for pk in ids if pk in found]
        return page


def relaxations(*, day=None, now=None, **filters) -> list[tuple[str, int]]:
    """When the directory's filters find no doctor: for each filter in use (the day
    included, as "date"), how many doctors the others find without it, most first,
    leaving out those that find none. A query or two a filter (at most seven)."""
    found = []
    if day is not None:
        found.append(("date", search_doctors(**filters).count()))
    for name in filters:
        others = {key: value for key, value in filters.items() if key != name}
        found.append(
            (
                name,
                len(directory_doctors(day=day, now=now, **others))
                if day
                else directory_doctors(**others).count(),
            )
        )
    return sorted(((name, n) for name, n in found if n), key=lambda item: -item[1])


def slot_chamber(slot) -> Chamber:
    """The chamber whose session holds `slot`, with its doctor and thana."""
    return Chamber.objects.select_related("doctor", "thana__district").get(pk=slot.chamber_id)


def chamber_clashes(*, doctor, week: dict, chamber=None) -> list[str]:
    """Messages naming each of `week`'s ranges ({weekday: [(start, end), ...]}) that
    overlaps one of the doctor's sessions at another chamber than `chamber`, and that
    chamber: a doctor is in one place at a time. Empty when none does. One query."""
    others = ChamberHours.objects.filter(doctor=doctor, weekday__in=list(week)).select_related(
        "chamber"
    )
    if chamber is not None and chamber.pk:
        others = others.exclude(chamber=chamber)
    messages = []
    for other in others.order_by("weekday", "start"):
        for start, end in week.get(other.weekday, ()):
            if start < other.end and other.start < end:
                messages.append(
                    _("%(day)s %(range)s overlaps your hours at %(chamber)s (%(day)s %(other)s).")
                    % {
                        "day": Weekday(other.weekday).label,
                        "range": f"{start:%H:%M}–{end:%H:%M}",
                        "chamber": other.chamber.name,
                        "other": f"{other.start:%H:%M}–{other.end:%H:%M}",
                    }
                )
    return messages


def _area_filter(*, thana=None, district=None, division=None, prefix):
    """The Q that keeps rows whose thana (at `prefix`) lies in the narrowest area given,
    or None without one."""
    if thana:
        return Q(**{prefix: thana})
    if district:
        return Q(**{f"{prefix}__district": district})
    if division:
        return Q(**{f"{prefix}__district__division": division})
    return None


def _in_area(chamber, *, thana=None, district=None, division=None, online=None) -> bool:
    if online:
        return chamber.is_online
    place = chamber.thana
    if thana:
        return place is not None and place.pk == thana.pk
    if district:
        return place is not None and place.district_id == district.pk
    if division:
        return place is not None and place.district.division_id == division.pk
    return True


def card_chambers(
    doctors, *, thana=None, district=None, division=None, online=None, **_filters
) -> dict:
    """The chamber each directory card shows, {doctor id: Chamber}: the doctor's first
    chamber in the searched area (their first online chamber when online consultations
    were searched for), else their first chamber. One query, however many doctors."""
    area = {"thana": thana, "district": district, "division": division, "online": online}
    chambers = Chamber.objects.filter(doctor__in=[doctor.pk for doctor in doctors])
    chambers = chambers.select_related("thana__district__division").order_by(
        "doctor_id", "position", "pk"
    )
    shown = {}
    for chamber in chambers:
        if chamber.doctor_id not in shown or (
            not _in_area(shown[chamber.doctor_id], **area) and _in_area(chamber, **area)
        ):
            shown[chamber.doctor_id] = chamber
    return shown


def doctor_chambers(doctor) -> list:
    """The doctor's chambers in their order, each with its thana and district and its
    weekly sessions by weekday, Saturday first, as `chamber.week`: [(weekday label,
    [ChamberHours, ...]), ...], an empty list for a closed day. Two queries."""
    chambers = list(
        doctor.chambers.select_related("thana__district").prefetch_related(
            Prefetch("hours", queryset=ChamberHours.objects.order_by("weekday", "start"))
        )
    )
    for chamber in chambers:
        by_day = {day: [] for day in WEEK_ORDER}
        for hour_range in chamber.hours.all():
            by_day[hour_range.weekday].append(hour_range)
        chamber.week = [(Weekday(day).label, by_day[day]) for day in WEEK_ORDER]
    return chambers


STRIP_DAYS = 14


@dataclass(frozen=True)
class StripDay:
    day: date
    free: int  # how many slots can be booked
    # "free", "full" (every slot taken or past), "leave" (time off at every chamber),
    # "closed" (no session that weekday), or "beyond" (outside the booking window)
    state: str
    # The day's whole grid, bookable or not (Slot.free).
    slots: tuple = ()


def day_strip(doctor, first: date, *, days=STRIP_DAYS, now=None) -> list[StripDay]:
    """The doctor's next `days` days from `first`, each with its number of free slots
    and why it has none: the strip above the slot list. Four queries whatever the
    number of days or appointments (three when the doctor came with its settings)."""
    now = now or timezone.now()
    last = first + timedelta(days=days - 1)
    slots, time_off = _free_slots([doctor], first, last, now=now, with_taken=True)
    by_day = slots.get(doctor.pk, {})
    window_first, window_last = bookable_dates(settings_for(doctor), timezone.localdate(now))
    # Days off at every chamber (time off without a chamber); the lookup covers every
    # day inside the booking window, the only ones the state is asked for.
    leave_days = {day for (_pk, day), closed in time_off.items() if ALL_CHAMBERS in closed}
    strip = []
    for day in _days(first, last):
        free = sum(slot.free for slot in by_day.get(day, ()))
        if free:
            state = "free"
        elif day in by_day:
            state = "full"
        elif not window_first <= day <= window_last:
            state = "beyond"
        elif day in leave_days:
            state = "leave"
        else:
            state = "closed"
        strip.append(StripDay(day=day, free=free, state=state, slots=tuple(by_day.get(day, ()))))
    return strip


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def next_free_day(doctor) -> date | None:
    """The local day of the doctor's stored next free slot, so that their page opens on
    a day with slots rather than on a full today; None when there is none. (Stored, not
    computed: as current as the last write or refresh_next_free.)"""
    schedule = getattr(doctor, "schedule_settings", None)
    if schedule is None or schedule.next_free_at is None:
        return None
    return clinic_calendar.local_day(schedule.next_free_at)


def visible_appointments(user):
    """The appointments `user` may see: a patient their own, a doctor their patients',
    staff all. Every view that takes an appointment id starts here, so a guessed id is
    a 404."""
    queryset = Appointment.objects.select_related(
        "doctor__user", "doctor__specialization", "chamber__thana__district", "patient"
    )
    if not user.is_authenticated:
        return queryset.none()
    if user.is_staff:
        return queryset
    if user.role == "doctor":
        return queryset.filter(doctor__user=user)
    return queryset.filter(patient=user)


# A calendar feed holds the appointments of the last FEED_PAST and all those to come (at
# most FEED_LIMIT); a cancelled one stays in it, as cancelled, for FEED_CANCELLED after
# the cancellation, so that subscribed calendars take it out (or strike it through).
FEED_PAST = timedelta(days=30)
FEED_CANCELLED = timedelta(days=30)
FEED_LIMIT = 1000


def feed_appointments(user, *, now=None) -> list:
    """The appointments of `user`'s calendar feed, in time order: a patient's own, a
    doctor's patients'; none for anyone else. Each with what its event shows (the
    doctor and chamber, or the patient), in one query whatever their number."""
    now = now or timezone.now()
    found = Appointment.objects.filter(start__gte=now - FEED_PAST).filter(
        ~Q(status=Appointment.Status.CANCELLED) | Q(updated_at__gte=now - FEED_CANCELLED)
    )
    if user.role == User.Role.DOCTOR:
        found = found.filter(doctor__user=user).select_related(
            "doctor", "patient", "chamber__thana__district"
        )
    elif user.role == User.Role.PATIENT:
        found = found.filter(patient=user).select_related(
            "doctor__user", "chamber__thana__district"
        )
    else:
        return []
    return list(found.order_by("start", "pk")[:FEED_LIMIT])


# The video room of an online consultation opens to its two parties this long before
# the start, and closes at the end of the appointment's day in Dhaka.
VIDEO_OPENS_BEFORE = timedelta(minutes=15)


def video_window(appointment) -> tuple[datetime, datetime]:
    """When the appointment's video room may be shown: from VIDEO_OPENS_BEFORE before
    the start until the end of its day (Asia/Dhaka)."""
    day = clinic_calendar.local_day(appointment.start)
    return appointment.start - VIDEO_OPENS_BEFORE, clinic_calendar.window(day, day)[1]


def video_link(appointment, user, *, now=None) -> str | None:
    """The address of the appointment's video room (settings.APPION_VIDEO_BASE_URL and
    its secret room name), or None. Only for an online consultation that is confirmed,
    only to its patient and its doctor (not to staff, nor anyone else), and only within
    video_window. The one place that hands the room out: pages, the API and nothing
    else ask here; emails, SMS, calendar feeds, reports and logs never do."""
    if not appointment.video_room or appointment.status != Appointment.Status.CONFIRMED:
        return None
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.pk not in (appointment.patient_id, appointment.doctor.user_id):
        return None
    opens, closes = video_window(appointment)
    if not opens <= (now or timezone.now()) < closes:
        return None
    return f"{settings.APPION_VIDEO_BASE_URL}/{appointment.video_room}"


def still_to_come(now) -> Q:
    """A patient's upcoming appointments (their page's and their dashboard's): not yet
    ended and not cancelled; everything else is history."""
    return Q(end__gt=now) & ~Q(status=Appointment.Status.CANCELLED)


def agenda(doctor, days) -> list:
    """The doctor's appointments on each of `days` (consecutive local days), cancelled
    ones left out, each day's in serial order: [(day, [Appointment, ...]), ...]. One
    query."""
    appointments = (
        Appointment.objects.between(days[0], days[-1])
        .filter(doctor=doctor)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("patient")
        .order_by("start")
    )
    by_day = {day: [] for day in days}
    for appointment in appointments:
        by_day[clinic_calendar.local_day(appointment.start)].append(appointment)
    return [(day, sorted(by_day[day], key=lambda a: a.serial)) for day in days]


def portal_counts(doctor, *, today, now) -> dict:
    """The portal's figures of the doctor's active appointments, each over a whole
    period, counted the same way: this week's (Saturday to Friday) and this month's,
    and this month's completed visits up to `now`; with each period's first and last
    day for the tiles' labels. One query."""
    week_first = clinic_calendar.week_start(today)
    week_last = week_first + timedelta(days=6)
    month_first, month_last = clinic_calendar.month_start(today), clinic_calendar.month_end(today)
    week_since, week_until = clinic_calendar.window(week_first, week_last)
    month_since, month_until = clinic_calendar.window(month_first, month_last)
    counts = (
        Appointment.objects.active()
        .filter(doctor=doctor)
        .aggregate(
            week=Count("pk", filter=Q(start__gte=week_since, start__lt=week_until)),
            month=Count("pk", filter=Q(start__gte=month_since, start__lt=month_until)),
            completed_month=Count(
                "pk",
                filter=Q(
                    status=Appointment.Status.COMPLETED, start__gte=month_since, start__lte=now
                ),
            ),
        )
    )
    return {
        **counts,
        "week_first": week_first,
        "week_last": week_last,
        "month_first": month_first,
        "month_last": month_last,
    }


def pending_requests(doctor, *, now):
    """The doctor's pending appointments that have not ended yet, soonest first."""
    return (
        Appointment.objects.filter(doctor=doctor, status=Appointment.Status.PENDING, end__gt=now)
        .select_related("patient")
        .order_by("start")
    )


def upcoming_time_off(doctor):
    """The doctor's time off that has not ended yet (today counts)."""
    return TimeOff.objects.filter(
        doctor=doctor, end_date__gte=clinic_calendar.today()
    ).select_related("chamber")


def visits_around(appointment, *, limit=20):
    """The patient's other appointments with the same doctor, with their visit notes:
    (up to `limit` before `appointment`, latest first; up to `limit` after it, earliest
    first), ties on the start ordered by id. Never another doctor's: their notes are
    not this doctor's to read. A walk-in has no account, so no history to link: none."""
    if appointment.patient_id is None:
        return Appointment.objects.none(), Appointment.objects.none()
    others = (
        Appointment.objects.filter(patient=appointment.patient_id, doctor=appointment.doctor_id)
        .exclude(pk=appointment.pk)
        .select_related("visit_notes")
    )
    before = Q(start__lt=appointment.start) | Q(start=appointment.start, pk__lt=appointment.pk)
    return (
        others.filter(before).order_by("-start", "-pk")[:limit],
        others.exclude(before).order_by("start", "pk")[:limit],
    )


def _slots_version_key(doctor_id):
    return f"slots-version:{doctor_id}"


def slots_version(doctor_id) -> int:
    """A number that changes whenever the doctor's free slots may have changed (a
    booking, a cancellation, new hours or time off): part of the slot list's cache key."""
    return cache.get(_slots_version_key(doctor_id), 0)


def bump_slots_version(doctor_id) -> None:
    try:
        cache.incr(_slots_version_key(doctor_id))
    except ValueError:
        cache.set(_slots_version_key(doctor_id), 1, timeout=None)


def slots_cache_key(doctor_id, day, language) -> str:
    return f"slots:{doctor_id}:{day}:{language}:{slots_version(doctor_id)}"


def _local(moment):
    return timezone.localtime(moment) if moment else None


def _place(place):
    return {"name": place.name, "name_bn": place.name_bn} if place else None


def _profile_data(user):
    profile = {
        "email": user.email,
        "full_name": user.full_name,
        "mobile": user.mobile,
        "role": user.role,
        "division": _place(user.division),
        "district": _place(user.district),
        "thana": _place(user.thana),
        "preferred_language": user.preferred_language,
        "registered_at": _local(user.created_at),
    }
    if user.role == User.Role.PATIENT and hasattr(user, "patient_profile"):
        patient = user.patient_profile
        profile.update(
            date_of_birth=patient.date_of_birth,
            gender=patient.gender,
            blood_group=patient.blood_group,
        )
    if user.role == User.Role.DOCTOR and hasattr(user, "doctor_profile"):
        doctor = user.doctor_profile
        profile.update(
            licence_number=doctor.licence_number,
            specialization=doctor.specialization.name,
            qualifications=doctor.qualifications,
            experience_years=doctor.experience_years,
            consultation_fee=doctor.consultation_fee,
            chambers=[
                {
                    "name": chamber.name,
                    "is_online": chamber.is_online,
                    "address": chamber.address,
                    "thana": _place(chamber.thana),
                    "phone": chamber.phone,
                    "map_url": chamber.map_url,
                    "fee": chamber.fee,
                }
                for chamber in doctor.chambers.select_related("thana")
            ],
            bio=doctor.bio,
            verified_at=_local(doctor.verified_at),
        )
    return profile


def _appointment_data(appointment, *, as_patient):
    data = {
        "id": appointment.pk,
        "start": _local(appointment.start),
        "end": _local(appointment.end),
        "serial": appointment.serial,
        "status": appointment.status,
        "fee": appointment.fee,
        "online": appointment.is_online,
        "booked_at": _local(appointment.created_at),
        "history": [
            {
                "when": _local(event.created_at),
                "from": event.from_status,
                "to": event.to_status,
                "by": event.actor.full_name if event.actor else None,
                "reason": event.reason,
                "step": event.kind,
            }
            for event in appointment.events.all()
        ],
    }
    if not as_patient:
        data["patient"] = appointment.patient_name
        return data
    doctor = appointment.doctor
    data.update(
        doctor=doctor.user.full_name,
        specialization=doctor.specialization.name,
        chamber_name=appointment.chamber.name,
        chamber_address=appointment.chamber.address,
        symptoms=appointment.symptoms,
        notes=appointment.notes,
        visit_notes=None,
    )
    notes = getattr(appointment, "visit_notes", None)
    if notes is not None:
        data["visit_notes"] = {
            "diagnosis": notes.diagnosis,
            "prescription": notes.prescription,
            "advice": notes.advice,
            "follow_up_date": notes.follow_up_date,
            "written_at": _local(notes.created_at),
            "updated_at": _local(notes.updated_at),
        }
    return data


def personal_data(user) -> dict:
    """Everything Appion holds about `user` that is theirs to take away, as JSON-able
    data: the profile and their appointments with each one's status history — for a
    patient with their symptoms, notes and the doctor's visit notes; for a doctor the
    appointments booked with them, without the patients' medical details (those belong
    to each patient's own download). Three queries (four for a doctor: their chambers),
    however many appointments."""
    user = (
        User.objects.select_related(
            "division",
            "district",
            "thana",
            "patient_profile",
            "doctor_profile__specialization",
        )
        .prefetch_related("doctor_profile__chambers__thana")
        .get(pk=user.pk)
    )
    as_patient = user.role != User.Role.DOCTOR
    if as_patient:
        appointments = Appointment.objects.filter(patient=user).select_related(
            "doctor__user", "doctor__specialization", "chamber", "visit_notes"
        )
    else:
        appointments = Appointment.objects.filter(doctor__user=user).select_related("patient")
    events = AppointmentEvent.objects.select_related("actor").order_by("created_at", "pk")
    appointments = appointments.order_by("start", "pk").prefetch_related(
        Prefetch("events", queryset=events)
    )
    return {
        "exported_at": timezone.localtime(),
        "profile": _profile_data(user),
        "appointments": [
            _appointment_data(appointment, as_patient=as_patient) for appointment in appointments
        ],
    }


# The day's queue at a chamber (issue #17). The state lives in the appointments'
# statuses and queue times (Appointment.queue_state) and the day's LateNotice; these
# read it for the doctor's queue, the patient's live view and the waiting-room screen.


@dataclass
class Queue:
    chamber: Chamber
    day: date
    # Every appointment of the chamber on the day, cancelled ones too, in serial order.
    entries: list
    # The one called in and not yet done (None: nobody in consultation).
    serving: Appointment | None
    # Those who have arrived and wait, in the order "call next" takes them.
    waiting: list
    late: LateNotice | None
    # The chamber's sessions of the day [(start, end) times]; empty on a day without
    # one, or on leave.
    sessions: list
    on_leave: bool
    # Today's pace: the average consultation of those done through the queue today,
    # else the slot length (before the first visit).
    pace: timedelta
    pace_measured: bool

    @property
    def up_next(self):
        """The next three to be called (the waiting-room screen)."""
        return self.waiting[:3]

    @property
    def last_called(self):
        """The serial most recently called in, also once done: what "now serving" shows
        between two patients. None before the first call of the day."""
        called = [entry for entry in self.entries if entry.called_at is not None]
        return max(called, key=lambda entry: entry.called_at) if called else None

    @property
    def pace_minutes(self) -> int:
        return max(1, round(self.pace.total_seconds() / 60))

    @property
    def has_started(self):
        return any(entry.called_at is not None for entry in self.entries)

    def counts(self) -> dict:
        """{state: how many}, every state."""
        counts = dict.fromkeys(QueueState.values, 0)
        for entry in self.entries:
            counts[entry.queue_state] += 1
        return counts

    @property
    def summary(self):
        """[(state label, how many)] of the states the day has, in queue order: the
        doctor's line of figures."""
        return [(QueueState(state).label, n) for state, n in self.counts().items() if n]

    def session_of(self, appointment):
        """The (start, end) of the session that holds `appointment`'s start, else None."""
        local = timezone.localtime(appointment.start).time()
        return next(((s, e) for s, e in self.sessions if s <= local < e), None)


def queue_chambers(doctor) -> list:
    """The doctor's chambers, each with `sessions_today`: its sessions of today as
    [(start, end)], for the queue page's choice of chamber. One query (with the hours)."""
    weekday = clinic_calendar.today().weekday()
    chambers = list(
        doctor.chambers.prefetch_related(
            Prefetch(
                "hours",
                queryset=ChamberHours.objects.filter(weekday=weekday).order_by("start"),
                to_attr="today_hours",
            )
        )
    )
    for chamber in chambers:
        chamber.sessions_today = [(hours.start, hours.end) for hours in chamber.today_hours]
    return chambers


def default_queue_chamber(chambers, *, now=None):
    """The chamber whose queue the doctor most likely runs now (queue_chambers' rows):
    the one in session now, else the next to open today, else the last one today, else
    the first chamber."""
    local = timezone.localtime(now or timezone.now()).time()
    today = [c for c in chambers if c.sessions_today]
    for chamber in today:
        if any(start <= local < end for start, end in chamber.sessions_today):
            return chamber
    later = [c for c in today if any(start > local for start, _end in c.sessions_today)]
    if later:
        return min(later, key=lambda c: min(s for s, _e in c.sessions_today if s > local))
    if today:
        return max(today, key=lambda c: max(e for _s, e in c.sessions_today))
    return chambers[0] if chambers else None


def queue_appointments(chamber, day):
    """The chamber's appointments of `day`, every status, in serial order (through the
    (doctor, start) index)."""
    return (
        Appointment.objects.on_local_day(day)
        .filter(doctor_id=chamber.doctor_id, chamber=chamber)
        .order_by("serial", "pk")
    )


def chamber_queue(chamber, *, day=None, now=None) -> Queue:
    """The queue of `chamber` on `day` (today by default). `chamber` should come with
    doctor__schedule_settings (else one query more). Four queries, however many
    patients: the appointments, the late notice, the day's sessions, the leave."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    entries = list(queue_appointments(chamber, day).select_related("patient"))
    late = LateNotice.objects.filter(chamber=chamber, date=day).first()
    sessions = list(
        ChamberHours.objects.filter(chamber=chamber, weekday=day.weekday())
        .order_by("start")
        .values_list("start", "end")
    )
    on_leave = (
        TimeOff.objects.filter(doctor_id=chamber.doctor_id, start_date__lte=day, end_date__gte=day)
        .filter(Q(chamber__isnull=True) | Q(chamber=chamber))
        .exists()
    )
    serving = next((e for e in entries if e.queue_state == QueueState.IN_CONSULTATION), None)
    waiting = [e for e in entries if e.queue_state == QueueState.ARRIVED]
    durations = [
        e.finished_at - e.called_at
        for e in entries
        if e.status == Appointment.Status.COMPLETED
        and e.called_at is not None
        and e.finished_at is not None
        and e.finished_at > e.called_at
    ]
    if durations:
        pace = sum(durations, timedelta()) / len(durations)
    else:
        pace = settings_for(chamber.doctor).slot_length
    return Queue(
        chamber=chamber,
        day=day,
        entries=entries,
        serving=serving,
        waiting=waiting,
        late=late if late is not None and late.minutes else None,
        sessions=[] if on_leave else sessions,
        on_leave=on_leave,
        pace=pace,
        pace_measured=bool(durations),
    )


def wait_minutes(queue: Queue, appointment, *, now=None) -> int | None:
    """About how many minutes until `appointment` is called: today's pace times the
    patients still to be seen ahead of it (lower serials, booked, arrived or in
    consultation), not before its session opens (plus the late notice) and, before the
    doctor has called anyone, not before the doctor starts. Rounded up to 5 minutes;
    None once it is called, done, missed or cancelled."""
    if appointment.queue_state not in (QueueState.BOOKED, QueueState.ARRIVED):
        return None
    now = now or timezone.now()
    ahead = sum(
        1
        for entry in queue.entries
        if entry.serial < appointment.serial
        and entry.queue_state in (QueueState.BOOKED, QueueState.ARRIVED, QueueState.IN_CONSULTATION)
    )
    wait = queue.pace * ahead
    late = timedelta(minutes=queue.late.minutes if queue.late else 0)
    session = queue.session_of(appointment)
    if session is not None:
        opens = clinic_calendar.at(queue.day, session[0]) + late - now
        wait = max(wait, opens)
    if not queue.has_started and queue.sessions:
        first_opens = clinic_calendar.at(queue.day, queue.sessions[0][0]) + late - now
        wait = max(wait, first_opens + queue.pace * ahead)
    minutes = math.ceil(max(wait, timedelta()).total_seconds() / 60)
    return math.ceil(minutes / 5) * 5
