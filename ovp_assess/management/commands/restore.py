from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ovp_assess.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Load a file written by `backup` into an empty, migrated database. Refuses a "
        "database that holds rows or whose migrations differ from the backup's."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file written by `manage.py backup`")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path, database=DEFAULT_DB_ALIAS, **options):
        try:
            counts = restore_backup(path, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {sum(counts.values())} rows from {path}")
        if options["verbosity"] >= 2:
            for label, n in counts.items():
                self.stdout.write(f"  {label}: {n}")
