"""The scorecard's plain functions and the locked-down URL fetcher, without a request."""

import datetime
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from assessments.links import site_base
from assessments.models import Assessment, Entry
from assessments.workflow import previous_published
from criteria.text import bullets
from reports import pdf, scorecard
from tests import factories

from .scorecard_helpers import flat, pdf_pages

pytestmark = pytest.mark.django_db


def build(assessment):
    return scorecard.build_scorecard(assessment=assessment)


def test_weakest_are_the_three_lowest_rated_ties_by_number(office):
    assessment = factories.make_assessment(office, levels=[3, 1, None, 0, 1, 2, 1, 4, 0])
    Entry.objects.filter(assessment=assessment, criterion__number=9).update(
        level=None, applicability=Entry.Applicability.NOT_APPLICABLE
    )
    weakest = build(assessment)["weakest"]
    assert [(w.row.criterion.number, w.row.level) for w in weakest] == [(4, 0), (2, 1), (5, 1)]
    first = weakest[0]
    assert first.takeaways == bullets(first.row.criterion.takeaways)
    assert len(first.takeaways) >= 3
    assert [e.pk for e in first.examples] == [
        e.pk
        for e in first.row.criterion.examples.order_by("criterion__number", "office__city__name")
    ]


def test_weakest_of_an_unrated_assessment_is_empty(office):
    assert build(factories.make_assessment(office))["weakest"] == []


def test_scorecard_takeaways_read_the_bullet_list():
    text = "- Base it on evidence.\n- Publish it.\n\n  - Check the budget.  \n"
    assert bullets(text) == [
        "Base it on evidence.",
        "Publish it.",
        "Check the budget.",
    ]


def test_previous_published_is_same_office_and_kind_earlier_cycle(office, other_office):
    published = Assessment.Status.PUBLISHED
    older = factories.make_assessment(office, cycle=2022, status=published)
    latest = factories.make_assessment(office, cycle=2023, status=published)
    factories.make_assessment(office, cycle=2024, status=Assessment.Status.SUBMITTED)
    factories.make_assessment(office, cycle=2024, kind="research", status=published)
    factories.make_assessment(other_office, cycle=2024, status=published)
    current = factories.make_assessment(office, cycle=2025)
    assert previous_published(assessment=current) == latest
    assert previous_published(assessment=latest) == older
    assert previous_published(assessment=older) is None


def test_changes_compare_levels_per_criterion(office):
    before = factories.make_assessment(
        office, cycle=2024, status="published", levels=[1, 2, None, 3, 0, 0, 0, 0, 0]
    )
    after = factories.make_assessment(office, levels=[2, 1, 1, None, 0, 0, 0, 0, 0])
    context = build(after)
    assert context["previous"] == before
    assert [(c.criterion.number, c.before, c.after, c.delta) for c in context["changes"][:5]] == [
        (1, 1, 2, 1),
        (2, 2, 1, -1),
        (3, None, 1, None),
        (4, 3, None, None),
        (5, 0, 0, 0),
    ]


def test_citation_line(office):
    assessment = factories.make_assessment(office, cycle=2025)
    assessment.version = 7
    generated = datetime.datetime(2026, 2, 3, 10, tzinfo=datetime.UTC)
    with translation.override("en"):
        line = scorecard.citation_line(assessment=assessment, generated_at=generated)
    assert line == (
        f"Cite as: {office.name}, {office.city.name}. Self-assessment 2025, version 7. "
        f"OVP Assess, {site_base()}/reports/scorecards/{assessment.pk}.pdf, "
        "generated 2026-02-03"
    )


def _row(number, level, title="Title", applicability="assessed"):
    criterion = SimpleNamespace(number=number, tr=lambda field: title)
    entry = SimpleNamespace(level=level, applicability=applicability)
    rubric = SimpleNamespace(tr=lambda field: "Label") if level is not None else None
    return scorecard.Row(criterion=criterion, entry=entry, rubric=rubric)


def test_levels_svg_draws_unrated_as_unrated_not_zero():
    with translation.override("en"):
        svg = scorecard.levels_svg(rows=[_row(1, 0), _row(2, None), _row(3, 4)])
    assert svg.count("Unrated") == 1
    assert svg.count("0/4 Label") == 1
    assert svg.count("4/4 Label") == 1
    assert 'stroke-dasharray="4 3"' in svg  # the dashed, empty band of the unrated one


def test_levels_svg_escapes_names():
    svg = scorecard.levels_svg(rows=[_row(1, 2, title='<script>alert("x")</script>')])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_levels_svg_wraps_long_names_on_two_lines():
    assert scorecard._label_lines("2. Consultations and community partnerships") == [
        "2. Consultations and",
        "community partnerships",
    ]
    assert scorecard._label_lines("4. Population") == ["4. Population"]


def test_evidence_only_web_links_are_clickable():
    web = scorecard._evidence(SimpleNamespace(url="https://example.org/a", title="A", file=""))
    other = scorecard._evidence(SimpleNamespace(url="ftp://example.org/a", title="", file=""))
    assert web == {"title": "A", "url": "https://example.org/a", "web": True}
    assert other == {"title": "ftp://example.org/a", "url": "ftp://example.org/a", "web": False}


def test_evidence_file_links_to_its_download(settings):
    link = SimpleNamespace(
        pk=7,
        entry=SimpleNamespace(assessment_id=3),
        url="",
        title="Budget",
        file="evidence/0123.pdf",
        file_name="Budget 2024.pdf",
        file_type="application/pdf",
        file_size=1200,
    )
    assert scorecard._evidence(link) == {
        "title": "Budget",
        "url": f"{site_base()}/assess/3/evidence/7/",
        "web": True,
        "file": {"name": "Budget 2024.pdf", "type": "application/pdf", "size": 1200},
    }


CSS = pdf.BASE_URL + "css/scorecard.css"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "https://example.org/font.woff2",
        "file:///etc/passwd",
        pdf.BASE_URL + "css/../../manage.py",
        pdf.BASE_URL + "css/../../ovp_assess/settings.py",
        pdf.BASE_URL + "js/app.css",  # not an allowed folder
        pdf.BASE_URL + "css/missing.css",
        "file://evil.example/" + pdf.STATIC_DIR.as_posix() + "/css/scorecard.css",
        "data:text/css,body{}",
        "ftp://127.0.0.1/x.css",
    ],
)
def test_fetcher_refuses_everything_but_our_static_files(url):
    fetcher = pdf.StaticOnlyFetcher()
    with pytest.raises(ValueError, match="Refused"):
        fetcher.fetch(url)
    assert (fetcher.attempts, fetcher.refused) == ([url], [url])


def test_fetcher_serves_our_stylesheet():
    fetcher = pdf.StaticOnlyFetcher()
    response = fetcher.fetch(CSS)
    assert response.read() == (pdf.STATIC_DIR / "css" / "scorecard.css").read_bytes()
    assert response.content_type == "text/css"
    assert (fetcher.attempts, fetcher.refused) == ([CSS], [])


def test_render_pdf_refuses_markup_that_reaches_it_unescaped():
    """Even if escaping failed, the renderer would fetch nothing: the fetcher refuses it."""
    html = (
        '<html><head><link rel="stylesheet" href="css/scorecard.css">'
        '<link rel="stylesheet" href="http://127.0.0.1/evil.css">'
        "<style>@import url(http://127.0.0.1/import.css);</style></head>"
        '<body><p>Hello</p><img src="http://127.0.0.1/x"><img src="file:///etc/hostname">'
        '<img src="../manage.py"></body></html>'
    )
    fetcher = pdf.StaticOnlyFetcher()
    content = pdf.render_pdf(html=html, fetcher=fetcher)
    assert flat("".join(pdf_pages(content))) == "Hello11"  # and the margin's "1 of 1"
    refused = [
        "http://127.0.0.1/evil.css",
        "http://127.0.0.1/import.css",
        "http://127.0.0.1/x",
        "file:///etc/hostname",
        (pdf.STATIC_DIR.parent / "manage.py").as_uri(),
    ]
    assert sorted(fetcher.refused) == sorted(refused)
    assert sorted(fetcher.attempts) == sorted([CSS, *refused])


@pytest.mark.parametrize(
    ("text", "rtl"),
    [
        ("مرحبا بالعالم and then English", True),
        ("English first, then مرحبا", False),
        ("2024: שלום", True),  # digits are weak: the first letter decides
        ("", False),
        ("🎉 123", False),
    ],
)
def test_is_rtl(text, rtl):
    assert scorecard.is_rtl(text) is rtl


def test_right_to_left_text_gets_its_own_direction(office):
    assessment = factories.make_assessment(office)
    Entry.objects.filter(assessment=assessment, criterion__number=1).update(
        strengths="تفويض علني واضح", opportunities="Publish it"
    )
    html = render_to_string("reports/scorecard/scorecard.html", build(assessment))
    assert html.count('<div dir="rtl">تفويض علني واضح</div>') == 1
    assert html.count('dir="rtl"') == 1


def test_a_superseded_scorecard_is_not_a_draft_and_says_it_was_replaced(office):
    published_at = datetime.datetime(2025, 11, 3, 12, 0, tzinfo=datetime.UTC)
    assessment = factories.make_assessment(office, status=Assessment.Status.SUPERSEDED)
    Assessment.objects.filter(pk=assessment.pk).update(published_at=published_at)
    assessment.refresh_from_db()
    context = build(assessment)
    assert (context["draft"], context["date"]) == (False, published_at)
    html = render_to_string("reports/scorecard/scorecard.html", context)
    assert "Replaced by a published correction: cite the corrected version." in html
    assert "DRAFT" not in html
