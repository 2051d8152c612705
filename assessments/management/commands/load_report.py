from django.core.management.base import BaseCommand

from assessments.report_data import load_report


class Command(BaseCommand):
    help = "Load or update the report's criteria, cities, offices, charts and facts from fixtures/."

    def handle(self, *args, **options):
        tally = load_report()
        self.stdout.write(f"Report data: {tally}.")
        for line in tally.changed:
            self.stdout.write(f"  updated {line}")
