import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from assessments.models import Membership
from assessments.report_data import load_report
from criteria.models import Criterion
from reports import cache as reports_cache

from . import factories


@pytest.fixture(autouse=True)
def _empty_caches():
    # Rolled-back test data can repeat a data stamp: every test starts with empty caches
    # (Django's and this process's own) and in the default language.
    cache.clear()
    reports_cache.clear()
    yield
    cache.clear()
    reports_cache.clear()
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PDF_CACHE_DIR = tmp_path / "scorecards"
    settings.OPEN_DATA_DIR = tmp_path / "opendata"


@pytest.fixture(autouse=True)
def media_dir(settings, tmp_path):
    """Uploaded files of this test, in a directory of its own (the storage's location)."""
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": location}},
    }
    return location


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The report's data is reference data every page needs: load it once per session.
    with django_db_blocker.unblock():
        load_report()


@pytest.fixture
def report(db):
    """The report's data; reloaded when a transactional test has flushed it."""
    if not Criterion.objects.exists():
        load_report()


@pytest.fixture
def office(report):
    return factories.make_office()


@pytest.fixture
def other_office(report):
    return factories.make_office()


@pytest.fixture
def staff(office):
    return factories.make_user("staff", office=office)


@pytest.fixture
def viewer(office):
    return factories.make_user("viewer", office=office, role=Membership.Role.VIEWER)


@pytest.fixture
def other_staff(other_office):
    return factories.make_user("other-staff", office=other_office)


@pytest.fixture
def reviewer(report):
    return factories.make_user("reviewer-user", group="reviewers")


@pytest.fixture
def researcher(report):
    return factories.make_user("researcher-user", group="researchers")


@pytest.fixture
def superuser(report):
    from django.contrib.auth.models import User

    return User.objects.create_superuser("root", "root@example.org", "pw")


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client logged in as that user (None: anonymous)."""

    def make(user):
        from django.test import Client

        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make
