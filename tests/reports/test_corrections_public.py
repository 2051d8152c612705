"""A published assessment being corrected stays public with the reviewer's note; the
published correction replaces it with "corrected on" (matrix, API, page cache)."""

import pytest

from assessments import workflow
from assessments.models import Assessment
from reports.cache import data_stamp
from tests.assessments.helpers import publish


@pytest.fixture
def published(office, staff, reviewer):
    assessment = workflow.start_assessment(office=office, cycle=2025, user=staff)
    return publish(assessment, staff, reviewer)


def _correct_and_publish(published, staff, reviewer, note):
    correction = workflow.start_correction(assessment=published, user=reviewer, note=note)
    workflow.submit(assessment=correction, user=staff)
    workflow.publish(assessment=correction, user=reviewer)
    return Assessment.objects.get(pk=correction.pk)


def test_matrix_shows_the_note_then_the_correction(published, staff, reviewer, client):
    url = f"/reports/matrix/?cities={published.office.city.slug}"
    correction = workflow.start_correction(assessment=published, user=reviewer, note="Fix 3")
    page = client.get(url)
    column = page.context["matrix"].columns[0]["assessment"]
    assert (column["id"], column["pending_note"]) == (published.pk, "Fix 3")
    assert "A correction is being prepared:</strong> Fix 3" in page.content.decode()

    workflow.submit(assessment=correction, user=staff)
    workflow.publish(assessment=correction, user=reviewer)
    page = client.get(url)
    column = page.context["matrix"].columns[0]["assessment"]
    assert (column["id"], column["pending_note"], column["correction_note"]) == (
        correction.pk,
        "",
        "Fix 3",
    )
    assert "Corrected on " in page.content.decode()


def test_api_gives_the_pending_note_then_the_corrected_one(published, staff, reviewer, client):
    url = f"/api/assessments?office={published.office.slug}"
    correction = workflow.start_correction(assessment=published, user=reviewer, note="Fix 3")
    items = client.get(url).json()["items"]
    assert [(i["id"], i["status"], i["corrects"], i["correction_pending"]) for i in items] == [
        (published.pk, "published", None, "Fix 3")
    ]
    workflow.submit(assessment=correction, user=staff)
    workflow.publish(assessment=correction, user=reviewer)
    items = client.get(url).json()["items"]
    assert [
        (i["id"], i["corrects"], i["correction_note"], i["correction_pending"]) for i in items
    ] == [(correction.pk, published.pk, "Fix 3", "")]
    assert client.get(f"/api/assessments/{published.pk}").status_code == 404


def test_the_data_stamp_moves_on_reopening_and_on_publishing(published, staff, reviewer):
    before = data_stamp()
    correction = workflow.start_correction(assessment=published, user=reviewer, note="Fix 3")
    reopened = data_stamp()
    workflow.submit(assessment=correction, user=staff)
    submitted = data_stamp()
    workflow.publish(assessment=correction, user=reviewer)
    assert len({before, reopened, submitted, data_stamp()}) == 4
