"""The public criteria pages: the list of nine and each criterion's detail."""

import re

import pytest
from django.utils.html import escape
from django.utils.translation import override

from criteria.models import Criterion, PeerExample
from criteria.text import bullets
from tests import factories

pytestmark = pytest.mark.django_db

PERSONAS = [None, "staff"]


@pytest.fixture(params=PERSONAS, ids=["anonymous", "staff"])
def visitor(request):
    from django.test import Client

    client = Client()
    user = request.getfixturevalue(request.param) if request.param else None
    if user is not None:
        client.force_login(user)
    client.user = user
    return client


def test_bullets_splits_dash_lines_and_joins_continuations():
    text = "- First point\n  that goes on\n\n- Second point\n* Third"
    assert bullets(text) == ["First point that goes on", "Second point", "Third"]


def test_bullets_keeps_plain_text_as_one_item():
    assert bullets("Just a sentence.") == ["Just a sentence."]
    assert bullets("") == []


def test_criteria_list_shows_nine_criteria_in_order(report, visitor):
    response = visitor.get("/criteria/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>The nine criteria</h1>" in html
    titles = re.findall(r'<h2 class="h4 card-title"><a href="/criteria/([a-z-]+)/">(\d)\. ', html)
    assert titles == [(c.slug, str(c.number)) for c in Criterion.objects.order_by("number")]
    mandate = Criterion.objects.get(number=1)
    assert escape(mandate.definition) in html
    examples = PeerExample.objects.filter(criterion=mandate).count()
    assert f"{examples} peer examples" in html
    assert ("Log out" in html) is (visitor.user is not None)


def test_criterion_detail_shows_all_sections(report, visitor):
    criterion = Criterion.objects.get(number=1)
    response = visitor.get("/criteria/mandate/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1>") == 1
    assert f"Criterion 1:</span> {escape(criterion.title)}</h1>" in html
    for heading in (
        "Why it matters",
        "Key takeaways",
        "Trade-offs to weigh",
        "Rubric",
        "Peer examples",
        "Questions for your team",
    ):
        assert f">{heading}</h2>" in html
    assert escape(criterion.definition) in html
    assert escape(criterion.why_it_matters) in html
    assert f"Source in the report: {escape(criterion.citation)}" in html


def test_criterion_detail_renders_takeaways_and_tradeoffs_as_lists(report, client):
    criterion = Criterion.objects.get(number=1)
    html = client.get("/criteria/mandate/").content.decode()
    takeaways = html[html.index('<ul class="takeaways">') :]
    takeaways = takeaways[: takeaways.index("</ul>")]
    assert re.findall(r"<li>(.*?)</li>", takeaways) == [
        escape(t) for t in bullets(criterion.takeaways)
    ]
    assert len(re.findall(r"<li>", takeaways)) == 5
    assert "- " not in takeaways
    tradeoffs = html[html.index('<ul class="tradeoffs">') :]
    tradeoffs = tradeoffs[: tradeoffs.index("</ul>")]
    assert re.findall(r"<li>(.*?)</li>", tradeoffs) == [
        escape(t) for t in bullets(criterion.tradeoffs)
    ]


def test_criterion_detail_shows_rubric_levels_0_to_4(report, client):
    criterion = Criterion.objects.get(number=1)
    html = client.get("/criteria/mandate/").content.decode()
    for level in criterion.levels.all():
        row = html[html.index(f'<tr id="level-{level.level}">') :]
        row = row[: row.index("</tr>")]
        assert f"{level.level}/4 {level.label}" in row
        assert escape(level.descriptor) in row
    assert html.count('<tr id="level-') == 5
    assert "<strong>not applicable</strong>, which needs a short justification" in html


def test_criterion_detail_shows_guiding_questions_in_order(report, client):
    criterion = Criterion.objects.get(number=3)
    html = client.get(criterion.get_absolute_url()).content.decode()
    block = html[html.index('<ol class="mb-0 questions">') :]
    block = block[: block.index("</ol>")]
    assert re.findall(r"<li>(.*?)</li>", block) == [
        escape(q.text) for q in criterion.questions.all()
    ]


def test_criterion_detail_peer_examples_link_to_office_anchor(report, visitor):
    html = visitor.get("/criteria/mandate/").content.decode()
    oakland = PeerExample.objects.get(key="oakland-five-goals")
    card = html[html.index('id="example-oakland-five-goals"') :]
    card = card[: card.index("</article>")]
    assert "Five measurable goals" in card
    assert 'href="/cities/oakland/#office-oakland-dvp"' in card
    assert "Department of Violence Prevention (DVP), Oakland" in card
    assert escape(oakland.summary) in card


def test_criterion_detail_diagnosis_examples_include_coprev_and_penalolen(report, client):
    html = client.get("/criteria/diagnosis/").content.decode()
    assert 'href="/cities/chihuahua/#office-chihuahua-coprev"' in html
    assert 'href="/cities/penalolen/#office-penalolen-human-security"' in html


def test_criterion_detail_links_previous_and_next(report, client):
    html = client.get(Criterion.objects.get(number=5).get_absolute_url()).content.decode()
    four = Criterion.objects.get(number=4)
    six = Criterion.objects.get(number=6)
    assert f'href="{four.get_absolute_url()}"><span aria-hidden="true">←</span> 4.' in html
    assert f'<a href="{six.get_absolute_url()}">6. ' in html
    first = client.get("/criteria/mandate/").content.decode()
    assert "←" not in first


def test_criterion_detail_uses_translation_when_available(report, client):
    criterion = Criterion.objects.get(number=2)
    criterion.translations = {"es": {"title": "Título de prueba", "takeaways": "- Uno\n- Dos"}}
    criterion.save()
    response = client.get(criterion.get_absolute_url(), headers={"accept-language": "es"})
    html = response.content.decode()
    assert "Título de prueba</h1>" in html
    assert re.findall(r"<li>(.*?)</li>", html[html.index('<ul class="takeaways">') :])[:2] == [
        "Uno",
        "Dos",
    ]
    with override("en"):
        assert criterion.tr("title") != "Título de prueba"


def test_criterion_detail_unknown_slug_is_styled_404(report, visitor):
    response = visitor.get("/criteria/no-such-criterion/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_criteria_pages_are_read_only(report, client):
    assert client.post("/criteria/").status_code == 405
    assert client.post("/criteria/mandate/").status_code == 405


def test_criterion_detail_marks_fictional_example_office(report, client):
    office = factories.make_office()
    PeerExample.objects.create(
        key="test-demo-example",
        criterion=Criterion.objects.get(number=1),
        office=office,
        title="A demo practice",
        summary="Fictional.",
        citation="None",
    )
    html = client.get("/criteria/mandate/").content.decode()
    card = html[html.index('id="example-test-demo-example"') :]
    assert "Demo, fictional" in card[: card.index("</article>")]


def _add_examples(n):
    criterion = Criterion.objects.get(number=1)
    for i in range(n):
        office = factories.make_office()
        PeerExample.objects.create(
            key=f"test-example-{office.slug}",
            criterion=criterion,
            office=office,
            title=f"Test practice {i}",
            summary="Fictional test practice.",
            citation="Nowhere",
        )
    return criterion


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("n", [1, 20])
def test_criteria_list_query_count_is_flat(
    report, request, client_for, django_assert_num_queries, persona, n
):
    _add_examples(n)
    client = client_for(request.getfixturevalue(persona) if persona else None)
    with django_assert_num_queries(1 if persona is None else 3):
        response = client.get("/criteria/")
    assert response.status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("n", [1, 20])
def test_criterion_detail_query_count_is_flat(
    report, request, client_for, django_assert_num_queries, persona, n
):
    criterion = _add_examples(n)
    client = client_for(request.getfixturevalue(persona) if persona else None)
    # criterion, levels, questions, examples (with office and city), the others for navigation
    with django_assert_num_queries(5 if persona is None else 7):
        response = client.get(criterion.get_absolute_url())
    html = response.content.decode()
    assert html.count('class="card mb-3" id="example-test-example-') == n
