"""With Accept-Language: es, the staff journey is in Spanish from end to end.

"In Spanish" is checked against our own catalogue: no interface string whose Spanish
translation differs from the English may appear in English on the page (or in the PDF).
"""

import io
import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from assessments.models import Entry
from criteria.models import Criterion

from .assessments.helpers import entry_post, fill

_TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def _catalogue_pairs(lang):
    """(English, translation) of every catalogue entry of two words or more that differs."""
    text = (settings.BASE_DIR / "locale" / lang / "LC_MESSAGES" / "django.po").read_text()
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', text, re.M)
    return [
        (en, tr)
        for en, tr in pairs
        if en != tr and len(en.split()) >= 2 and "%(" not in en and "{" not in en
    ]


ENGLISH = [en for en, _tr in _catalogue_pairs("es")]


def english_left(text):
    text = unescape(_TAGS.sub(" ", text))
    text = " ".join(text.split())
    return sorted({en for en in ENGLISH if en in text})


def _page(client, url, **kw):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="es", **kw)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="es">' in html
    return html


@pytest.fixture
def es_staff(staff, client_for):
    return client_for(staff)


def test_catalogue_check_finds_english(report):
    assert "Save draft" in ENGLISH
    assert english_left("<button>Save draft</button>") == ["Save draft"]
    assert english_left("<button>Guardar borrador</button>") == []


def test_staff_journey_pages_are_in_spanish(office, staff, es_staff):
    home = _page(es_staff, reverse("assess:home"))
    assert english_left(home) == []
    started = es_staff.post(
        reverse("assess:start"), {"office": office.pk, "cycle": 2025}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert started.status_code == 302
    assessment = office.assessments.get(cycle=2025)

    url = reverse("assess:criterion", args=[assessment.pk, 1])
    form = _page(es_staff, url)
    assert english_left(form) == []
    criterion = Criterion.objects.get(number=1)
    assert criterion.translations["es"]["definition"] in unescape(form)
    for level in criterion.levels.all():  # rubric descriptors in Spanish
        assert level.translations["es"]["descriptor"] in unescape(form)
    assert "Fortalezas actuales" in form and "Guardar borrador" in form

    # A validation error: the message is Spanish and what was typed stays.
    entry = Entry.objects.get(assessment=assessment, criterion__number=1)
    bad = es_staff.post(
        url,
        entry_post(entry, strengths="   ", opportunities="Texto que escribí"),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    html = bad.content.decode()
    assert bad.status_code == 200
    assert english_left(html) == []
    assert "Texto que escribí" in html
    assert "This field" not in html

    # Submitting with criteria missing names them, in Spanish.
    fill(assessment, staff, skip=(9,))
    refused = es_staff.post(
        reverse("assess:submit", args=[assessment.pk]), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert english_left(refused.content.decode()) == []
    assert Criterion.objects.get(number=9).translations["es"]["short_title"] in unescape(
        refused.content.decode()
    )

    for name in ("assess:detail", "assess:history"):
        assert english_left(_page(es_staff, reverse(name, args=[assessment.pk]))) == []


def test_scorecard_pdf_in_spanish(office, staff, es_staff):
    from assessments import workflow

    assessment = workflow.start_assessment(office=office, cycle=2025, user=staff)
    fill(assessment, staff)
    response = es_staff.get(
        reverse("reports:scorecard", args=[assessment.pk]) + "?lang=es",
    )
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
    )
    text = " ".join(text.split())
    assert "Fortalezas actuales" in text
    for criterion in Criterion.objects.all():
        assert criterion.translations["es"]["title"].split()[0] in text
    assert english_left(text) == []
