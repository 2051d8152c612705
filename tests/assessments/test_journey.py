"""A whole self-assessment through the browser's eyes: two sittings, review, publication."""

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from assessments.access import visible_assessments
from assessments.models import Assessment, Entry

from .helpers import entry_post


def _fill(client, assessment, number, **fields):
    entry = Entry.objects.get(assessment=assessment, criterion__number=number)
    url = reverse("assess:criterion", args=[assessment.pk, number])
    page = client.get(url)
    assert page.status_code == 200
    data = entry_post(
        entry,
        action="next",
        level=str(number % 5),
        strengths=f"Strength {number}",
        opportunities=f"Opportunity {number}",
    )
    data.update(fields)
    return client.post(url, data)


def test_staff_journey_two_sittings_review_return_publish(office, staff, reviewer, client_for):
    # First sitting: start and fill criteria 1-5.
    first = client_for(staff)
    started = first.post(reverse("assess:start"), {"office": office.pk, "cycle": 2025})
    assessment = Assessment.objects.get(office=office, cycle=2025)
    assert started["Location"] == reverse("assess:criterion", args=[assessment.pk, 1])
    for number in range(1, 6):
        response = _fill(first, assessment, number)
        assert response.status_code == 302

    # Second sitting, another login: the work is there; fill 6-9, leaving 9 incomplete.
    second = client_for(staff)
    home = second.get(reverse("assess:home"))
    assert "5 of 9 criteria done" in home.content.decode()
    for number in range(6, 9):
        _fill(second, assessment, number)
    _fill(second, assessment, 9, opportunities="")

    refused = second.post(reverse("assess:submit", args=[assessment.pk]))
    assert refused.status_code == 200
    assert [e.criterion.number for e in refused.context["missing"]] == [9]
    assert "9. " in refused.content.decode().split('id="submit-errors"')[1].split("</div>")[0]

    _fill(second, assessment, 9)
    submitted = second.post(reverse("assess:submit", args=[assessment.pk]))
    assert submitted["Location"] == reverse("assess:learn", args=[assessment.pk])
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"

    # The reviewer comments on criterion 3 and returns it.
    rc = client_for(reviewer)
    queue = rc.get(reverse("assess:review-queue"))
    assert [r["assessment"].pk for r in queue.context["rows"]] == [assessment.pk]
    rc.post(
        reverse("assess:review-comment", args=[assessment.pk]),
        {"criterion": "3", "c3": "Which data, how often?"},
    )
    rc.post(
        reverse("assess:review-return", args=[assessment.pk]),
        {"text": "Please answer the note on 3."},
    )
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"

    # Staff see the decision and the comment, fix criterion 3 and submit again.
    detail = second.get(reverse("assess:detail", args=[assessment.pk]))
    assert "Please answer the note on 3." in detail.content.decode()
    page = second.get(reverse("assess:criterion", args=[assessment.pk, 3]))
    assert "Which data, how often?" in page.content.decode()
    _fill(second, assessment, 3, strengths="Diagnosis every year from health and police data")
    assert second.post(reverse("assess:submit", args=[assessment.pk])).status_code == 302

    anonymous = client_for(None)
    assert anonymous.get(f"/api/assessments/{assessment.pk}").status_code == 404

    # The reviewer publishes; the assessment is now public and frozen.
    published = rc.post(
        reverse("assess:review-publish", args=[assessment.pk]), {"text": "", "confirm": "on"}
    )
    assert published["Location"] == reverse("assess:review-queue")
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.published_by) == ("published", reviewer)
    assert stored in visible_assessments(AnonymousUser())
    assert Entry.objects.get(assessment=stored, criterion__number=3).strengths == (
        "Diagnosis every year from health and police data"
    )
    api = anonymous.get(f"/api/assessments/{assessment.pk}").json()
    assert (api["id"], api["status"], api["cycle"]) == (assessment.pk, "published", 2025)
    city_page = anonymous.get(office.city.get_absolute_url()).content.decode()
    assert "Diagnosis every year from health and police data" in city_page
    home = second.get(reverse("assess:home"))
    assert home.context["offices"][0]["rows"][0]["decision"].decision == "published"
    # A save after publication changes nothing, and shows the typed text with the reason.
    late = _fill(second, assessment, 1, strengths="Too late")
    assert late.status_code == 409
    assert late.context["form"]["strengths"].value() == "Too late"
    assert "was published while you were typing" in late.content.decode()
    assert Entry.objects.get(assessment=stored, criterion__number=1).strengths != "Too late"
