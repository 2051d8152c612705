"""The city page a partner reads: the report's chart, the office's published self-assessment
and its perspectives side by side, one row per criterion; cards on a phone.

Cali is a real city: the self-assessment published here is fictional test data, made in this
test through the workflow; only it carries levels. Riverton is seed_demo's fictional city
with a closed perspectives round.
"""

import pytest
from django.contrib.auth.models import User

from assessments import workflow
from cities.models import Office

from . import helpers
from .test_responsive import HEIGHTS, WIDTHS, assert_no_page_overflow, save

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(report):
    helpers.seed_demo()


@pytest.fixture
def cali_published(demo):
    """A fictional self-assessment of Cali's Secretariat for Peace and Citizen Culture,
    submitted by its (demo) lead and published by the (demo) reviewer."""
    office = Office.objects.get(slug="cali-spcc")
    assessment = helpers.submitted_assessment(
        office_slug=office.slug, user=User.objects.get(username="staff-cali")
    )
    workflow.publish(assessment=assessment, user=User.objects.get(username="reviewer"))
    return assessment


def headers(page):
    table = page.get_by_role("table", name="The nine criteria in", exact=False)
    return [" ".join(t.split()) for t in table.locator("thead th").all_inner_texts()]


def check_layout(page, width, assert_accessible, *, sources):
    """No sideways scrolling of the page; on a laptop the table fits, on a phone each
    criterion is a card with every source labelled."""
    assert_no_page_overflow(page, width)
    table = page.locator("table.compare-table")
    rows = table.locator("tbody tr")
    assert rows.count() == 9
    if width >= 768:
        box = page.locator(".compare-scroll").bounding_box()
        assert table.bounding_box()["width"] <= box["width"] + 1  # fits: no inner scrolling
        assert page.locator(".source-label").first.is_hidden()
    else:
        first = rows.first
        labels = [" ".join(t.split()) for t in first.locator(".source-label").all_inner_texts()]
        assert labels == sources
        assert first.bounding_box()["width"] <= width
        assert page.locator("table.compare-table thead").bounding_box()["height"] <= 1
    assert_accessible(page)


def test_cali_shows_the_chart_beside_a_published_self_assessment(
    new_page, cali_published, assert_accessible
):
    for width in WIDTHS:
        page = new_page(width, HEIGHTS[width])
        page.goto("/cities/cali/")
        if width >= 768:
            found = headers(page)
            assert found[0] == "Criterion"
            assert found[1] == (
                "Cali violence-prevention ecosystem (both secretariats) The report's chart, "
                "2024 published January 2024"
            )
            assert found[2].startswith(
                f"Secretariat for Peace and Citizen Culture Self-assessment, {helpers.CYCLE} "
                "published "
            )
        check_layout(
            page,
            width,
            assert_accessible,
            sources=[
                "Cali violence-prevention ecosystem (both secretariats) · The report's chart, 2024",
                f"SPCC · Self-assessment, {helpers.CYCLE}",
            ],
        )
        row = page.locator("table.compare-table tbody tr").nth(3)
        assert "Fictional strengths of criterion 4." in row.inner_text()
        assert "3/4" in row.inner_text()
        main = page.get_by_role("main").inner_text()
        assert main.count("It gives no levels, so none are shown") == 1
        assert "No office in the selection" not in main
        # The embed code of the published self-assessment stays on the page.
        page.get_by_text("Put this result on your own website").click()
        code = page.get_by_label("Copy this code into your page:").input_value()
        assert f"/embed/scorecards/{cali_published.pk}/" in code
        save(page, f"city-cali-{width}", top=page.locator("#compare-heading"))


def test_riverton_shows_its_perspectives_beside_its_self_assessment(
    new_page, demo, assert_accessible
):
    for width in WIDTHS:
        page = new_page(width, HEIGHTS[width])
        page.goto("/cities/riverton-demo/")
        if width >= 768:
            found = headers(page)
            assert [h.split(" Demo, fictional ")[1].split(",")[0] for h in found[1:]] == [
                "Self-assessment",
                "Perspectives",
            ]
        check_layout(
            page,
            width,
            assert_accessible,
            sources=[
                "Riverton Peace Council (demo) · Self-assessment, 2025",
                "Riverton Peace Council (demo) · Perspectives, 2025",
            ],
        )
        text = page.locator("table.compare-table").inner_text()
        assert "All respondents" in text
        assert "Outside experts" not in text  # two respondents: never shown apart
        assert "Views diverge" in text
        save(page, f"city-riverton-{width}", top=page.locator("#compare-heading"))
