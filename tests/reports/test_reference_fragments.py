"""Fragments of reference data ({% reference_fragment %}) are rendered once per process,
language and reference stamp: an edit of a city, country or criterion shows at once, and
nothing of a visitor or a sent form is ever kept."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import rounds, workflow
from cities.models import City, Country, Origin
from criteria.models import Criterion, RubricLevel
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


@pytest.fixture
def respondent_urls(office, staff):
    assessment = workflow.start_assessment(office=office, cycle=2025, user=staff)
    round_ = rounds.open_round(
        assessment=assessment,
        user=staff,
        closes_on=timezone.localdate() + datetime.timedelta(days=7),
        group_names=["Office staff"],
    )
    codes = rounds.issue_codes(
        round_=round_, user=staff, group_id=round_.groups.first().pk, count=2
    )
    return [reverse("respond:answer", args=[code]) for code in codes]


def _checked(page):
    return [line for line in page.splitlines() if " checked>" in line]


def test_a_respondents_form_follows_the_criteria_and_their_answers(respondent_urls, monkeypatch):
    respondent_url, other_url = respondent_urls
    monkeypatch.setattr(reports_cache, "clear", lambda **kwargs: None)  # as in another process
    client = Client()
    client.get(respondent_url)  # fills the fragments
    page = client.get(respondent_url).content.decode()
    assert len(_checked(page)) == 9 and all('value=""' in line for line in _checked(page))

    criterion = Criterion.objects.get(number=2)
    criterion.short_title, criterion.definition = "Renamed criterion", "A new definition."
    criterion.translations = {}
    criterion.save()
    level = RubricLevel.objects.get(criterion__number=3, level=2)
    level.label, level.descriptor, level.translations = "Relabelled", "Redescribed.", {}
    level.save()
    page = client.get(respondent_url).content.decode()
    assert "2. Renamed criterion" in page and "A new definition." in page
    assert "<strong>2</strong> – Relabelled" in page and "<dd>Redescribed.</dd>" in page

    data = {f"level_{n}": "" for n in range(1, 10)} | {f"comment_{n}": "" for n in range(1, 10)}
    data |= {"level_1": "3", "level_2": "dk", "comment_1": "Mine <b>only</b>"}
    assert client.post(respondent_url, data).status_code == 302
    page = client.get(respondent_url).content.decode()
    checked = _checked(page)
    assert 'id="id_level_1_3" value="3" checked>' in checked[0]
    assert 'value="dk" checked>' in checked[1]
    assert ">Mine &lt;b&gt;only&lt;/b&gt;</textarea>" in page

    # Another respondent of the same round sees the same criteria, and none of these answers.
    other = Client().get(other_url).content.decode()
    assert "2. Renamed criterion" in other and "Mine" not in other
    assert all('value=""' in line for line in _checked(other))


def test_a_respondents_form_reads_no_rubric_once_rendered(
    respondent_urls, django_assert_num_queries
):
    client = Client()
    client.get(respondent_urls[0])
    # The respondent, the reference stamp and their answers: the criteria are kept under it.
    with django_assert_num_queries(3):
        assert client.get(respondent_urls[0]).status_code == 200
    # A level that is not one of the rubric's is refused.
    data = {"level_1": "5", "level_2": "4", "level_3": "dk", "level_4": ""}
    sent = client.post(respondent_urls[0], data)
    assert sent.status_code == 400
    assert list(sent.context["form"].errors) == ["level_1"]


def test_a_respondents_sent_form_is_never_kept(respondent_urls):
    respondent_url = respondent_urls[0]
    client = Client()
    client.get(respondent_url)
    data = {"level_1": "9", "comment_1": "x" * 5000}
    sent = client.post(respondent_url, data)
    assert sent.status_code == 400
    assert (
        'aria-describedby="id_comment_1-error">' + "x" * 5000 + "</textarea>"
        in sent.content.decode()
    )
    fresh = client.get(respondent_url).content.decode()
    assert "is-invalid" not in fresh and "x" * 100 not in fresh


def test_a_respondents_form_is_per_language(respondent_urls, monkeypatch):
    monkeypatch.setattr(reports_cache, "clear", lambda **kwargs: None)  # as in another process
    url = respondent_urls[0]
    criterion = Criterion.objects.get(number=2)
    criterion.short_title, criterion.definition = "English title", "English definition."
    criterion.translations = {
        "es": {"short_title": "Título español", "definition": "Definición española."},
        "fr": {"short_title": "Titre français"},
    }
    criterion.save()
    pages = {}
    for language in ("en", "es", "pt-br", "fr"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.get(url)  # fills the fragments
        pages[language] = client.get(url).content.decode()
    assert "2. English title" in pages["en"] and "English definition." in pages["en"]
    assert "What the levels mean for this criterion" in pages["en"]
    assert "2. Título español" in pages["es"] and "Definición española." in pages["es"]
    assert "Qué significan los niveles en este criterio" in pages["es"]
    assert "2. English title" in pages["pt-br"]
    assert "O que os níveis significam neste critério" in pages["pt-br"]
    assert "2. Titre français" in pages["fr"] and "English definition." in pages["fr"]
    assert "Ce que signifient les niveaux pour ce critère" in pages["fr"]

    criterion.translations = {"es": {"short_title": "Otro título"}}
    criterion.save()
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es").get(url).content.decode()
    assert "2. Otro título" in spanish and "Título español" not in spanish
