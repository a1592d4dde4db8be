from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from scheduling.services import refresh_next_free


class Command(BaseCommand):
    help = (
        "Recompute every listed doctor's stored next free slot, which orders the directory. "
        "Run it from cron every few minutes: slots pass as time goes by."
    )

    def handle(self, *args, **options):
        count = refresh_next_free()
        self.stdout.write(
            ngettext(
                "Refreshed the next free slot of %(count)d doctor.",
                "Refreshed the next free slot of %(count)d doctors.",
                count,
            )
            % {"count": count}
        )
