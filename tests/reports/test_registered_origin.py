"""A registered office is labelled "registered", never "from the report": on its city's
page, in the API, the matrix CSV and the PDF scorecard."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment
from cities.models import City, Country, Origin
from tests import factories
from tests.reports.scorecard_helpers import flat, pdf_bytes, pdf_flat

BADGE = '<span class="badge badge-registered">Registered by the office</span>'


@pytest.fixture
def in_cali(report):
    office = factories.make_office(
        city=City.objects.get(slug="cali"),
        name="Cali Youth Peace Office",
        slug="cali-youth-peace-office",
        origin=Origin.REGISTERED,
    )
    factories.make_assessment(office, cycle=2026, status=Assessment.Status.PUBLISHED, levels=[2] * 9)  # fmt: skip
    return office


@pytest.fixture
def in_new_city(report):
    country = Country.objects.create(
        name="Freedonia", slug="freedonia", region="other", origin=Origin.REGISTERED
    )
    city = City.objects.create(
        name="Springfield", slug="springfield", country=country, origin=Origin.REGISTERED
    )
    office = factories.make_office(city=city, name="Springfield OVP", origin=Origin.REGISTERED)
    assessment = factories.make_assessment(
        office, cycle=2026, status=Assessment.Status.PUBLISHED, levels=[3] * 9
    )
    return office, assessment


def test_registered_office_in_a_report_city_is_labelled_on_the_city_page(in_cali):
    assert (in_cali.shown_origin, in_cali.city.origin, in_cali.is_fictional) == (
        "registered",
        "report",
        False,
    )
    page = Client().get(reverse("cities:detail", args=["cali"])).content.decode()
    office_card = page.split('id="office-cali-youth-peace-office"')[1].split("</h3>")[0]
    assert BADGE in office_card
    # The report's own office of Cali carries no such label.
    report_card = page.split('id="office-cali-spcc"')[1].split("</h3>")[0]
    assert "badge-registered" not in report_card


def test_api_gives_the_offices_own_origin(in_cali, client):
    office = client.get(f"/api/offices/{in_cali.slug}").json()
    assert office["origin"] == "registered"
    report_office = client.get("/api/offices/cali-spcc").json()
    assert report_office["origin"] == "report"
    listed = client.get("/api/offices?origin=registered").json()["items"]
    assert [o["slug"] for o in listed] == ["cali-youth-peace-office"]
    from_report = client.get("/api/offices?origin=report&city=cali").json()["items"]
    assert "cali-youth-peace-office" not in [o["slug"] for o in from_report]
    assessments = client.get("/api/assessments?origin=registered").json()["items"]
    assert [(a["office"], a["origin"]) for a in assessments] == [
        ("cali-youth-peace-office", "registered")
    ]


def test_matrix_csv_says_a_registered_office_is_registered(in_new_city, client):
    response = client.get(reverse("reports:matrix-csv") + "?cities=springfield")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {(r["office"], r["source"]) for r in rows} == {
        ("Springfield OVP", "Self-assessment 2026 of an office registered on OVP Assess")
    }
    page = client.get(reverse("reports:matrix") + "?cities=springfield").content.decode()
    assert BADGE in page


def test_scorecard_pdf_says_a_registered_office_is_registered(in_new_city, client):
    _office, assessment = in_new_city
    response = client.get(reverse("reports:scorecard", args=[assessment.pk]))
    text = pdf_flat(pdf_bytes(response))
    assert flat("Registered by the office") in text
    assert flat("This office registered itself on OVP Assess") in text
    assert flat("This office is fictional") not in text
