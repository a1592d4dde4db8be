from django.core.management.base import BaseCommand

from appion.messaging.worker import Worker


class Command(BaseCommand):
    help = (
        "Send the emails and SMS waiting in the outbox. Runs until stopped (SIGTERM), as a "
        "service; with --once it sends what is due and exits, for cron. Any number of "
        "workers may run at once: each message is claimed by one of them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Send what is due now, then exit (for cron)."
        )
        parser.add_argument(
            "--batch", type=int, default=100, help="Messages claimed at a time (default 100)."
        )
        parser.add_argument(
            "--sleep",
            type=float,
            default=5.0,
            help="Seconds to wait when nothing is due (default 5).",
        )

    def handle(self, *args, once=False, batch=100, sleep=5.0, **options):
        worker = Worker(batch=max(batch, 1), idle_seconds=max(sleep, 0.1), log=self.stdout.write)
        if not once:
            worker.run_forever()
        totals = worker.run_once() if once else worker.totals
        self.stdout.write("Sent {sent}, to retry later {retry}, failed {failed}.".format(**totals))
        if totals["failed"]:
            self.stderr.write(f"{totals['failed']} message(s) failed: see the outbox in the admin.")
