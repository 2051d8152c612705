"""The embeddable scorecard: another site can frame it; the rest of the app refuses."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assessments.models import Assessment
from tests.e2e.helpers import seed_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _other_site(html):
    """A page served from another origin (another port) holding `html`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_published_scorecard_loads_in_a_frame_of_another_site_and_the_home_page_refuses(
    browser, live_server, report
):
    seed_demo()
    published = Assessment.objects.get(
        office__slug="riverton-demo-council", cycle=2025, status=Assessment.Status.PUBLISHED
    )
    html = (
        "<!doctype html><title>A partner's site</title>"
        f'<iframe id="embed" src="{live_server.url}/embed/scorecards/{published.pk}/"></iframe>'
        f'<iframe id="home" src="{live_server.url}/"></iframe>'
    )
    server = _other_site(html)
    # A context that enforces CSP (the shared fixtures bypass it to inject axe).
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.wait_for_load_state("load")
        embed = page.frame_locator("#embed")
        assert embed.locator("h1").inner_text().startswith("Riverton Peace Council (demo)")
        assert embed.locator("svg.levels-chart").count() == 1
        assert embed.locator("a", has_text="Full scorecard (PDF)").count() == 1
        # The home page says X-Frame-Options DENY and frame-ancestors 'none': the browser
        # shows its own error page in that frame instead of ours.
        home = page.locator("#home").element_handle().content_frame()
        assert home.url.startswith("chrome-error://"), home.url
    finally:
        context.close()
        server.shutdown()


def test_the_city_page_gives_the_levels_chart_as_svg_and_png(page, report, assert_accessible):
    seed_demo()
    published = Assessment.objects.get(
        office__slug="riverton-demo-council", cycle=2025, status=Assessment.Status.PUBLISHED
    )
    page.goto("/cities/riverton-demo/")
    links = page.locator(f'a[href="/reports/scorecards/{published.pk}/chart.svg"]')
    assert links.count() == 1
    with page.expect_download() as svg:
        links.click()
    assert svg.value.path().read_bytes().startswith(b"<?xml")
    button = page.get_by_role("button", name=re.compile(r"PNG levels chart of Riverton .*2025"))
    button.focus()
    with page.expect_download() as png:
        page.keyboard.press("Enter")
    assert png.value.suggested_filename == "ovp-levels-riverton-demo-council-2025.png"
    assert png.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert_accessible(page)
