"""The public page cache never shows a stale or unpublished assessment."""

from assessments import workflow

from ..assessments.helpers import fill


def test_city_page_cache_follows_a_publication(office, staff, reviewer, client_for):
    anonymous = client_for(None)
    url = office.city.get_absolute_url()
    assessment = workflow.start_assessment(office=office, cycle=2025, user=staff)
    fill(assessment, staff)
    before = anonymous.get(url).content.decode()  # fills the cache
    link = f'href="/reports/scorecards/{assessment.pk}.pdf"'
    assert link not in before
    assert link in client_for(staff).get(url).content.decode()  # staff: never cached
    assert link not in anonymous.get(url).content.decode()  # staff's view did not leak

    assert workflow.submit(assessment=assessment, user=staff) == []
    workflow.publish(assessment=assessment, user=reviewer)
    assert link in anonymous.get(url).content.decode()


def test_city_page_cache_is_per_language(office, client_for):
    anonymous = client_for(None)
    url = office.city.get_absolute_url()
    english = anonymous.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = anonymous.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Offices" in english and "Oficinas" in spanish and "Oficinas" not in english
