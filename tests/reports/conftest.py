import pytest

from reports.sample import clear_cache


@pytest.fixture(autouse=True)
def _fresh_dashboard_cache():
    # Rolled-back test data can repeat a stamp; every test starts with an empty cache.
    clear_cache()
    yield
    clear_cache()
