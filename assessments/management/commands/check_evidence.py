"""Check the evidence links and record, on each, whether it opens and when it was checked.

Only public web addresses are opened (assessments/linkcheck.py says how), with timeouts;
files are not links and are left alone. Staff see the result next to each link.
"""

from django.core.management.base import BaseCommand, CommandError

from assessments import linkcheck
from assessments.models import Assessment, EvidenceLink


def positive(kind):
    def parse(value):
        number = kind(value)
        if number <= 0:
            raise ValueError(value)
        return number

    parse.__name__ = kind.__name__
    return parse


class Command(BaseCommand):
    help = (
        "Check evidence links (public addresses only, with timeouts) and record the "
        "result and date on each."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=positive(float),
            default=10.0,
            help="seconds to wait for a connection or a read (default 10; a whole check "
            "takes at most three times this)",
        )
        parser.add_argument(
            "--older-than",
            type=positive(int),
            metavar="DAYS",
            help="only links not checked in the last DAYS days (default: every link)",
        )
        parser.add_argument(
            "--assessment", type=int, metavar="ID", help="only this assessment's links"
        )

    def handle(self, *args, timeout, older_than, assessment, **options):
        if assessment is not None and not Assessment.objects.filter(pk=assessment).exists():
            raise CommandError(f"There is no assessment {assessment}.")
        links = linkcheck.links_to_check(older_than_days=older_than, assessment_id=assessment)
        counts = linkcheck.check_links(links=links, timeout=timeout)
        total = sum(counts.values())
        parts = ", ".join(
            f"{counts[status]} {status}"
            for status in EvidenceLink.LinkStatus.values
            if counts[status]
        )
        plural = "" if total == 1 else "s"
        self.stdout.write(f"Checked {total} link{plural}" + (f": {parts}." if parts else "."))
