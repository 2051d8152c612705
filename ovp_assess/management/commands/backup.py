from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from ovp_assess.backup import default_path, write_backup


class Command(BaseCommand):
    help = (
        "Write every row of the database (users, offices, assessments, entries, evidence, "
        "review comments, history) to a portable gzip'd JSON-lines file that `restore` "
        "loads into an empty database, SQLite or PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="file to write (default: var/backups/ovp-assess-<UTC time>.jsonl.gz)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, output=None, database=DEFAULT_DB_ALIAS, **options):
        path = output or default_path()
        counts = write_backup(path, using=database)
        self.stdout.write(f"Wrote {sum(counts.values())} rows to {path}")
        if options["verbosity"] >= 2:
            for label, n in counts.items():
                self.stdout.write(f"  {label}: {n}")
