"""Issue 15, observation 7 end to end: a review loop that closes; and correcting a
published assessment.

The reviewer returns an assessment with comments on two criteria; the office's staff see
the open comments on the overview and in the side navigation, reply to one and resolve it,
change the criterion and submit again; the reviewer sees the reply, the resolved state and
the change. Then a published assessment is corrected: the public page keeps it, with the
reviewer's note, until the correction is published, and then shows the correction with
"corrected on".
"""

import re

import pytest
from django.contrib.auth.models import User

from assessments import workflow
from assessments.models import Assessment, ReviewComment
from cities.models import Office

from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF = "staff-port-amber"


@pytest.fixture
def submitted(report):
    helpers.seed_demo()
    staff = helpers.office_staff(STAFF, helpers.PORT_AMBER)
    return helpers.submitted_assessment(office_slug=helpers.PORT_AMBER, user=staff)


def _nav_item(page, number):
    return (
        page.get_by_role("navigation", name="The nine criteria")
        .get_by_role("listitem")
        .nth(number - 1)
    )


def test_staff_answer_and_resolve_and_the_reviewer_sees_it(
    page, new_page, submitted, assert_accessible
):
    check = assert_accessible
    helpers.sign_in(page, check, "reviewer")
    page.goto(f"/assess/{submitted.pk}/review/")
    page.get_by_label("Comment on criterion 6").fill("Who funds the office after 2027?")
    page.get_by_label("Comment on criterion 9").fill("Which evaluation, by whom?")
    helpers.follow(page.locator("#criterion-9").get_by_role("button", name="Add comment"))
    assert page.locator("#criterion-6 .open-comments").inner_text() == "1 open comment"
    page.get_by_label("Note to the office (optional)").fill("See 6 and 9.")
    helpers.follow(page.get_by_role("button", name="Return to the office"))

    # Staff: the overview marks both criteria, and so does the side navigation.
    staff = new_page()
    helpers.sign_in(staff, check, STAFF)
    staff.goto(f"/assess/{submitted.pk}/")
    marked = staff.locator(".criterion-comments")
    assert marked.all_inner_texts() == ["1 open comment", "1 open comment"]
    row = staff.get_by_role("row", name=re.compile(r"^6\."))
    assert row.locator(".criterion-comments").inner_text() == "1 open comment"
    check(staff)
    # The criterion's link (the row also offers to plan an action).
    helpers.follow(row.get_by_role("link", name=re.compile(r"^6\. ")))
    assert [
        _nav_item(staff, n).locator(".visually-hidden").all_inner_texts() for n in (5, 6, 9)
    ] == [
        [],
        ["1 open comment"],
        ["1 open comment"],
    ]
    check(staff)

    # Reply, then resolve (a reply typed with the resolve is kept too).
    comment = staff.locator(".review-comment").first
    assert "Open" in comment.inner_text()
    comment.get_by_label("Your reply").fill("The council voted a budget line until 2029.")
    helpers.follow(comment.get_by_role("button", name="Reply"))
    assert staff.get_by_role("status").first.inner_text() == "Your reply is saved."
    comment = staff.locator(".review-comment").first
    assert comment.locator(".comment-reply").inner_text().endswith("until 2029.")
    check(staff)
    helpers.follow(comment.get_by_role("button", name="Mark resolved"))
    comment = staff.locator(".review-comment").first
    assert comment.locator(".comment-state").inner_text().startswith(f"Resolved by {STAFF}, ")
    assert _nav_item(staff, 6).locator(".nav-comments").count() == 0
    assert _nav_item(staff, 9).locator(".visually-hidden").all_inner_texts() == ["1 open comment"]
    check(staff)

    # Change the criterion and submit again.
    staff.get_by_label("Current strengths").fill("A budget line voted by the council until 2029.")
    helpers.follow(staff.get_by_role("button", name="Save draft"))
    staff.goto(f"/assess/{submitted.pk}/submit/")
    helpers.follow(staff.get_by_role("main").get_by_role("button", name="Submit for review"))

    # The reviewer sees the reply, what is resolved and the change.
    page.goto("/assess/review/")
    row = page.get_by_role("row", name=re.compile("Port Amber"))
    assert "Resubmitted after return" in row.inner_text()
    helpers.follow(row.get_by_role("link", name=re.compile("Port Amber")))
    six = page.locator("#criterion-6")
    assert six.locator(".comment-reply").inner_text().endswith("until 2029.")
    assert six.locator(".comment-state").inner_text().startswith(f"Resolved by {STAFF}")
    assert six.locator(".open-comments").count() == 0
    assert six.locator(".since-return ins").all_inner_texts()[-1].endswith("2029.")
    assert page.locator("#criterion-9 .comment-state").inner_text() == "Open"
    check(page)

    # The reviewer can answer too, on the reply page.
    helpers.follow(page.locator("#criterion-9").get_by_role("link", name=re.compile("^Reply")))
    check(page)
    helpers.follow(page.get_by_role("button", name="Reply"))  # nothing typed
    assert helpers.field_error(page, "Your reply") == ["This field is required."]
    check(page)
    page.get_by_label("Your reply").fill("Any evaluation will do.")
    helpers.follow(page.get_by_role("button", name="Reply"))
    assert page.url.endswith(f"/assess/{submitted.pk}/review/#comment-{_comment_on(9).pk}")
    assert page.locator("#criterion-9 .comment-reply").inner_text().endswith("will do.")


def _comment_on(number):
    return ReviewComment.objects.get(criterion__number=number, reply_to__isnull=True)


@pytest.fixture
def published(report):
    helpers.seed_demo()
    staff = helpers.office_staff(STAFF, helpers.PORT_AMBER)
    assessment = helpers.submitted_assessment(office_slug=helpers.PORT_AMBER, user=staff)
    workflow.publish(assessment=assessment, user=User.objects.get(username="reviewer"))
    return Assessment.objects.get(pk=assessment.pk)


def test_a_published_assessment_is_corrected(page, new_page, published, assert_accessible):
    check = assert_accessible
    city_url = f"/cities/{Office.objects.get(slug=helpers.PORT_AMBER).city.slug}/"
    note = "Criterion 3 overstated the budget."

    helpers.sign_in(page, check, "reviewer")
    page.goto(f"/assess/{published.pk}/")
    helpers.follow(page.get_by_role("link", name="Correct this published assessment"))
    check(page)
    helpers.follow(page.get_by_role("button", name="Open a correction"))  # no note
    assert helpers.field_error(page, "Public correction note") == ["This field is required."]
    check(page)
    page.get_by_label("Public correction note").fill(note)
    helpers.follow(page.get_by_role("button", name="Open a correction"))
    correction = Assessment.objects.get(corrects=published)
    assert page.url.endswith(f"/assess/{correction.pk}/")
    check(page)

    # The public page keeps the published version, with the note.
    public = new_page()
    public.goto(city_url)
    assert public.locator(f"#self-{published.pk}").count() == 1
    assert public.locator(".public-correction").inner_text() == (
        f"A correction is being prepared: {note}"
    )
    check(public)
    city = Office.objects.get(slug=helpers.PORT_AMBER).city
    public.goto(f"/reports/matrix/?cities={city.slug}")
    assert public.locator(".public-correction").inner_text() == (
        f"A correction is being prepared: {note}"
    )
    check(public)
    public.goto(city_url)

    # Staff see the correction on their home page, change criterion 3 and submit.
    staff = new_page()
    helpers.sign_in(staff, check, STAFF)
    staff.goto("/assess/")
    assert f"Public correction note: {note}" in staff.get_by_role("main").inner_text()
    check(staff)
    staff.goto(f"/assess/{correction.pk}/criteria/3/")
    staff.get_by_label("Current strengths").fill("A budget of half what was first stated.")
    helpers.follow(staff.get_by_role("button", name="Save draft"))
    staff.goto(f"/assess/{correction.pk}/submit/")
    helpers.follow(staff.get_by_role("main").get_by_role("button", name="Submit for review"))

    # The reviewer publishes it, confirming.
    page.goto(f"/assess/{correction.pk}/review/")
    assert note in page.locator(".correction-note").inner_text()
    check(page)
    page.get_by_label(
        "I have read every criterion; publish this assessment on the public pages."
    ).check()
    helpers.follow(page.get_by_role("button", name="Publish"))

    # The public page now shows the correction, with its date and note.
    public.reload()
    assert public.locator(f"#self-{published.pk}").count() == 0
    assert public.locator(f"#self-{correction.pk}").count() == 1
    text = public.locator(".public-correction").inner_text()
    assert re.fullmatch(rf"Corrected on .+: {re.escape(note)}", text), text
    # The correction's column on the city page: the cells under its header.
    cells = public.locator(f'td[headers~="self-{correction.pk}"]').all_inner_texts()
    assert "half what was first stated" in " ".join(cells)
    check(public)

    # The earlier version stays in the history, for the office and the reviewer.
    page.goto(f"/assess/{published.pk}/")
    assert page.locator(".status-badge").first.inner_text() == "Superseded by a correction"
    check(page)
