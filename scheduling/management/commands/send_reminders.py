from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from scheduling import notifications
from scheduling.models import Appointment

REMIND_AHEAD = timedelta(hours=24)


def due_reminders(now):
    """Confirmed appointments that start within the next 24 hours and whose patient has
    not been reminded yet, with what the email needs. Walk-ins have no account to
    email: they are at the chamber already."""
    return (
        Appointment.objects.filter(
            patient__isnull=False,
            status=Appointment.Status.CONFIRMED,
            start__gt=now,
            start__lte=now + REMIND_AHEAD,
            reminder_sent_at__isnull=True,
        )
        .select_related("patient", "doctor__user", "chamber__thana__district")
        .order_by("start", "pk")
    )


def claim(appointment, now) -> bool:
    """Mark the reminder as queued in one conditional UPDATE. Only the process whose
    UPDATE changes the row writes the reminder, so concurrent or repeated runs write it at
    most once. The conditions are checked again because the appointment may have been
    cancelled since it was read."""
    return (
        Appointment.objects.filter(
            pk=appointment.pk,
            reminder_sent_at__isnull=True,
            status=Appointment.Status.CONFIRMED,
            start__gt=now,
        ).update(reminder_sent_at=now)
        == 1
    )


class Command(BaseCommand):
    help = (
        "Queue a reminder to each patient of their confirmed appointment in the next 24 "
        "hours (in-app, and SMS or email as they chose), at most once per appointment, even "
        "when several runs overlap; send_notifications sends them. Run it from cron, e.g. "
        "every 15 minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the reminders that are due; queue and change nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        if dry_run:
            count = due_reminders(now).count()
            self.stdout.write(
                ngettext("Would send %(count)d reminder.", "Would send %(count)d reminders.", count)
                % {"count": count}
            )
            return

        queued = 0
        for appointment in list(due_reminders(now)):
            # The claim and the reminder in one transaction: both or neither. The worker
            # (send_notifications) sends it, and retries while the server is down.
            with transaction.atomic():
                if not claim(appointment, timezone.now()):
                    continue  # another run has it, or it changed since it was read
                notifications.reminder(appointment)
            queued += 1
        self.stdout.write(
            ngettext("Queued %(count)d reminder.", "Queued %(count)d reminders.", queued)
            % {"count": queued}
        )
