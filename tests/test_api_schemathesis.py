"""The API does what its OpenAPI document says: schemathesis, in process, against the WSGI app.

Schemathesis reads /api/openapi.json from the app and sends each operation generated
requests: values the document allows (which must be answered 2xx, or 404 for a missing
object) and values it forbids (which must be refused with a 4xx), from its examples,
coverage and fuzzing phases. Every response is checked with all of its checks: no 5xx,
only declared status codes and content types, bodies that match the declared schemas,
405 with an Allow header for undeclared methods. A finding fails the test.

The run is bounded: at most MAX_EXAMPLES fuzzed cases per operation (the coverage phase
adds its boundary and type cases: about 780 requests in all, 10 s here), a generous
deadline per case, and no network: requests go to the WSGI application inside this
process, as anonymous callers, and for the assessments (the only data that depends on who
asks) also as a logged-in member of an office with a draft. `make test` runs it like every
other test, on SQLite and PostgreSQL.
"""

from datetime import timedelta

import pytest
import schemathesis
from django.conf import settings as settings_module
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings

from tests import factories

MAX_EXAMPLES = 25
PROPERTIES = settings(
    max_examples=MAX_EXAMPLES,
    deadline=timedelta(seconds=5),
    database=None,  # no .hypothesis/ folder in the working tree
    suppress_health_check=list(HealthCheck),
)


# Read once, when the tests are collected; the document needs no database. Schemathesis's
# WSGI client names the host "localhost".
with override_settings(ALLOWED_HOSTS=["localhost"]):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _wsgi_host(settings, report):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # The real WSGI handler closes "old" database connections when a request starts and
    # finishes; inside the test's transaction that closes the test's own connection (on
    # PostgreSQL; SQLite's in-memory one is never closed). Django's test client does this
    # too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@PROPERTIES
def test_api_conforms_to_its_openapi_document(case):
    case.call_and_validate()


@pytest.fixture
def staff_session(office, staff, client):
    factories.make_assessment(office, status="draft")
    factories.make_assessment(office, cycle=2023, status="published")
    client.force_login(staff)
    return {
        settings_module.SESSION_COOKIE_NAME: client.cookies[
            settings_module.SESSION_COOKIE_NAME
        ].value
    }


@pytest.mark.django_db
@schema.include(path_regex="^/api/assessments").parametrize()
@PROPERTIES
def test_api_conforms_to_its_openapi_document_for_office_staff(case, staff_session):
    case.call_and_validate(cookies=staff_session)
