"""The matrix's views in a browser: the report's four charts at 1280 px (all four columns in
sight, sticky city headers and criterion column, scrolled with the keyboard), one city at a
time as cards at 375 px, and the report view unchanged after a chart city's office
publishes a self-assessment. No sideways scrolling of the page; axe finds nothing.
"""

import re

import pytest

from assessments import workflow
from cities.models import City
from tests import factories

from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REPORT_VIEW = "/reports/matrix/?view=report"
CHART_CITIES = ["Bristol", "Cali", "Edmonton", "Rosario"]


def page_overflow(page):
    """(document width, viewport width): no sideways scrolling when the first <= the second."""
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def column_cities(page):
    headers = page.locator("table.matrix-table thead th.matrix-cell")
    return [text.split("\n")[0].strip() for text in headers.all_inner_texts()]


def chart_rows(page):
    """The header row and the nine criterion rows: what the report's charts say."""
    table = page.locator("table.matrix-table")
    head = table.locator("thead tr").inner_text()
    rows = table.locator("tbody tr:not(.matrix-about)").all_inner_texts()
    return head, rows


def top(locator):
    return locator.evaluate("e => e.getBoundingClientRect().top")


def left(locator):
    return locator.evaluate("e => e.getBoundingClientRect().left")


def test_report_view_at_1280_fits_with_sticky_headers(new_page, report, assert_accessible):
    page = new_page(1280, 900)
    page.goto(REPORT_VIEW)

    assert page_overflow(page) == [1280, 1280]
    assert column_cities(page) == CHART_CITIES
    assert (
        page.locator("table.matrix-table thead .matrix-shows").all_inner_texts()
        == ["Research assessment, 2024"] * 4
    )
    # All four columns in sight: the table needs no sideways scrolling at 1280 px.
    region = page.get_by_role("region", name="Current strengths and opportunities of 4 cities")
    wide, shown = region.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert wide <= shown, (wide, shown)
    for header in page.locator("table.matrix-table thead th").all():
        box = header.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    assert_accessible(page)

    # The rows scroll under the city headers, with the keyboard: focus, then Page Down.
    region.evaluate("e => e.scrollIntoView({block: 'start', behavior: 'instant'})")
    region.focus()
    assert page.evaluate("() => document.activeElement.getAttribute('role')") == "region"
    page.keyboard.press("PageDown")
    page.wait_for_function("e => e.scrollTop > 200", arg=region.element_handle())
    cali = page.locator("table.matrix-table thead th.matrix-cell").nth(1)
    corner = page.locator("table.matrix-table thead th.sticky-col")
    assert abs(top(cali) - top(region)) <= 1
    assert abs(top(corner) - top(region)) <= 1
    # A row that was below the header is now above the container's top, hidden under it.
    first = page.locator("table.matrix-table tbody th.sticky-col").first
    assert top(first) < top(region)
    assert abs(top(region)) <= 1  # the container at the top of the window: so is the header
    assert page_overflow(page) == [1280, 1280]


def test_many_cities_at_1280_keep_the_criterion_column(new_page, report, assert_accessible):
    cities = ["bristol", "cali", "edmonton", "rosario", "chicago", "oakland", "palmira", "leon"]
    page = new_page(1280, 900)
    page.goto("/reports/matrix/?cities=" + ",".join(cities))

    region = page.get_by_role("region", name="Current strengths and opportunities of 8 cities")
    wide, shown = region.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert wide > shown  # eight columns scroll sideways, inside the region only
    assert page_overflow(page) == [1280, 1280]
    assert_accessible(page)

    region.focus()
    page.keyboard.press("End")  # to the last row
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 100", arg=region.element_handle())
    criterion = page.locator("table.matrix-table tbody th.sticky-col").last
    assert criterion.inner_text().startswith("9. ")
    assert abs(left(criterion) - left(region)) <= 1
    assert criterion.is_visible()
    corner = page.locator("table.matrix-table thead th.sticky-col")
    assert abs(left(corner) - left(region)) <= 1


def test_phone_shows_one_city_at_a_time(new_page, report, assert_accessible):
    page = new_page(375, 812)
    page.goto(REPORT_VIEW)

    assert page_overflow(page) == [375, 375]
    assert page.locator(".matrix-scroll").is_hidden()
    cards = page.locator("#city-cards")
    assert cards.get_by_role("heading", level=2).inner_text().startswith("Bristol: ")
    assert cards.locator("ol.matrix-cards > li").count() == 9
    assert cards.get_by_role("heading", level=3).first.inner_text() == (
        "1. Clearly defined, public mandate"
    )
    assert_accessible(page)

    # The skip link, then the switcher: a plain GET form, no script needed.
    page.get_by_role("link", name="Skip to the comparison").click()
    assert page.url.endswith("#city-cards")
    page.get_by_label("City shown").select_option(label="Rosario")
    helpers.follow(cards.get_by_role("button", name="Show"))
    assert re.search(r"\?view=report&city=rosario#city-cards$", page.url), page.url
    assert page.locator("#city-cards h2").inner_text().startswith("Rosario: ")
    assert page.get_by_label("City shown").input_value() == "rosario"
    assert page_overflow(page) == [375, 375]
    assert_accessible(page)


def test_report_view_unchanged_after_a_chart_city_publishes(new_page, report, assert_accessible):
    page = new_page(1280, 900)
    page.goto(REPORT_VIEW)
    before = chart_rows(page)
    page.goto("/reports/matrix/?cities=bristol,cali,edmonton,rosario")
    default_before = chart_rows(page)
    assert default_before == before

    # Cali's chart office publishes a rated self-assessment of a later cycle, as the app does.
    cali = City.objects.get(slug="cali").offices.get(slug="cali-ecosystem")
    staff = factories.make_user("cali-editor", office=cali)
    submitted = helpers.submitted_assessment(office_slug=cali.slug, user=staff, cycle=2026)
    workflow.publish(assessment=submitted, user=factories.make_reviewer())

    for url in (REPORT_VIEW, "/reports/matrix/?cities=bristol,cali,edmonton,rosario"):
        page.goto(url)
        assert chart_rows(page) == before, url
        assert page.locator("table.matrix-table .level-badge").count() == 0
        note = page.locator("table.matrix-table .matrix-newer")
        assert note.count() == 1
        assert note.inner_text().startswith(
            "Also published, not shown here: Self-assessment, 2026."
        )
        assert_accessible(page)

    # Asked for, the latest of any kind shows it.
    page.goto("/reports/matrix/?cities=bristol,cali,edmonton,rosario&kind=latest")
    assert page.locator("table.matrix-table thead .matrix-shows").all_inner_texts() == [
        "Research assessment, 2024",
        "Self-assessment, 2026",
        "Research assessment, 2024",
        "Research assessment, 2024",
    ]
    assert page.locator("table.matrix-table .level-badge").count() == 9

    phone = new_page(375, 812)
    phone.goto(REPORT_VIEW + "&city=cali")
    assert phone.locator("#city-cards .matrix-shows, #city-cards .level-badge").count() == 0
    assert phone.locator("#city-cards .matrix-newer").is_visible()
    assert page_overflow(phone) == [375, 375]
    assert_accessible(phone)
