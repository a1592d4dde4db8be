import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Max, Min
from django.utils.translation import ngettext

from appion.clinic_calendar import local_day
from reports.summary import mark_all_dirty, summarise_range
from scheduling.models import Appointment


class Command(BaseCommand):
    help = (
        "Bring the reports' daily roll-ups up to date for every day with appointments "
        "(reports do this for their own range on demand; run it after a bulk load, or "
        "nightly, so that no report waits)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="recompute every day, not only the dirty ones"
        )

    def handle(self, *args, **options):
        span = Appointment.objects.aggregate(first=Min("start"), last=Max("start"))
        if span["first"] is None:
            self.stdout.write("No appointments: nothing to summarise.")
            return
        if options["all"]:
            mark_all_dirty()
        started = time.monotonic()
        days = summarise_range(local_day(span["first"]), local_day(span["last"]))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # fresh statistics after a bulk load
                cursor.execute("ANALYZE reports_dailyfigure, reports_reportday")
        self.stdout.write(
            ngettext(
                "Summarised %(count)d day in %(seconds).1f s.",
                "Summarised %(count)d days in %(seconds).1f s.",
                days,
            )
            % {"count": days, "seconds": time.monotonic() - started}
        )
