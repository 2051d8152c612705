"""Cities and offices: addresses and the fictional flag."""

import pytest

from cities.models import Origin, office_url
from tests import factories

pytestmark = pytest.mark.django_db


def test_office_url_is_its_section_of_the_city_page():
    assert office_url("cali", "sppcc") == "/cities/cali/#office-sppcc"


def test_office_absolute_url_uses_office_url(office):
    assert office.get_absolute_url() == office_url(office.city.slug, office.slug)


def test_an_office_of_a_demo_city_is_fictional_and_of_a_report_city_is_not():
    demo = factories.make_office(city=factories.make_city(origin=Origin.DEMO))
    real = factories.make_office(city=factories.make_city(origin=Origin.REPORT))
    assert (demo.is_fictional, real.is_fictional) == (True, False)
