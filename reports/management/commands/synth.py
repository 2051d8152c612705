from django.core.management.base import BaseCommand, CommandError

from reports.synth import synthesize


class Command(BaseCommand):
    help = (
        "Add N synthetic (fictional) offices with K cycles of published, rated "
        "self-assessments each, for scale tests and benchmarks. Deterministic for a seed; "
        "offices and assessments that already exist are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--offices", type=int, required=True, help="number of offices (N)")
        parser.add_argument("--cycles", type=int, required=True, help="cycles per office (K)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument(
            "--last-cycle", type=int, default=2025, help="year of the latest cycle (default 2025)"
        )

    def handle(self, *args, offices, cycles, seed, last_cycle, **options):
        if not 1 <= offices <= 9999:
            raise CommandError("--offices must be between 1 and 9999.")
        if not 1 <= cycles <= 50 or not 2000 + cycles - 1 <= last_cycle <= 2100:
            raise CommandError("--cycles must be between 1 and 50, all cycles within 2000-2100.")
        try:
            result = synthesize(offices=offices, cycles=cycles, seed=seed, last_cycle=last_cycle)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Synthetic data: {result}.")
