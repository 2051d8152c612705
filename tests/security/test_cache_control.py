"""What may show an unpublished assessment is never stored: Cache-Control: private, no-store.

The workspace under /assess/ (every URL of the URL matrix there, for every persona and
object state) always; any other response to a request with a session cookie that sets no
Cache-Control of its own (city pages and the API show an office's drafts to its staff).
Visitors without a session see published data only, and it may be cached.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

from .test_url_matrix import ROWS, _kwargs, objects  # noqa: F401 - a fixture

PRIVATE = "private, no-store"
WORKSPACE_ROWS = sorted(key for key in ROWS if key[0].startswith("assess:") and key[1] == "GET")


@pytest.mark.parametrize(("name", "method", "state"), WORKSPACE_ROWS)
def test_every_workspace_answer_is_private_and_not_stored(objects, name, method, state):  # noqa: F811
    url = reverse(name, kwargs=_kwargs(name, state, objects))
    for persona, user in objects["users"].items():
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response["Cache-Control"] == PRIVATE, (url, persona, response.status_code)


@pytest.mark.parametrize("path", ["/api/assessments", "/api/assessments/{pk}", "/cities/{city}/"])
def test_a_draft_shown_to_its_office_is_not_stored(report, office, staff, client_for, path):
    draft = factories.make_assessment(office)
    url = path.format(pk=draft.pk, city=office.city.slug)

    response = client_for(staff).get(url)

    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE
    assert "Cookie" in response["Vary"]


@pytest.mark.parametrize("path", ["/api/assessments", "/cities/{city}/", "/"])
def test_anonymous_answers_show_published_data_only_and_may_be_cached(report, office, client, path):
    factories.make_assessment(office)
    response = client.get(path.format(city=office.city.slug))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_response_with_its_own_cache_control_keeps_it(report, office, staff, client_for):
    # /healthz says never_cache itself; nothing replaces what a view chose.
    response = client_for(staff).get("/healthz")
    assert "no-cache" in response["Cache-Control"]
    assert response["Cache-Control"] != PRIVATE
