"""Browser tests: Playwright driving Debian's Chromium against a live test server.

No browser is downloaded: Chromium comes from Debian (`make test` installs it). A failing
test leaves a screenshot of its page under var/e2e-failures/.
"""

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
FAILURES = Path(__file__).resolve().parents[2] / "var" / "e2e-failures"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls
    # from a thread with a running loop; the tests' own ORM calls are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def _new_page(browser, live_server, request, width, height, name):
    # bypass_csp only so that the axe script can be injected; our pages never need it.
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": height},
        bypass_csp=True,
        accept_downloads=True,
        locale="en-US",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return context, page


def _screenshot_on_failure(request, page, name):
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        FAILURES.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(FAILURES / f"{safe}-{name}.png"), full_page=True)


@pytest.fixture
def page(browser, live_server, request):
    context, page = _new_page(browser, live_server, request, 1280, 900, "page")
    yield page
    _screenshot_on_failure(request, page, "page")
    context.close()


@pytest.fixture
def new_page(browser, live_server, request):
    """new_page(width=1280) -> another page in a fresh browser context (another person)."""
    made = []

    def make(width=1280, height=900):
        context, page = _new_page(browser, live_server, request, width, height, "extra")
        made.append((context, page))
        return page

    yield make
    for i, (context, page) in enumerate(made):
        _screenshot_on_failure(request, page, f"extra{i}")
        context.close()


def axe_violations(page):
    """WCAG 2.2 A/AA violations axe-core finds on the page, as short strings."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [
        f"{v['id']}: {v['help']} at {json.dumps([n['target'] for n in v['nodes']][:5])}"
        for v in result["violations"]
    ]


@pytest.fixture
def assert_accessible():
    def check(page):
        assert axe_violations(page) == [], page.url
        assert page.js_errors == [], page.url

    return check


def log_in(page, username, password="pw"):
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    # Wait for the next page: a click may return before its navigation has started.
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").last.click()
