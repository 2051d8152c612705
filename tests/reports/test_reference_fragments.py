"""Fragments of reference data ({% reference_fragment %}) are rendered once per process,
language and reference stamp: an edit of a city, country or criterion shows at once, and
nothing of a visitor or a sent form is ever kept."""

from django.test import Client
from django.urls import reverse

from cities.models import City, Country, Origin
from reports import cache as reports_cache


def test_the_registration_form_follows_the_cities_at_once(
    report, django_assert_num_queries, monkeypatch
):
    # As in another process: a save empties the memory of its own process only.
    monkeypatch.setattr(reports_cache, "clear", lambda **kwargs: None)
    url = reverse("join:register")
    client = Client()
    assert client.get(url).status_code == 200  # fills the fragment
    with django_assert_num_queries(1):  # the reference stamp only
        first = client.get(url).content.decode()
    assert "Villa Nueva Registered" not in first

    country = Country.objects.filter(origin=Origin.REPORT).order_by("pk").first()
    City.objects.create(
        country=country, name="Villa Nueva Registered", slug="villa-nueva-registered",
        origin=Origin.REGISTERED,
    )  # fmt: skip
    assert "Villa Nueva Registered" in client.get(url).content.decode()

    country.name = "Renamed Country"
    country.save()
    page = client.get(url).content.decode()
    assert "Villa Nueva Registered (Renamed Country)" in page


def test_the_registration_form_is_per_language(report):
    url = reverse("join:register")
    english = Client().get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = Client().get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Your name" in english and "Su nombre" in spanish and "Su nombre" not in english


def test_a_sent_registration_form_is_never_kept(report):
    url = reverse("join:register")
    client = Client()
    client.get(url)
    sent = client.post(url, {"name": "Typed <name>", "email": "not an address"})
    assert sent.status_code == 400
    assert 'value="Typed &lt;name&gt;"' in sent.content.decode()
    fresh = client.get(url).content.decode()
    assert "Typed" not in fresh and "is-invalid" not in fresh
