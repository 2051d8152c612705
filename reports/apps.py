from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # Connects the signals that clear the dashboard's cache when data change.
        from . import sample  # noqa: F401
