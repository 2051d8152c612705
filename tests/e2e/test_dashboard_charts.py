"""The dashboard's charts in a browser: no CSP violation under the real policy, PNG and SVG
downloads made offline, axe clean and no sideways scrolling at 375 and 1280 px, with data
and with nothing matching."""

from pathlib import Path

import pytest

from assessments.models import Assessment, Entry

from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO = "/reports/dashboard/?include_demo=on"
NOTHING = "/reports/dashboard/?include_demo=on&region=western-europe&cycle=2025"
CHARTS = ("heatmap", "radar", "trends", "distribution")
# Every violation of the policy, as the page sees it (before any of our scripts runs).
WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`);
});
"""


@pytest.fixture
def demo(report):
    """seed_demo's fictional offices (several cycles each); one criterion does not apply."""
    helpers.seed_demo()
    latest = (
        Assessment.objects.filter(status=Assessment.Status.PUBLISHED, office__slug=helpers.SUNHILL)
        .order_by("-cycle")
        .first()
    )
    Entry.objects.filter(assessment=latest, criterion__number=6).update(
        applicability=Entry.Applicability.NOT_APPLICABLE,
        level=None,
        justification="Set by the region (fictional).",
    )


@pytest.fixture
def strict_page(browser, live_server):
    """A page whose context enforces the CSP (the shared fixtures bypass it to inject axe)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(WATCH_CSP)
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


def wait_for_charts(page):
    # Each chart is drawn when it comes near the screen (static/js/dashboard.js).
    for name in CHARTS:
        page.locator(f"#plot-{name}").scroll_into_view_if_needed()
        page.locator(f"#plot-{name} .main-svg").first.wait_for()


def test_plotly_is_loaded_only_when_a_chart_comes_near_the_screen(strict_page, demo):
    page = strict_page
    page.set_viewport_size({"width": 375, "height": 812})
    plotly = []
    page.on("request", lambda r: plotly.append(r.url) if "plotly-ovp" in r.url else None)
    page.goto(DEMO)
    page.wait_for_load_state("networkidle")

    # The first screen of a phone is the title and the filters: no chart, no Plotly.
    assert page.evaluate("typeof Plotly") == "undefined"
    assert plotly == []
    assert page.locator("#plot-heatmap .main-svg").count() == 0

    page.locator("#plot-heatmap").scroll_into_view_if_needed()
    page.locator("#plot-heatmap .main-svg").first.wait_for()
    assert len(plotly) == 1
    # The charts further down wait for their turn.
    assert page.locator("#plot-distribution .main-svg").count() == 0
    wait_for_charts(page)
    assert len(plotly) == 1  # loaded once for every chart
    assert page.evaluate("window.cspViolations") == []
    assert page.console_errors == []


def test_dashboard_logs_no_csp_violation(strict_page, demo):
    page = strict_page
    page.goto(DEMO)
    wait_for_charts(page)
    # Hover a heatmap cell and the radar: Plotly's hover labels are drawn then.
    page.locator("#plot-heatmap .nsewdrag").first.hover()
    page.locator("#plot-radar .main-svg").first.hover()
    page.wait_for_timeout(300)

    assert page.evaluate("window.cspViolations") == []
    assert page.console_errors == []
    # Plotly's rules came from static/css/plotly.css, not from an injected <style>.
    assert page.locator("head style").count() == 0


def test_every_chart_downloads_as_png_and_svg_from_the_keyboard(strict_page, demo):
    page = strict_page
    page.goto(f"{DEMO}&offices={helpers.SUNHILL}")
    wait_for_charts(page)
    for name in CHARTS:
        for kind in ("PNG", "SVG"):
            button = page.locator(f'[data-chart-id="plot-{name}"][data-download="{kind.lower()}"]')
            assert button.is_visible()
            assert button.inner_text().startswith(f"Download {kind}")

    files = {}
    for kind in ("png", "svg"):
        button = page.locator(f'[data-chart-id="plot-radar"][data-download="{kind}"]')
        button.focus()
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        files[kind] = download.value
    png = Path(files["png"].path()).read_bytes()
    svg = Path(files["svg"].path()).read_bytes()

    assert files["png"].suggested_filename == "ovp-dashboard-radar.png"
    assert files["svg"].suggested_filename == "ovp-dashboard-radar.svg"
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.lstrip().startswith(b"<svg")
    assert b"N/A" in svg  # the mark of the criterion that does not apply is in the image
    assert page.evaluate("window.cspViolations") == []
    assert page.console_errors == []


@pytest.mark.parametrize("width", [375, 1280])
def test_dashboard_is_accessible_and_fits_the_screen(new_page, demo, assert_accessible, width):
    page = new_page(width, 812 if width == 375 else 900)
    for url in (DEMO, NOTHING):
        page.goto(url)
        if url == DEMO:
            wait_for_charts(page)
        else:
            assert page.locator("[data-chart]").count() == 0
            assert page.get_by_role("link", name="Clear the region (Western Europe)").is_visible()
        scroll, inner = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert inner == width and scroll <= width, (url, scroll)
        assert_accessible(page)


def test_country_list_follows_the_region(page, demo):
    page.goto("/reports/dashboard/")
    country = page.get_by_label("Country")

    page.get_by_label("Region").select_option("north-america")

    options = country.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["", "canada", "united-states"]
