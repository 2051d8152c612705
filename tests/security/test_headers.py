"""Security headers on every HTML page, HSTS with the HTTPS settings, and templates that
need no inline script or style (so the strict Content Security Policy breaks nothing).

Every page: the URL matrix (test_url_matrix.MATRIX) names every URL pattern; for each GET
row one persona that gets a page requests it, and error pages (400, 403, 404, 405, 500)
are requested on purpose.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import include, path, reverse

from tests.ops.test_deploy_check import _production_env

from .test_url_matrix import PERSONAS, ROWS, _kwargs, objects  # noqa: F401 - a fixture

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _boom(request):
    raise RuntimeError("a bug, for the 500 page")


# This module is the URLconf of the 500-page test: the project's URLs plus one that fails.
urlpatterns = [path("boom/", _boom), path("", include(settings.ROOT_URLCONF))]


FRAMEABLE = {
    "embed-scorecard": (
        "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'; "
        "frame-ancestors *"
    ),
}


def assert_security_headers(response, what):
    headers = {
        name: response.headers.get(name)
        for name in (
            "Content-Security-Policy",
            "X-Content-Type-Options",
            "Referrer-Policy",
            "X-Frame-Options",
        )
    }
    expected = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    if what in FRAMEABLE:
        # The one page other sites may frame: no X-Frame-Options, any frame ancestor, and
        # in exchange no script at all and no form target.
        expected["Content-Security-Policy"] = FRAMEABLE[what]
        expected["X-Frame-Options"] = None
    assert headers == expected, what
    assert "unsafe-inline" not in headers["Content-Security-Policy"]


def _pages():
    """(URL name, state, persona) of one GET per URL name that answers a page."""
    chosen = {}
    for (name, method, state), row in ROWS.items():
        if method != "GET" or name in chosen:
            continue
        persona = next((p for p in PERSONAS if row[p] == "200"), None)
        if persona is not None:
            chosen[name] = (state, persona)
    return [(name, state, persona) for name, (state, persona) in chosen.items()]


PAGES = _pages()


# URLs without a page to GET: POST-only actions (their 405 is an error page below), a
# redirect.
NO_PAGE = {
    "set_language",
    # Two-factor pages need a login in progress, a fresh password or a second factor set
    # up, which a forced login has not: they redirect (tests/e2e/test_accounts.py sees them).
    "account_set_password",
    # The admin logs in through /accounts/login/ (ovp_assess.accounts.admin_login).
    "admin:login",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "assess:start",
    "assess:next-cycle",
    "assess:review-comment",
    "assess:review-return",
    "assess:review-publish",
    "assess:restore",
    "assess:withdraw",
    "assess:reinstate",
    "assess:team-role",
    "assess:team-remove",
    "assess:team-revoke",
    "assess:perspectives-invite",
    "assess:perspectives-codes",
    "assess:perspectives-close",
    "assess:perspectives-agree",
    "assess:comment-resolve",
    "assess:comment-reopen",
    "assess:action-notes",
}


def test_every_url_name_with_a_page_is_checked():
    names = {name for name, _method, _state in ROWS}
    assert names - {name for name, _state, _persona in PAGES} == NO_PAGE


@pytest.mark.parametrize(("name", "state", "persona"), PAGES)
def test_every_page_carries_the_security_headers(objects, name, state, persona):  # noqa: F811
    client = Client()
    user = objects["users"][persona]
    if user is not None:
        client.force_login(user)
    response = client.get(reverse(name, kwargs=_kwargs(name, state, objects)))
    assert response.status_code == 200
    if response["Content-Type"].startswith("text/html"):
        assert_security_headers(response, name)
    else:  # CSV, PDF, ZIP, JSON, plain text: never sniffed into something else
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.urls(__name__)
def test_error_pages_carry_the_security_headers(objects, staff):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    draft = objects["draft"]
    pages = {
        400: reverse("reports:scorecard", args=[draft.pk]) + "?paper=folio",
        403: reverse("assess:review-queue"),
        404: "/no/such/page/",
        405: reverse("assess:next-cycle", args=[draft.pk]),
        500: "/boom/",
    }
    for status, url in pages.items():
        response = client.get(url)
        assert response.status_code == status
        assert_security_headers(response, status)


# --- HTTPS ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def https_settings(tmp_path_factory):
    """The security settings the app gets in production (HTTPS=1), read in a fresh process."""
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
    ]
    code = f"from ovp_assess import settings as s; import json; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=_production_env(tmp_path_factory.mktemp("https")),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def test_production_settings_turn_on_hsts_and_secure_cookies(https_settings):
    assert https_settings == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
    }


def test_csrf_and_language_cookies_are_httponly_and_same_site(report, client):
    # No script of ours reads a cookie (wapiti flagged both as readable by scripts).
    page = client.get("/accounts/login/")
    answer = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    for cookie in (page.cookies["csrftoken"], answer.cookies[settings.LANGUAGE_COOKIE_NAME]):
        assert (cookie["httponly"], cookie["samesite"]) == (True, "Lax"), cookie.key


def test_https_responses_carry_hsts_and_http_is_redirected(report, staff, settings, https_settings):
    for name, value in https_settings.items():
        setattr(settings, name, value)
    client = Client()  # built after the change: the middleware reads its settings once

    secure = client.get("/", secure=True)
    plain = client.get("/criteria/")

    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert_security_headers(secure, "home over HTTPS")
    assert (plain.status_code, plain["Location"]) == (301, "https://testserver/criteria/")
    assert "Strict-Transport-Security" not in plain.headers
    # The health check stays reachable over plain HTTP for the load balancer.
    assert client.get("/healthz").status_code == 200

    login = client.post(reverse("account_login"), {"login": "staff", "password": "pw"}, secure=True)
    assert login.status_code == 302
    cookie = login.cookies["sessionid"]
    assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "Lax")


# --- templates -----------------------------------------------------------------------------------

TEMPLATES = Path(settings.BASE_DIR) / "templates"
FORBIDDEN = {
    "inline script": re.compile(r"<script\b[^>]*>(?!\s*</script>)", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def violations(text):
    return sorted(kind for kind, pattern in FORBIDDEN.items() if pattern.search(text))


def test_no_template_needs_inline_script_or_style():
    found = {
        str(p.relative_to(TEMPLATES)): violations(p.read_text())
        for p in sorted(TEMPLATES.rglob("*"))
        if p.is_file()
    }
    assert len(found) > 30
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('<script src="{% static "x.js" %}"></script>', []),
        ("<script>alert(1)</script>", ["inline script"]),
        ('<script type="module">\nimport x</script>', ["inline script"]),
        ('<div class="x" style="color: red">', ["style attribute"]),
        ("<style>p { color: red }</style>", ["style element"]),
        ('<button onclick="go()">', ["event handler attribute"]),
        ('<a href="javascript:void(0)">', ["javascript: URL"]),
        ('<p class="onboarding">styled text</p>', []),
    ],
)
def test_template_scanner_finds_what_csp_would_block(snippet, expected):
    assert violations(snippet) == expected
