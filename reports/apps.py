from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The caches' invalidation signals, all connected here (see reports/cache.py).
        from assessments import rounds

        from . import cache, opendata_cache

        cache.connect_signals()
        opendata_cache.connect_signals()
        # A respondent's form reads its criteria from this process's reference fragments.
        rounds.criteria_reader = cache.reference_criteria
        # The criterion page, a closed round's figures (they no longer change).
        rounds.closed_figures_reader = cache.closed_round_figures
