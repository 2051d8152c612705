"""The review loop's pages: replying to and resolving comments, the open-comment markers,
the report's chart on the review page, and correcting a published assessment."""

import pytest
from django.conf import settings
from django.urls import reverse

from assessments import comments, workflow
from assessments.models import Assessment, ReviewComment
from cities.models import City
from criteria.models import Criterion
from tests import factories

from .helpers import complete_data, entry_post, fill, publish


@pytest.fixture
def note(assessment, staff, reviewer):
    """A comment on criterion 6 of an assessment returned to the office."""
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    comment = workflow.add_comment(
        assessment=assessment,
        user=reviewer,
        criterion=Criterion.objects.get(number=6),
        text="Who funds it?",
    )
    workflow.return_to_office(assessment=assessment, user=reviewer)
    return comment


def _url(name, comment):
    return reverse(name, args=[comment.assessment_id, comment.pk])


def test_staff_reply_returns_to_the_criterion_page(note, staff, client_for):
    here = reverse("assess:criterion", args=[note.assessment_id, 6])
    response = client_for(staff).post(
        _url("assess:comment-reply", note), {"text": "The council.", "next": here}
    )
    assert response["Location"] == f"{here}#comment-{note.pk}"
    assert list(note.replies.values_list("text", "author")) == [("The council.", staff.pk)]


def test_reply_elsewhere_is_not_followed(note, staff, client_for):
    for target in ("https://evil.example/", "/cities/", "//evil.example/assess/"):
        response = client_for(staff).post(
            _url("assess:comment-reply", note), {"text": "Hi", "next": target}
        )
        assert response["Location"] == (
            reverse("assess:criterion", args=[note.assessment_id, 6]) + f"#comment-{note.pk}"
        )


def test_a_refused_reply_keeps_the_text(note, staff, client_for):
    too_long = ("x " * (settings.MAX_TEXT_LENGTH // 2 + 10)).strip()
    response = client_for(staff).post(_url("assess:comment-reply", note), {"text": too_long})
    assert response.status_code == 200
    assert response.context["form"]["text"].value() == too_long
    assert response.context["form"].errors["text"] == [
        f"Ensure this value has at most {settings.MAX_TEXT_LENGTH} characters "
        f"(it has {len(too_long)})."
    ]
    assert note.replies.count() == 0


def test_resolving_saves_the_reply_typed_with_it(note, staff, client_for):
    response = client_for(staff).post(
        _url("assess:comment-resolve", note), {"text": "Done: see the budget line."}
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.resolved_by, list(note.replies.values_list("text", flat=True))) == (
        staff,
        ["Done: see the budget line."],
    )
    client_for(staff).post(_url("assess:comment-reopen", note), {"text": ""})
    note.refresh_from_db()
    assert (note.resolved_at, note.replies.count()) == (None, 1)


def test_a_comment_of_another_assessment_is_404(note, office, staff, client_for):
    # Another assessment of the same office (one draft at a time: this one is published).
    other = factories.make_assessment(office, cycle=2024, status="published")
    url = reverse("assess:comment-reply", args=[other.pk, note.pk])
    assert client_for(staff).post(url, {"text": "Hi"}).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("viewer", 403), ("other_staff", 404), ("researcher", 404), ("staff", 302)],
)
def test_who_may_resolve(note, request, client_for, who, status):
    user = request.getfixturevalue(who)
    response = client_for(user).post(_url("assess:comment-resolve", note))
    assert response.status_code == status
    note.refresh_from_db()
    assert (note.resolved_at is not None) == (status == 302)


def test_viewer_reads_the_thread_without_forms(note, staff, viewer, client_for):
    comments.reply(comment=note, user=staff, text="The council.")
    page = client_for(viewer).get(reverse("assess:criterion", args=[note.assessment_id, 6]))
    html = page.content.decode()
    assert (page.context["discuss"], "The council." in html, "reply-form" in html) == (
        False,
        True,
        False,
    )


def test_open_comments_on_the_overview_and_in_the_side_navigation(note, staff, client_for):
    client = client_for(staff)
    overview = client.get(reverse("assess:detail", args=[note.assessment_id]))
    assert [r["comments"] for r in overview.context["rows"]] == [0, 0, 0, 0, 0, 1, 0, 0, 0]
    page = client.get(reverse("assess:criterion", args=[note.assessment_id, 2]))
    assert [e.open_comments for e in page.context["entries"]] == [0, 0, 0, 0, 0, 1, 0, 0, 0]
    assert page.content.decode().count('class="nav-comments"') == 1
    assert "1 open comment</span>" in page.content.decode()

    comments.resolve(comment=note, user=staff)
    overview = client.get(reverse("assess:detail", args=[note.assessment_id]))
    assert [r["comments"] for r in overview.context["rows"]] == [0] * 9
    page = client.get(reverse("assess:criterion", args=[note.assessment_id, 6]))
    assert page.content.decode().count('class="nav-comments"') == 0
    assert "Resolved by staff" in page.content.decode()


def test_review_page_shows_replies_and_resolved_state(note, staff, reviewer, client_for):
    comments.reply(comment=note, user=staff, text="The council until 2028.")
    comments.resolve(comment=note, user=staff)
    assessment = Assessment.objects.get(pk=note.assessment_id)
    workflow.submit(assessment=assessment, user=staff)
    page = client_for(reviewer).get(reverse("assess:review", args=[assessment.pk]))
    six = page.context["entries"][5]
    assert [(c.text, [r.text for r in c.thread_replies]) for c in six.review_comments] == [
        ("Who funds it?", ["The council until 2028."])
    ]
    assert (six.open_comments, "Resolved by staff" in page.content.decode()) == (0, True)


@pytest.fixture
def cali_office(report):
    return factories.make_office(city=City.objects.get(slug="cali"))


@pytest.mark.parametrize("n", [1, 20])
def test_review_page_with_chart_and_threads_queries_do_not_grow(
    cali_office, reviewer, client_for, django_assert_max_num_queries, n
):
    staff = factories.make_user(office=cali_office)
    assessment = workflow.start_assessment(office=cali_office, cycle=2025, user=staff)
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    for criterion in Criterion.objects.all():
        for i in range(n):
            comment = workflow.add_comment(
                assessment=assessment, user=reviewer, criterion=criterion, text=f"Note {i}"
            )
            comments.reply(comment=comment, user=staff, text=f"Reply {i}")
    client = client_for(reviewer)
    # 8, the previous published cycle, the report's chart of Cali with its cells, and whether
    # a perspectives round was held; and the reviewer's memberships, which access.can_read
    # asks before groups (a query off every page of the office's staff).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("assess:review", args=[assessment.pk]))
    entries = response.context["entries"]
    assert response.context["chart"].office.city.slug == "cali"
    assert [len(e.review_comments) for e in entries] == [n] * 9
    assert [e.chart_entry is not None for e in entries] == [True] * 9
    assert "The report's chart:" in response.content.decode()


# --- corrections --------------------------------------------------------------------------


@pytest.fixture
def published(assessment, staff, reviewer):
    return publish(assessment, staff, reviewer)


def test_correct_page_asks_for_the_note(published, reviewer, client_for):
    url = reverse("assess:correct", args=[published.pk])
    client = client_for(reviewer)
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "   "})
    assert (response.status_code, list(response.context["form"].errors)) == (200, ["text"])
    assert Assessment.objects.filter(corrects=published).count() == 0
    response = client.post(url, {"text": "Criterion 3 cites the wrong plan."})
    correction = Assessment.objects.get(corrects=published)
    assert response["Location"] == reverse("assess:detail", args=[correction.pk])
    # A second reopening goes to the correction in the works.
    assert client.post(url, {"text": "Again"})["Location"] == response["Location"]


def test_staff_see_the_correction_with_its_note(published, staff, reviewer, client_for):
    correction = workflow.start_correction(assessment=published, user=reviewer, note="Fix 3")
    client = client_for(staff)
    home = client.get(reverse("assess:home")).content.decode()
    assert "Public correction note: Fix 3" in home
    detail = client.get(reverse("assess:detail", args=[correction.pk]))
    assert (detail.context["corrected"], detail.context["editable"]) == (published, True)
    old = client.get(reverse("assess:detail", args=[published.pk]))
    assert old.context["open_correction"] == correction


def test_city_page_shows_the_published_one_with_the_note_then_the_correction(
    published, staff, reviewer, client_for
):
    city_url = reverse("cities:detail", args=[published.office.city.slug])
    public = client_for(None)
    correction = workflow.start_correction(assessment=published, user=reviewer, note="Fix 3")
    page = public.get(city_url)
    html = page.content.decode()
    assert "A correction is being prepared:</strong> Fix 3" in html
    assert f'id="self-{published.pk}"' in html

    entry = correction.entries.select_related("assessment").get(criterion__number=3)
    data = {**complete_data("Corrected"), "level": 3}
    workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=staff)
    workflow.submit(assessment=correction, user=staff)
    workflow.publish(assessment=correction, user=reviewer)
    correction.refresh_from_db()
    html = public.get(city_url).content.decode()
    day = correction.published_at
    assert "A correction is being prepared" not in html
    assert f'id="self-{correction.pk}"' in html
    assert f'id="self-{published.pk}"' not in html
    assert "Corrected on " in html and "Fix 3" in html
    assert day is not None
    # The earlier version stays readable by the office, marked superseded.
    old = client_for(staff).get(reverse("assess:detail", args=[published.pk]))
    assert old.context["assessment"].status == Assessment.Status.SUPERSEDED


def test_staff_can_edit_and_submit_a_correction(published, staff, reviewer, client_for):
    correction = workflow.start_correction(assessment=published, user=reviewer, note="Fix 3")
    entry = correction.entries.get(criterion__number=3)
    client = client_for(staff)
    response = client.post(
        reverse("assess:criterion", args=[correction.pk, 3]),
        entry_post(entry, strengths="Corrected strengths."),
    )
    assert response.status_code == 302
    assert workflow.submit(assessment=correction, user=staff) == []
    assert ReviewComment.objects.filter(assessment=correction).count() == 0


def test_review_of_a_correction_shows_what_changed_since_the_published_one(
    published, staff, reviewer, client_for
):
    correction = workflow.start_correction(assessment=published, user=reviewer, note="Fix 3")
    entry = correction.entries.select_related("assessment").get(criterion__number=3)
    data = {**complete_data("Corrected"), "level": 3}
    workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=staff)
    workflow.submit(assessment=correction, user=staff)
    page = client_for(reviewer).get(reverse("assess:review", args=[correction.pk]))
    assert [e.criterion.number for e in page.context["entries"] if e.since_return] == [3]
    html = page.content.decode()
    assert "Changed since the published version" in html
    assert "Public correction note: Fix 3" in " ".join(html.split())


def test_reply_page_links_back_only_to_this_assessment(note, staff, client_for):
    url = _url("assess:comment-reply", note)
    client = client_for(staff)
    for target in ("javascript:alert(1)", "https://evil.example/", "/cities/"):
        assert client.get(url, {"next": target}).context["next"] == ""
    here = reverse("assess:criterion", args=[note.assessment_id, 6])
    assert client.get(url, {"next": here}).context["next"] == here
