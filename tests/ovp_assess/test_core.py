"""Health check, bad query strings, the styled 404 and the home page."""

import urllib.robotparser

import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import DatabaseError

from ovp_assess import views

pytestmark = pytest.mark.django_db


def test_healthz_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_503_when_database_fails(client, monkeypatch):
    def broken_cursor(self, *args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unavailable"


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.parametrize(
    "path",
    ["/", "/cities/", "/criteria/", "/cities/cali/", "/api/cities", "/healthz"],
)
@pytest.mark.parametrize(
    "query",
    ["?region=%00", "?sort=" + "a" * 3000, "?%00=1", "?" + "k" * 3000 + "=1"],
    ids=["nul-value", "long-value", "nul-key", "long-key"],
)
def test_bad_query_string_gets_400(report, client, path, query):
    response = client.get(path + query)
    assert response.status_code == 400
    assert b"NUL byte or is too long" in response.content


def test_query_value_at_the_limit_is_accepted(report, client):
    response = client.get("/cities/?country=" + "a" * 2000)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()


@pytest.mark.parametrize("persona", [None, "staff"])
@pytest.mark.parametrize("path", ["/no-such-page/", "/cities/atlantis/", "/criteria/nope/"])
def test_unknown_address_gets_styled_404(request, client_for, persona, path):
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'href="/cities/"' in html  # the site's navigation, so the page is styled


@pytest.mark.parametrize("persona", [None, "staff"])
def test_home_page_lists_nine_criteria(request, client_for, report, persona):
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Assess and strengthen your Office of Violence Prevention" in html
    assert "study of 18 cities and 21 offices" in html
    assert html.count('<li class="list-group-item"><a href="/criteria/') == 9
    assert ("Log out" in html) is (user is not None)


def test_robots_lines_disallow_each_prefix_for_every_crawler():
    assert views.robots_lines(disallow=["/a/", "/b/"]) == [
        "User-agent: *",
        "Disallow: /a/",
        "Disallow: /b/",
    ]


def test_robots_txt_lets_crawlers_read_public_pages_only(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(response.content.decode().splitlines())
    public = [
        "/",
        "/cities/cali/",
        "/reports/matrix/",
        "/reports/dashboard/",
        "/embed/scorecards/1/",
    ]
    private = ["/assess/1/criteria/1/", "/accounts/login/", "/admin/", "/join/verify/x/"]
    assert [p for p in public if parser.can_fetch("Googlebot", p)] == public
    assert [p for p in private if parser.can_fetch("Googlebot", p)] == []
