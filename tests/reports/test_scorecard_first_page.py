"""The scorecard's first page for a mayor: key messages, who reviewed it and when, the
levels beside the previous cycle's, the median of other real offices, and the permanent
address with its QR code, built from SITE_URL or the requesting host."""

import datetime
import io
import zipfile
from types import SimpleNamespace

import pytest
import segno
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from assessments.models import Action, Assessment, Entry
from cities.models import City, Origin
from criteria.models import Criterion
from reports import pdf, scorecard, scorecard_cache
from reports.models import BundleJob
from tests import factories

from .scorecard_helpers import HOST, RenderCounter, flat, pdf_bytes, pdf_pages

pytestmark = pytest.mark.django_db

PREVIOUS = [1] * 9
# Criterion 6 does not apply; 5 is the strongest, 2 the weakest.
CURRENT = [3, 0, 2, 2, 4, None, 1, 2, 2]


def url(assessment):
    return reverse("reports:scorecard", args=[assessment.pk])


@pytest.fixture
def known(office):
    """A published self-assessment with a previous cycle, a plan and a reviewer with a name."""
    factories.make_assessment(office, cycle=2024, status="published", levels=PREVIOUS)
    assessment = factories.make_assessment(office, cycle=2025, status="published", levels=CURRENT)
    Entry.objects.filter(assessment=assessment, criterion__number=6).update(
        applicability=Entry.Applicability.NOT_APPLICABLE, justification="No budget of its own."
    )
    Entry.objects.filter(assessment=assessment, criterion__number__in=[2, 7]).update(target=2)
    Action.objects.create(
        office=office,
        criterion=Criterion.objects.get(number=2),
        planned_in=assessment,
        title="Hold four open meetings",
    )
    reviewer = factories.make_user("reviewer-ana", first_name="Ana", last_name="Pérez")
    assessment.published_by = reviewer
    assessment.published_at = datetime.datetime(2025, 3, 4, 12, tzinfo=datetime.UTC)
    assessment.save()
    return assessment


def test_key_messages_for_a_known_assessment(known):
    with translation.override("en"):
        messages = scorecard.build_scorecard(assessment=known)["messages"]
    assert messages == [
        "Strongest: 5. Prevention approach (4/4, Exemplary).",
        "Weakest: 2. Consultations and community partnerships (0/4, Absent).",
        "Since 2024: 6 criteria up, 1 down, 1 unchanged. "
        "Biggest change: 5. Prevention approach, from 1/4 to 4/4.",
        "Plan for the next cycle: targets for 2 criteria and 1 open action.",
    ]


def _row(number, level, title, applicability="assessed", strengths="s", label="Label"):
    criterion = SimpleNamespace(number=number, tr=lambda field: title)
    entry = SimpleNamespace(
        level=level, applicability=applicability, strengths=strengths, opportunities="o"
    )
    rubric = SimpleNamespace(tr=lambda field: label) if level is not None else None
    return scorecard.Row(criterion=criterion, entry=entry, rubric=rubric)


def test_key_messages_name_divergent_criteria_and_the_median_at_most_five():
    rows = [_row(1, 3, "Mandate"), _row(2, 1, "Partners"), _row(3, 3, "Diagnosis")]
    median = {"count": 6, "enough": True, "levels": [2, 2, 3], "above": 1, "equal": 1, "below": 1}
    perspectives = {"divergent": [{"number": 2, "title": "Partners"}]}
    with translation.override("en"):
        messages = scorecard.key_messages(rows=rows, perspectives=perspectives, median=median)
        few = scorecard.key_messages(rows=rows, median={**median, "count": 4, "enough": False})
    assert messages == [
        "Strongest: 1. Mandate, 3. Diagnosis (3/4, Label).",
        "Weakest: 2. Partners (1/4, Label).",
        "Outside voices see 1 criterion differently from one group to another: 2. Partners.",
        "Against the median of 6 other published offices: above it on 1 of the 3 criteria "
        "compared, equal on 1, below on 1.",
    ]
    # Fewer than five peers: no comparison; a count of the levels keeps three messages.
    assert few == [
        "Strongest: 1. Mandate, 3. Diagnosis (3/4, Label).",
        "Weakest: 2. Partners (1/4, Label).",
        "2 of the 3 rated criteria are established or exemplary (level 3 or 4).",
    ]


def test_key_messages_of_a_report_chart_invent_no_level():
    cali = Assessment.objects.get(office__city__slug="cali", kind="research", cycle=2024)
    with translation.override("en"):
        messages = scorecard.build_scorecard(assessment=cali)["messages"]
    assert messages == [
        "No levels are given: like the report's charts, this assessment describes each "
        "criterion in words, so it neither ranks the criteria nor compares them with other "
        "offices.",
        "Strengths are noted for 9 of the 9 criteria, and opportunities to enhance "
        "effectiveness for 9.",
        "Source of these findings: Part 4, Cali's Coordination (chart).",
    ]
    assert not any("/4" in m for m in messages)


def _real_office():
    city = City.objects.filter(origin=Origin.REPORT).first()
    return factories.make_office(city=city)


@pytest.mark.parametrize("peers, shown", [(4, False), (5, True)])
def test_median_needs_five_other_real_offices(office, peers, shown):
    for n in range(peers):
        factories.make_assessment(_real_office(), status="published", levels=[n] * 9)
    # None of these count: a demo office, a synthetic one, a report chart with levels,
    # a draft of a real office.
    factories.make_assessment(factories.make_office(), status="published", levels=[4] * 9)
    synthetic = factories.make_city(origin=Origin.SYNTHETIC)
    factories.make_assessment(
        factories.make_office(city=synthetic), status="published", levels=[4] * 9
    )
    chart = factories.make_assessment(
        _real_office(), kind="research", status="published", levels=[4] * 9
    )
    assert chart.kind == "research"
    factories.make_assessment(_real_office(), status="draft", levels=[4] * 9)
    mine = factories.make_assessment(office, status="published", levels=[2] * 9)
    rows = scorecard.scorecard_rows(mine)
    median = scorecard.peer_median(assessment=mine, rows=rows)
    assert (median["count"], median["enough"]) == (peers, shown)
    expected = 1.5 if peers == 4 else 2  # levels 0..3 or 0..4
    assert median["levels"] == [expected] * 9
    assert (median["above"], median["equal"], median["below"]) == (
        (9, 0, 0) if peers == 4 else (0, 9, 0)
    )
    with translation.override("en"):
        page = render_to_string(
            "reports/scorecard/scorecard.html", scorecard.build_scorecard(assessment=mine)
        )
    if shown:
        assert "The black triangle marks the median level of 5 other offices" in page
        assert "fewer than five published offices to compare with" not in page
    else:
        assert "fewer than five published offices to compare with" in page


def test_first_page_holds_messages_reviewer_qr_and_no_version(client, known):
    known.version = 20
    known.save()
    content = pdf_bytes(client.get(url(known)))
    pages = pdf_pages(content)
    first = flat(pages[0])
    address = f"{HOST}/reports/scorecards/{known.pk}.pdf"
    assert flat("Key messages") in first
    assert flat("Weakest: 2. Consultations and community partnerships (0/4, Absent).") in first
    assert flat("Plan for the next cycle: targets for 2 criteria and 1 open action.") in first
    assert flat(
        "Reviewed and published by Ana Pérez (OVP Assess review team) on March 4, 2025."
    ) in (first)
    assert "reviewer-ana" not in first
    assert flat(address) in first
    assert "version" not in first.lower()
    # The citation, with its version, is on the other pages.
    assert flat("version 20") in flat("".join(pages[1:]))
    # The previous cycle's bars and the "not applicable" band, told apart from "unrated".
    assert flat("2024: 1/4") in first
    assert flat("6. Budget sustainability Not applicable") in first


def test_first_page_qr_code_encodes_the_permanent_address(known):
    context = scorecard.build_scorecard(assessment=known, base="http://example.org")
    address = f"http://example.org/reports/scorecards/{known.pk}.pdf"
    assert context["permanent_url"] == address
    # The same URL, encoded the same way, gives the same modules.
    assert context["qr_svg"] == scorecard.qr_svg(address)
    assert context["qr_svg"] == segno.make(address, error="m", micro=False).svg_inline(
        scale=4, border=2, dark="#000", light="#fff", omitsize=True
    )
    assert context["qr_svg"] != scorecard.qr_svg(address.replace("example", "elsewhere"))
    page = render_to_string("reports/scorecard/scorecard.html", context)
    cover = page[: page.index('<section class="criteria')]
    assert context["qr_svg"] in cover


def test_address_uses_site_url_when_set(client, known, settings):
    settings.SITE_URL = "https://ovp.example.net"
    first = flat(pdf_pages(pdf_bytes(client.get(url(known))))[0])
    assert flat(f"https://ovp.example.net/reports/scorecards/{known.pk}.pdf") in first


def test_address_uses_the_request_host_without_site_url(client, known, settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["testserver", "example.org"]
    response = client.get(url(known), HTTP_HOST="example.org")
    pages = pdf_pages(pdf_bytes(response))
    address = flat(f"http://example.org/reports/scorecards/{known.pk}.pdf")
    assert address in flat(pages[0])
    assert flat(f"OVP Assess, http://example.org/reports/scorecards/{known.pk}.pdf") in flat(
        "".join(pages[1:])
    )
    assert "127.0.0.1" not in flat("".join(pages))


def test_bundle_keeps_the_requesting_host_for_the_worker(client, settings, monkeypatch):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["testserver", "example.org"]
    monkeypatch.setattr(pdf, "render_pdf", RenderCounter())
    response = client.get(reverse("reports:scorecard-bundle", args=[2024]), HTTP_HOST="example.org")
    job = BundleJob.objects.get()
    assert job.site_base == "http://example.org"
    with zipfile.ZipFile(io.BytesIO(pdf_bytes(response))) as archive:
        assert len(archive.namelist()) == 4
    # The worker rendered the scorecards for that host: their files carry its key.
    cali = Assessment.objects.get(office__city__slug="cali", kind="research", cycle=2024)
    key = scorecard_cache.cache_key(
        assessment=cali, language="en", paper="a4", base="http://example.org"
    )
    assert scorecard_cache.path_for(assessment_id=cali.pk, key=key).exists()
    # Another host: another bundle.
    client.get(reverse("reports:scorecard-bundle", args=[2024]))
    assert sorted(BundleJob.objects.values_list("site_base", flat=True)) == [
        "http://example.org",
        HOST,
    ]


def test_without_request_or_site_url_links_fall_back(settings):
    from assessments.links import FALLBACK, site_base

    settings.SITE_URL = ""
    assert site_base() == FALLBACK == "http://127.0.0.1:8000"
    settings.SITE_URL = "https://ovp.example.net/"
    assert site_base() == "https://ovp.example.net"
