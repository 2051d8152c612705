"""The PDF scorecard: what it shows, who may download it, and that user text stays text."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Assessment, EvidenceLink
from criteria.models import Criterion
from reports import pdf
from tests import factories

from .scorecard_helpers import RenderCounter, flat, link_targets, pdf_bytes, pdf_flat, pdf_pages

pytestmark = pytest.mark.django_db

LEVELS = [2, 0, 3, None, 1, 4, 3, 1, 2]
HOSTILE = [
    '<img src="http://127.0.0.1/x">',
    '<link rel="stylesheet" href="http://127.0.0.1/evil.css">',
    "<style>@import url(http://127.0.0.1/import.css);</style>",
    "@import url(http://127.0.0.1/bare.css);",
]


def url(assessment, **query):
    path = reverse("reports:scorecard", args=[assessment.pk])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


@pytest.fixture
def rated(office):
    """A published, rated self-assessment of a fictional office, with typed text."""
    assessment = factories.make_assessment(
        office, status=Assessment.Status.PUBLISHED, levels=LEVELS, text="Zoë's café in Ñuñoa"
    )
    entry = assessment.entries.get(criterion__number=1)
    entry.strengths = "Mandate passed by the council — مرحبا بالعالم"
    entry.opportunities = "Publish the budget every year"
    entry.save()
    EvidenceLink.objects.create(entry=entry, url="https://example.org/mandate", title="Mandate")
    return assessment


@pytest.fixture
def recorded_fetchers(monkeypatch):
    """Every URL fetcher the renderer builds, to inspect what it was asked for."""
    made = []

    class Recording(pdf.StaticOnlyFetcher):
        def __init__(self):
            super().__init__()
            made.append(self)

    monkeypatch.setattr(pdf, "StaticOnlyFetcher", Recording)
    return made


def test_scorecard_published_anonymous_shows_everything(client, rated, recorded_fetchers):
    response = client.get(url(rated))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = pdf_bytes(response)
    text = pdf_flat(content)
    office = rated.office
    for expected in [office.city.name, office.name, "Mandate passed by the council"]:
        assert flat(expected) in text
    for criterion in Criterion.objects.order_by("number"):
        assert flat(criterion.title) in text
    for number in range(2, 10):
        assert flat(f"Zoë's café in Ñuñoa: strengths {number}") in text
        assert flat(f"Zoë's café in Ñuñoa: opportunities {number}") in text
    assert flat("Publish the budget every year") in text
    assert flat("مرحبا") in text or flat("ابحرم") in text  # extraction may keep visual order
    today = timezone.now().date().isoformat()
    citation = (
        f"Cite as: {office.name}, {office.city.name}. Self-assessment 2025, version 1. "
        f"OVP Assess, http://testserver/reports/scorecards/{rated.pk}.pdf, generated {today}"
    )
    assert flat(citation) in text
    assert "DRAFT" not in text
    assert link_targets(content).count("https://example.org/mandate") == 1
    # A tagged PDF with a title and a language, for screen readers.
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert (root["/MarkInfo"]["/Marked"], root["/Lang"]) == (True, "en")
    assert reader.metadata.title == f"Scorecard: {office.name}, 2025"
    # The stylesheet is the only thing the renderer fetched.
    assert [f.attempts for f in recorded_fetchers] == [
        [pdf.BASE_URL + "css/levels.css", pdf.BASE_URL + "css/scorecard.css"]
    ]


def test_scorecard_lists_an_evidence_file_with_its_download(client, rated):
    entry = rated.entries.get(criterion__number=1)
    upload = factories.make_evidence_file(entry, title="Council budget")
    content = pdf_bytes(client.get(url(rated)))
    text = pdf_flat(content)
    assert flat("Council budget (file Budget 2024.pdf, PDF, 77 bytes)") in text
    download = f"http://testserver/assess/{rated.pk}/evidence/{upload.pk}/"
    assert link_targets(content).count(download) == 1


def test_scorecard_rated_has_a_chart_with_every_level(client, rated):
    content = pdf_bytes(client.get(url(rated)))
    pages = pdf_pages(content)
    mediabox = PdfReader(io.BytesIO(content)).pages[0].mediabox
    assert (round(float(mediabox.width)), round(float(mediabox.height))) == (595, 842)  # A4
    first = flat(pages[0])
    for expected in ["2/4Developing", "0/4Absent", "3/4Established", "1/4Emerging", "4/4Exemplary"]:
        assert expected in first
    # The unrated criterion is drawn as "Unrated", never as a zero bar.
    assert "4.PopulationUnrated" in first
    # Criterion 2 only: its bar, and the key message that names it the weakest.
    assert first.count("0/4") == 2
    assert flat("Weakest: 2. Consultations and community partnerships (0/4, Absent).") in first
    assert flat(f"Page 1 of {len(pages)}") in first
    # The three weakest criteria, with the report's takeaways and a peer example.
    rest = flat("".join(pages[1:]))
    assert flat("Where to start: the three weakest criteria") in rest
    mandate = Criterion.objects.get(number=2)  # level 0: the weakest
    assert flat(mandate.takeaways.splitlines()[0].removeprefix("- ")) in rest
    assert flat(mandate.examples.order_by("office__city__name").first().title) in rest
    # No previous published cycle: no change section.
    assert flat("Change since") not in rest


def test_scorecard_hostile_text_stays_literal_and_fetches_nothing(
    client, office, recorded_fetchers
):
    assessment = factories.make_assessment(office, status=Assessment.Status.PUBLISHED)
    entries = list(assessment.entries.order_by("criterion__number"))
    for entry, hostile in zip(entries, HOSTILE, strict=False):
        entry.strengths = hostile
        entry.opportunities = hostile
        entry.save()
    text = pdf_flat(pdf_bytes(client.get(url(assessment))))
    for hostile in HOSTILE:
        assert text.count(flat(hostile)) == 2
    assert [f.attempts for f in recorded_fetchers] == [
        [pdf.BASE_URL + "css/levels.css", pdf.BASE_URL + "css/scorecard.css"]
    ]
    assert [f.refused for f in recorded_fetchers] == [[]]


def test_scorecard_unrated_report_chart_is_laid_out_like_the_report(client):
    cali = Assessment.objects.get(office__city__slug="cali", kind="research", cycle=2024)
    content = pdf_bytes(client.get(url(cali)))
    text = pdf_flat(content)
    assert flat("Criteria Current strengths Opportunities to enhance effectiveness") in text
    for entry in cali.entries.all():
        assert flat(entry.strengths) in text
        assert flat(entry.opportunities) in text
    # No levels were invented: no chart, no level badges, no weakest criteria.
    assert "/4" not in text
    assert "Unrated" not in text
    assert flat("three weakest") not in text
    assert flat(cali.office.name) in text


def test_scorecard_shows_change_since_previous_published_cycle(client, office):
    factories.make_assessment(
        office, cycle=2023, status=Assessment.Status.PUBLISHED, levels=[1] * 9
    )
    factories.make_assessment(  # a later draft is not a "previous published cycle"
        office, cycle=2024, status=Assessment.Status.DRAFT, levels=[0] * 9
    )
    current = factories.make_assessment(
        office, cycle=2025, status=Assessment.Status.PUBLISHED, levels=[2, 1, 0] + [None] * 6
    )
    text = pdf_flat(pdf_bytes(client.get(url(current))))
    assert flat("Change since the 2023 cycle") in text
    assert flat("1. Clearly defined, public mandate 1/4 2/4 up 1") in text
    assert flat("2. Consultations and community partnerships 1/4 1/4 no change") in text
    assert flat("3. Diagnosis or baseline studies 1/4 0/4 down 1") in text
    assert flat("4. Population 1/4 Unrated —") in text


@pytest.mark.parametrize("status", [Assessment.Status.DRAFT, Assessment.Status.SUBMITTED])
@pytest.mark.parametrize("persona", [None, "other_staff", "researcher"])
def test_scorecard_unpublished_is_404_for_outsiders(
    client_for, request, office, status, persona, monkeypatch
):
    counter = RenderCounter()
    monkeypatch.setattr(pdf, "render_pdf", counter)
    assessment = factories.make_assessment(office, status=status, levels=LEVELS)
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get(url(assessment))
    assert response.status_code == 404
    assert counter.calls == 0


@pytest.mark.parametrize("persona", ["staff", "reviewer"])
def test_scorecard_draft_for_insiders_has_watermark_on_every_page(
    client_for, request, office, persona
):
    assessment = factories.make_assessment(office, levels=LEVELS)
    response = client_for(request.getfixturevalue(persona)).get(url(assessment))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    pages = pdf_pages(pdf_bytes(response))
    assert len(pages) > 1
    assert [page.count("DRAFT") for page in pages] == [1] * len(pages)


@pytest.mark.parametrize("persona", ["viewer", "superuser"])
def test_scorecard_draft_other_insiders_may_download(
    client_for, request, office, persona, monkeypatch
):
    monkeypatch.setattr(pdf, "render_pdf", RenderCounter())
    assessment = factories.make_assessment(office, status=Assessment.Status.SUBMITTED)
    response = client_for(request.getfixturevalue(persona)).get(url(assessment))
    assert response.status_code == 200
    assert pdf_bytes(response).startswith(b"%PDF-1.7\n% fake scorecard 1")


def test_scorecard_unknown_id_is_404(client):
    assert client.get("/reports/scorecards/999999.pdf").status_code == 404


@pytest.mark.parametrize(
    "query", [{"lang": "xx"}, {"paper": "tabloid"}, {"lang": "es", "paper": "a3"}]
)
def test_scorecard_bad_options_answer_400_with_a_message(client, rated, query):
    response = client.get(url(rated, **query))
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b"The scorecard options are not valid" in response.content


def test_scorecard_letter_paper(client, office):
    assessment = factories.make_assessment(office, status=Assessment.Status.PUBLISHED)
    pages = PdfReader(io.BytesIO(pdf_bytes(client.get(url(assessment, paper="letter"))))).pages
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pages}
    assert sizes == {(612, 792)}


def test_scorecard_renders_in_the_requested_language(client, rated):
    criterion = Criterion.objects.get(number=1)
    spanish = criterion.translations["es"]["title"]
    assert spanish != criterion.title
    response = client.get(url(rated, lang="es"))
    assert response["Content-Language"] == "es"
    text = pdf_flat(pdf_bytes(response))
    assert flat(spanish) in text
    assert flat(criterion.title) not in text


def test_scorecard_uses_the_active_language_without_lang(client):
    cali = Assessment.objects.get(office__city__slug="cali", kind="research", cycle=2024)
    spanish = Criterion.objects.get(number=1).translations["es"]["title"]
    response = client.get(url(cali), headers={"accept-language": "es"})
    assert flat(spanish) in pdf_flat(pdf_bytes(response))


@pytest.mark.parametrize("links", [1, 20])
def test_scorecard_query_count_does_not_grow(
    client, office, links, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(pdf, "render_pdf", RenderCounter())
    factories.make_assessment(office, cycle=2024, status="published", levels=[1] * 9)
    assessment = factories.make_assessment(office, status="published", levels=LEVELS)
    for entry in assessment.entries.all():
        EvidenceLink.objects.bulk_create(
            EvidenceLink(entry=entry, url=f"https://example.org/{i}", title=f"Doc {i}")
            for i in range(links)
        )
    # access check, the published-data stamp and the peers' stamp kept under it (for the
    # cache key), entries, levels, evidence, examples,
    # previous cycle, its levels, the median's criteria and offices (no real office has
    # published: no entries to read), whether a perspectives round was held, the open
    # actions of the plan; and the render's claim for the cluster (insert, take-over of a
    # stale one, whether it is ours, release: reports.scorecard_cache.claim)
    with django_assert_num_queries(17):
        assert client.get(url(assessment)).status_code == 200
    # Served from the cache: the access check and the published-data stamp (the peers'
    # stamp is remembered under it).
    with django_assert_num_queries(2):
        assert client.get(url(assessment)).status_code == 200


def test_scorecard_date_is_the_publication_date(client, office):
    assessment = factories.make_assessment(office, status=Assessment.Status.PUBLISHED)
    assessment.published_at = datetime.datetime(2024, 1, 5, 12, tzinfo=datetime.UTC)
    assessment.save()
    assert flat("PUBLISHED Jan. 5, 2024") in pdf_flat(pdf_bytes(client.get(url(assessment))))
