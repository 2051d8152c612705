"""/embed/scorecards/<id>/: a published assessment other sites may frame."""

from assessments.models import Assessment
from tests import factories


def _assessment(status, levels=None):
    return factories.make_assessment(factories.make_office(), status=status, levels=levels)


def test_only_the_embed_page_may_be_framed_by_any_site(client, report):
    assessment = _assessment(Assessment.Status.PUBLISHED)
    response = client.get(f"/embed/scorecards/{assessment.pk}/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    csp = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert (csp["frame-ancestors"], csp["script-src"]) == ("*", "'none'")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    home = client.get("/")
    assert home.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]


def test_a_draft_is_never_embedded_even_for_its_own_office(client, report):
    assessment = _assessment(Assessment.Status.DRAFT)
    member = factories.make_user("member", office=assessment.office)
    client.force_login(member)
    assert client.get(f"/embed/scorecards/{assessment.pk}/").status_code == 404


def test_a_superseded_version_is_not_embedded(client, report):
    assessment = _assessment(Assessment.Status.SUPERSEDED)
    assert client.get(f"/embed/scorecards/{assessment.pk}/").status_code == 404


def test_the_city_page_offers_the_snippet_of_each_published_self_assessment(client, report):
    assessment = _assessment(Assessment.Status.PUBLISHED, levels=[2] * 9)
    city = assessment.office.city
    html = client.get(f"/cities/{city.slug}/").content.decode()
    # Escaped once, inside the textarea: the visitor copies the plain HTML.
    snippet = (
        f"&lt;iframe src=&quot;http://testserver/embed/scorecards/{assessment.pk}/&quot; "
        f"title=&quot;{assessment.office.name} {assessment.cycle}&quot;"
    )
    assert html.count(snippet) == 1


def test_the_levels_chart_as_svg_for_whoever_may_read_the_assessment(client, report):
    published = _assessment(Assessment.Status.PUBLISHED, levels=[2, 3, 1, 0, 4, 2, 2, 3, 1])
    response = client.get(f"/reports/scorecards/{published.pk}/chart.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    body = response.content.decode()
    assert body.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'
    )
    assert body.count("/4 ") == 9  # one labelled bar per criterion
    office = published.office
    assert response["Content-Disposition"] == (
        f'attachment; filename="ovp-levels-{office.city.slug}-{office.slug}-2025-self.svg"'
    )
    draft = _assessment(Assessment.Status.DRAFT)
    assert client.get(f"/reports/scorecards/{draft.pk}/chart.svg").status_code == 404
