"""The app's periodic work, for cron or a systemd timer (docs/periodic.md): due-date
reminders of actions, reminders of perspectives rounds closing, the weekly digests, and
the evidence link checks (handed to the task worker).

Idempotent: every reminder and digest is recorded under a unique key (per action and due
date, per round, per user and ISO week), so a second run, even at the same time, sends
nothing twice. Run it daily; --today pretends another date (tests, catching up).
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments import notifications, tasks


def day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Send due-date and round-closing reminders and the weekly digests, and queue the "
        "evidence link checks. Safe to run twice: nothing is sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=day, metavar="YYYY-MM-DD", help="the date to run for (default: today)"
        )
        parser.add_argument(
            "--links-older-than",
            type=int,
            default=7,
            metavar="DAYS",
            help="check the evidence links not checked in the last DAYS days (default 7)",
        )
        parser.add_argument(
            "--no-links", action="store_true", help="do not queue the evidence link checks"
        )

    def handle(self, *args, today, links_older_than, no_links, **options):
        today = today or timezone.localdate()
        if links_older_than < 0:
            raise CommandError("--links-older-than must be 0 or more.")
        actions = notifications.remind_actions(today=today)
        rounds = notifications.remind_rounds(today=today)
        digests = notifications.send_digests(today=today)
        self.stdout.write(
            f"{today}: {actions} action reminder(s), {rounds} round reminder(s), "
            f"{digests} digest(s)."
        )
        if not no_links:
            result = tasks.check_evidence_links.enqueue(older_than_days=links_older_than)
            self.stdout.write(f"Evidence link check queued (task {result.id}).")
