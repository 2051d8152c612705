"""Partner, not logged in: find a city and download its published scorecard (PDF)."""

import io

import pytest
from pypdf import PdfReader

from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(report):
    helpers.seed_demo()


def test_partner_downloads_the_scorecard_of_a_city(page, demo, assert_accessible):
    check = assert_accessible
    page.goto("/")
    check(page)
    helpers.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Cities"))
    check(page)
    page.get_by_label("Include demo and synthetic (fictional) cities").check()
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Apply filters"))
    check(page)
    helpers.follow(page.get_by_role("link", name="Northvale (demo)", exact=True))
    assert page.get_by_role("heading", level=1).inner_text() == "Northvale (demo) Demo, fictional"
    check(page)

    # Chromium shows a PDF inline rather than as a download: fetch the link's address in the
    # same browser context (same cookies), as "Save link as" would.
    link = page.get_by_role("link", name="Scorecard 2025 (PDF)").first
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith(
        'inline; filename="scorecard-northvale-demo-northvale-demo-safety-2025-self-'
    )
    pages = PdfReader(io.BytesIO(response.body())).pages
    text = " ".join(" ".join(p.extract_text().split()) for p in pages)
    assert "Northvale (demo)" in text
    titles = helpers.criterion_titles()
    assert len(titles) == 9
    assert [t for t in titles if t not in text] == []
