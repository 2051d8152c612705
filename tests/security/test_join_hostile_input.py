"""Hostile input (tests/security/corpus.py) in every field of /join/.

Each payload is stored exactly (and shown escaped to the reviewer) or gets a clear
message next to its field, with everything typed shown back; never a 500.
"""

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Registration
from cities.models import City

from . import corpus
from .corpus import escaped
from .test_hostile_input import NUL, ids, shown_errors, too_long

# field -> its length limit
TEXT_FIELDS = {"name": 150, "job_title": 150, "office_name": 200, "new_city": 100}


def _form(**changes):
    data = {
        "name": "Ana",
        "email": "ana@office.example",
        "job_title": "Coordinator",
        "office_name": "Office",
        "institutional_home": "mayor",
        "city": "",
        "new_city": "Springfield",
        "new_country": "Freedonia",
    }
    data.update(changes)
    return data


def _errors(payload, limit):
    if "\x00" in payload:
        return [NUL]
    if len(payload) > limit:
        return [too_long(limit, len(payload))]
    return []


@pytest.mark.parametrize("field", list(TEXT_FIELDS))
@pytest.mark.parametrize(("payload_id", "payload"), corpus.TEXT, ids=ids(corpus.TEXT))
def test_join_text_fields_store_exactly_or_explain(report, reviewer, field, payload_id, payload):
    response = Client().post(reverse("join:register"), _form(**{field: payload}))
    expected = _errors(payload, TEXT_FIELDS[field])
    if expected:
        assert response.status_code == 400
        html = response.content.decode()
        assert shown_errors(html, f"id_{field}") == [escaped(m) for m in expected]
        assert Registration.objects.count() == 0
        return
    assert response["Location"] == reverse("join:sent")
    registration = Registration.objects.get()
    assert getattr(registration, field) == payload
    # The reviewer sees it escaped.
    Registration.objects.update(status=Registration.Status.PENDING)
    client = Client()
    client.force_login(reviewer)
    page = client.get(reverse("assess:registration", args=[registration.pk])).content.decode()
    assert escaped(payload) in page
    if corpus.needs_escaping(payload):
        assert payload not in page


@pytest.mark.parametrize(("payload_id", "payload"), corpus.TEXT, ids=ids(corpus.TEXT))
def test_join_email_field_explains(report, payload_id, payload):
    response = Client().post(reverse("join:register"), _form(email=payload))
    assert response.status_code == 400
    html = response.content.decode()
    expected = ["Enter a valid email address.", *_errors(payload, 254)]
    assert shown_errors(html, "id_email") == [escaped(m) for m in expected]
    assert Registration.objects.count() == 0


@pytest.mark.parametrize(("payload_id", "payload"), corpus.BAD_URLS, ids=ids(corpus.BAD_URLS))
def test_join_website_never_takes_a_bad_link(report, payload_id, payload):
    response = Client().post(reverse("join:register"), _form(website=payload))
    assert response.status_code == 400
    assert shown_errors(response.content.decode(), "id_website") != []
    assert Registration.objects.count() == 0


@pytest.mark.parametrize("field", ["city", "institutional_home", "year_founded"])
@pytest.mark.parametrize(("payload_id", "payload"), corpus.TEXT, ids=ids(corpus.TEXT))
def test_join_choice_fields_explain(report, field, payload_id, payload):
    response = Client().post(reverse("join:register"), _form(**{field: payload, "new_city": ""}))
    # "+1" names the city of id 1, a real choice: the request goes through.
    numeric = payload.lstrip("+-").isdigit() and City.objects.filter(pk=int(payload)).exists()
    if field == "city" and numeric:
        assert Registration.objects.get().city_id == int(payload)
        return
    assert response.status_code == 400
    html = response.content.decode()
    assert shown_errors(html, f"id_{field}") not in (None, [])
    # What was typed elsewhere is kept.
    assert 'value="Ana"' in html
    assert Registration.objects.count() == 0
