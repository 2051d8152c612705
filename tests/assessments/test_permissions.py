"""Who may see and change which assessment, tried as each persona would."""

import pytest
from django.urls import reverse

from assessments import workflow
from assessments.models import Assessment, Entry, ReviewComment

from .helpers import entry_post, fill, publish

# Every URL of one assessment, with a POST body that would change something if allowed.
ASSESSMENT_URLS = [
    ("assess:detail", {}, {}),
    ("assess:criterion", {"number": 1}, "entry"),
    ("assess:submit", {}, {}),
    ("assess:learn", {}, {}),
    ("assess:history", {}, {}),
    ("assess:diff", {}, {}),
    ("assess:review", {}, {}),
    ("assess:review-comment", {}, {"criterion": "1", "c1": "A note"}),
    ("assess:review-return", {}, {"text": ""}),
    ("assess:review-publish", {}, {"text": "", "confirm": "on"}),
    ("assess:next-cycle", {}, {}),
    ("assess:correct", {}, {"text": "A correction note"}),
    ("assess:comment-reply", {"comment_id": "comment"}, {"text": "A reply"}),
    ("assess:comment-resolve", {"comment_id": "comment"}, {"text": "A reply"}),
    ("assess:comment-reopen", {"comment_id": "comment"}, {}),
]


def _url(name, assessment, kwargs):
    if kwargs.get("comment_id") == "comment":
        # A real comment of this assessment, so that only the assessment's getter refuses.
        comment, _ = ReviewComment.objects.get_or_create(
            assessment=assessment, criterion_id=assessment.entries.first().criterion_id
        )
        kwargs = {**kwargs, "comment_id": comment.pk}
    return reverse(name, kwargs={"pk": assessment.pk, **kwargs})


def _body(body, assessment):
    if body == "entry":
        return entry_post(assessment.entries.get(criterion__number=1))
    return body


@pytest.mark.parametrize("status", ["draft", "submitted", "published"])
@pytest.mark.parametrize(("name", "kwargs", "body"), ASSESSMENT_URLS)
def test_assess_urls_other_office_staff_get_404(
    assessment, staff, reviewer, other_staff, client_for, name, kwargs, body, status
):
    if status != "draft":
        fill(assessment, staff)
        workflow.submit(assessment=assessment, user=staff)
    if status == "published":
        workflow.publish(assessment=assessment, user=reviewer)
    client = client_for(other_staff)
    url = _url(name, assessment, kwargs)

    assert client.get(url).status_code == 404
    assert client.post(url, _body(body, assessment)).status_code == 404
    assert Assessment.objects.get(pk=assessment.pk).status == status


@pytest.mark.parametrize(("name", "kwargs", "body"), ASSESSMENT_URLS)
def test_assess_urls_anonymous_is_sent_to_login(assessment, client_for, name, kwargs, body):
    response = client_for(None).get(_url(name, assessment, kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("name", ["assess:criterion", "assess:submit"])
def test_viewer_cannot_save_or_submit(assessment, staff, viewer, client_for, name):
    fill(assessment, staff)
    kwargs = {"number": 1} if name == "assess:criterion" else {}
    body = _body("entry" if name == "assess:criterion" else {}, assessment)
    client = client_for(viewer)

    assert client.get(_url(name, assessment, kwargs)).status_code == 200
    assert client.post(_url(name, assessment, kwargs), body).status_code == 403
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"
    assert Entry.objects.get(assessment=assessment, criterion__number=1).strengths == (
        "Fictional text: strengths"
    )


def test_viewer_sees_read_only_form(assessment, viewer, client_for):
    response = client_for(viewer).get(_url("assess:criterion", assessment, {"number": 1}))
    assert response.context["editable"] is False
    assert all(f.disabled for f in response.context["form"].fields.values())
    assert b'value="save"' not in response.content


def test_viewer_cannot_start_an_assessment(office, viewer, client_for):
    response = client_for(viewer).post(
        reverse("assess:start"), {"office": office.pk, "cycle": 2025}
    )
    assert response.status_code == 403
    assert Assessment.objects.filter(office=office).count() == 0


def test_other_office_staff_cannot_start_an_assessment_here(office, other_staff, client_for):
    response = client_for(other_staff).post(
        reverse("assess:start"), {"office": office.pk, "cycle": 2025}
    )
    assert response.status_code == 404
    assert Assessment.objects.filter(office=office).count() == 0


@pytest.mark.parametrize("persona", ["staff", "viewer", "researcher"])
def test_only_reviewers_publish(assessment, staff, request, client_for, persona):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    user = request.getfixturevalue(persona)
    url = _url("assess:review-publish", assessment, {})
    response = client_for(user).post(url, {"text": ""})
    # Office members are told no (403); a researcher is no member: the workspace is 404.
    assert response.status_code == (404 if persona == "researcher" else 403)
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"
    assert ReviewComment.objects.filter(assessment=assessment).count() == 0


def test_reviewer_publishes(assessment, staff, reviewer, client_for):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    response = client_for(reviewer).post(
        _url("assess:review-publish", assessment, {}), {"text": "Well done.", "confirm": "on"}
    )
    assert response.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).status == "published"


@pytest.mark.parametrize("persona", ["staff", "reviewer", "superuser"])
def test_nobody_changes_a_published_assessment(
    assessment, staff, reviewer, request, client_for, persona
):
    published = publish(assessment, staff, reviewer)
    user = request.getfixturevalue(persona)
    client = client_for(user)
    entry = published.entries.get(criterion__number=1)

    save = client.post(
        _url("assess:criterion", published, {"number": 1}),
        entry_post(entry, strengths="Rewritten"),
    )
    submit = client.post(_url("assess:submit", published, {}))
    back = client.post(_url("assess:review-return", published, {}), {"text": "x"})

    # Members are refused (403; a save shows what they typed, with the reason, as 409);
    # reviewers and admins are no members of the office (404). A reviewer's "return" is
    # refused by the workflow and sent back with a message.
    expected = 403 if persona == "staff" else 404
    assert (save.status_code, submit.status_code) == (
        409 if persona == "staff" else 404,
        expected,
    )
    assert back.status_code == (403 if persona == "staff" else 302)
    stored = Assessment.objects.get(pk=published.pk)
    assert (stored.status, stored.version) == ("published", published.version)
    assert Entry.objects.get(pk=entry.pk).strengths == "Fictional text: strengths"


def test_extra_post_fields_are_ignored(assessment, other_office, staff, client_for):
    entry = assessment.entries.get(criterion__number=1)
    body = entry_post(
        entry,
        status="published",
        office=str(other_office.pk),
        cycle="1999",
        assessment=str(assessment.pk + 1000),
        kind="research",
        version="99",
    )
    response = client_for(staff).post(_url("assess:criterion", assessment, {"number": 1}), body)

    assert response.status_code == 302
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.office_id, stored.cycle, stored.kind) == (
        "draft",
        assessment.office_id,
        2025,
        "self",
    )
    assert Entry.objects.get(pk=entry.pk).strengths == "We have a plan."


def test_start_ignores_extra_fields(office, staff, client_for):
    response = client_for(staff).post(
        reverse("assess:start"),
        {"office": office.pk, "cycle": 2026, "status": "published", "kind": "research"},
    )
    created = Assessment.objects.get(office=office)
    assert response.status_code == 302
    assert (created.status, created.kind, created.cycle) == ("draft", "self", 2026)


def test_read_only_urls_refuse_post_from_members(assessment, staff, client_for):
    response = client_for(staff).post(_url("assess:history", assessment, {}))
    assert response.status_code == 405


def test_review_queue_is_for_reviewers_only(staff, researcher, reviewer, client_for):
    url = reverse("assess:review-queue")
    assert client_for(staff).get(url).status_code == 403
    assert client_for(researcher).get(url).status_code == 403
    assert client_for(reviewer).get(url).status_code == 200


@pytest.mark.parametrize(
    "path", ["/assess/999999/", "/assess/999999/criteria/1/", "/assess/{pk}/criteria/10/"]
)
def test_unknown_assessment_or_criterion_is_404(assessment, staff, client_for, path):
    response = client_for(staff).get(path.format(pk=assessment.pk))
    assert response.status_code == 404


@pytest.mark.parametrize("office_value", ["", "abc", "999999", "1\x00"])
def test_start_with_bad_office_is_404(staff, client_for, office_value):
    response = client_for(staff).post(reverse("assess:start"), {"office": office_value})
    assert response.status_code == 404
