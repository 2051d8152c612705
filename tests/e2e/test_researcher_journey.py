"""Researcher: the comparison matrix as a shareable link, then the dashboard and its CSV."""

import csv
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from cities.models import Origin

from .. import factories
from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAGOA = "Lagoa Prevention Office (demo) (Lagoa (demo))"


@pytest.fixture
def demo_offices(report):
    """seed_demo's four fictional offices ("Other" region) and one in Latin America."""
    helpers.seed_demo()
    southland = factories.make_country(
        name="Southland (demo)", slug="southland-demo", region="latin-america", origin=Origin.DEMO
    )
    return helpers.published_office(
        country=southland,
        city_name="Lagoa (demo)",
        office_name="Lagoa Prevention Office (demo)",
        slug="lagoa-demo",
        reviewer=User.objects.get(username="reviewer"),
        levels=(3, 2, 1, 4, 2, 0, 1, 2, 3),
    )


def column_cities(page):
    """The city named at the top of each column of the matrix."""
    headers = page.locator("table.matrix-table thead th.matrix-cell")
    return [text.split("\n")[0].strip() for text in headers.all_inner_texts()]


def checked_cities(page):
    return [
        box.get_attribute("value")
        for box in page.locator("#city-picker input[type=checkbox]:checked").all()
    ]


def test_researcher_shares_a_matrix_link_and_downloads_dashboard_csv(
    page, new_page, demo_offices, assert_accessible, tmp_path
):
    check = assert_accessible
    helpers.sign_in(page, check, "researcher")

    # --- the matrix of the report's four chart cities ---------------------------------------
    page.goto("/reports/matrix/?cities=bristol,cali,edmonton,rosario")
    assert column_cities(page) == ["Bristol", "Cali", "Edmonton", "Rosario"]
    assert page.locator("#matrix-caption").inner_text() == (
        "Current strengths and opportunities of 4 cities"
    )
    check(page)

    # Change the selection in the form: drop Cali, find Rosario, add a demo city by its id.
    form = page.locator("#matrix-form")
    form.get_by_role("checkbox", name=re.compile(r"^Cali ")).uncheck()
    form.get_by_label("Find a city").fill("rosa")
    assert page.locator("#city-picker .form-check:visible").all_inner_texts() == [
        "Rosario (Argentina) has data"
    ]
    assert page.locator("#city-filter-count").inner_text().endswith(", 3 chosen")
    form.get_by_label("Find a city").fill("")
    form.get_by_label("Add cities by identifier").fill("northvale-demo")
    helpers.follow(form.get_by_role("button", name="Compare"))
    page.wait_for_url(re.compile(r"\?cities="))
    assert page.url.split("?", 1)[1] == "cities=bristol,edmonton,rosario,northvale-demo"
    assert column_cities(page) == [
        "Bristol",
        "Edmonton",
        "Rosario",
        "Northvale (demo) Demo, fictional",
    ]
    check(page)

    # The address alone reproduces the view, for someone else in another browser.
    shared = new_page()
    shared.goto(page.url)
    assert column_cities(shared) == column_cities(page)
    assert (
        checked_cities(shared)
        == checked_cities(page)
        == [
            "bristol",
            "edmonton",
            "northvale-demo",
            "rosario",
        ]
    )
    assert shared.locator("table.matrix-table").inner_text() == (
        page.locator("table.matrix-table").inner_text()
    )
    check(shared)

    # --- the dashboard, filtered by region ------------------------------------------------------
    helpers.follow(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard")
    )
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    check(page)
    filters = page.locator("form.dashboard-filters")
    filters.get_by_label("Region").select_option(label="Latin America")
    filters.get_by_label("Include demo data (fictional)").check()
    helpers.follow(filters.get_by_role("button", name="Apply filters"))
    page.wait_for_url(re.compile(r"region=latin-america"))
    rows = page.locator("table.heatmap-table tbody tr")
    assert [r.split("\t")[0].strip() for r in rows.all_inner_texts()] == [
        f"{LAGOA} Demo, fictional"
    ]
    check(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the heatmap data (CSV, all offices)").click()
    target = tmp_path / "heatmap.csv"
    download.value.save_as(target)
    assert download.value.suggested_filename == "ovp-dashboard-levels.csv"
    with Path(target).open(newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    # The documented layout (docs/exports.md): one row per office and criterion.
    assert [
        (r["office"], r["office_slug"], r["demo"], r["cycle"], r["level"], r["office_mean"])
        for r in table
    ] == [(LAGOA, "lagoa-demo-office", "true", "2025", level, "2.0") for level in "321420123"]
