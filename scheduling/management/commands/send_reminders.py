import logging
from datetime import timedelta
from smtplib import SMTPException

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from scheduling.emails import appointment_email
from scheduling.models import Appointment

logger = logging.getLogger("appion.scheduling")

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
    """Mark the reminder as sent in one conditional UPDATE. Only the process whose UPDATE
    changes the row sends the email, so concurrent or repeated runs send it at most once.
    The conditions are checked again because the appointment may have been cancelled
    since it was read."""
    return (
        Appointment.objects.filter(
            pk=appointment.pk,
            reminder_sent_at__isnull=True,
            status=Appointment.Status.CONFIRMED,
            start__gt=now,
        ).update(reminder_sent_at=now)
        == 1
    )


def release(appointment, claimed_at):
    """Give a claim back after a failed send, so that a later run retries. Only our own
    claim is released, never one that another run made since."""
    Appointment.objects.filter(pk=appointment.pk, reminder_sent_at=claimed_at).update(
        reminder_sent_at=None
    )


def reminder_email(appointment):
    """The patient's reminder, in the patient's language, with the .ics attached."""
    return appointment_email(
        appointment,
        appointment.patient,
        template="scheduling/email/reminder.txt",
        html_template="scheduling/email/reminder.html",
        subject=gettext_lazy("Reminder: appointment with %(doctor)s, %(when)s, serial %(serial)s"),
        when_format="l, j F, H:i",
    )


class Command(BaseCommand):
    help = (
        "Email each patient a reminder of their confirmed appointment in the next 24 hours, "
        "at most once per appointment, even when several runs overlap. Run it from cron, "
        "e.g. every 15 minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the reminders that are due; send and change nothing.",
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

        sent = failed = 0
        for appointment in list(due_reminders(now)):
            claimed_at = timezone.now()
            if not claim(appointment, claimed_at):
                continue  # another run has it, or it changed since it was read
            try:
                reminder_email(appointment).send()
            except (OSError, SMTPException):
                logger.warning(
                    "Could not send the reminder for appointment %s; a later run retries.",
                    appointment.pk,
                    exc_info=True,
                )
                release(appointment, claimed_at)
                failed += 1
            except Exception:
                # A bad appointment (or template) must not stop the others' reminders.
                logger.exception("Reminder for appointment %s failed.", appointment.pk)
                release(appointment, claimed_at)
                failed += 1
            else:
                sent += 1
        self.stdout.write(
            ngettext("Sent %(count)d reminder.", "Sent %(count)d reminders.", sent)
            % {"count": sent}
        )
        if failed:
            self.stderr.write(
                ngettext(
                    "Could not send %(count)d reminder; the next run retries it.",
                    "Could not send %(count)d reminders; the next run retries them.",
                    failed,
                )
                % {"count": failed}
            )
