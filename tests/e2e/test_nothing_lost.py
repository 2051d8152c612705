"""Nothing typed is ever lost: conflicts over every field, an ended session, the text limit,
a carried-over cycle, and a status change under the person (issue 15).

Each test reproduces one observation of the issue in the browser and passes because the bug
is gone. Pages are checked with axe, the conflict page and the restored page too.
"""

import datetime
import re

import pytest

from assessments import workflow
from assessments.models import Assessment, Entry
from cities.models import Office

from . import helpers
from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff(report):
    helpers.seed_demo()
    return helpers.office_staff("staff-northvale", helpers.NORTHVALE)


@pytest.fixture
def colleague(staff):
    return helpers.office_staff("colleague-northvale", helpers.NORTHVALE)


@pytest.fixture
def draft(staff):
    office = Office.objects.get(slug=helpers.NORTHVALE)
    return workflow.start_assessment(office=office, cycle=helpers.CYCLE, user=staff)


def _entry(assessment, number):
    return Entry.objects.select_related("criterion", "assessment").get(
        assessment=assessment, criterion__number=number
    )


def _url(assessment, number):
    return f"/assess/{assessment.pk}/criteria/{number}/"


def _save(entry, user, **changes):
    data = {**helpers.complete(entry), **changes}
    result = workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=user)
    assert result.saved
    return result.entry


def test_conflict_covers_evidence_and_the_reason_and_keeps_both_changes(
    page, new_page, staff, colleague, draft, assert_accessible
):
    link = {"url": "https://example.org/budget", "title": "Budget 2025", "checked_on": None}
    _save(_entry(draft, 1), staff, evidence=[link])
    _save(
        _entry(draft, 2),
        staff,
        applicability="not-applicable",
        justification="No police in the office.",
    )
    mine, theirs = page, new_page()
    log_in(mine, "staff-northvale")
    log_in(theirs, "colleague-northvale")

    # Criterion 1: they change only a link's title; I change only the opportunities.
    mine.goto(_url(draft, 1))
    theirs.goto(_url(draft, 1))
    theirs.get_by_label("Title").fill("Budget 2025, approved")
    helpers.follow(theirs.get_by_role("button", name="Save draft"))
    mine.get_by_label("Opportunities to enhance effectiveness").fill("Mine: a budget line.")
    helpers.follow(mine.get_by_role("button", name="Save draft"))

    conflict = mine.locator("section.conflict")
    assert conflict.get_by_role("heading", level=2).inner_text() == (
        "Not saved: someone else changed this criterion"
    )
    assert "colleague-northvale saved this criterion after you opened it." in (
        conflict.inner_text()
    )
    labels = [" ".join(t.split()) for t in conflict.locator("dt").all_inner_texts()]
    assert labels == [
        "Opportunities: only you changed it: the form holds yours",
        "Evidence: only they changed it: the form holds theirs",
    ]
    # The form holds their link title and my text: saving it loses neither.
    assert mine.get_by_label("Title").input_value() == "Budget 2025, approved"
    assert mine.get_by_label("Opportunities to enhance effectiveness").input_value() == (
        "Mine: a budget line."
    )
    assert_accessible(mine)
    helpers.follow(mine.get_by_role("button", name="Save this merge"))
    saved = _entry(draft, 1)
    assert [link.title for link in saved.evidence.all()] == ["Budget 2025, approved"]
    assert saved.opportunities == "Mine: a budget line."

    # Criterion 2: they change the reason for "not applicable"; I change the strengths.
    mine.goto(_url(draft, 2))
    theirs.goto(_url(draft, 2))
    theirs.get_by_label("Why does this criterion not apply?").fill("No police mandate.")
    helpers.follow(theirs.get_by_role("button", name="Save draft"))
    mine.get_by_label("Current strengths", exact=True).fill("Mine: strong partners.")
    helpers.follow(mine.get_by_role("button", name="Save draft"))
    assert mine.get_by_label("Why does this criterion not apply?").input_value() == (
        "No police mandate."
    )
    helpers.follow(mine.get_by_role("button", name="Save this merge"))
    saved = _entry(draft, 2)
    assert (saved.justification, saved.strengths) == (
        "No police mandate.",
        "Mine: strong partners.",
    )


def test_both_changed_one_text_shows_theirs_mine_and_the_word_diff(
    page, new_page, staff, colleague, draft, assert_accessible
):
    _save(_entry(draft, 3), staff, strengths="We meet every month.")
    mine, theirs = page, new_page()
    log_in(mine, "staff-northvale")
    log_in(theirs, "staff-northvale")  # the same person, in another window
    mine.goto(_url(draft, 3))
    theirs.goto(_url(draft, 3))
    theirs.get_by_label("Current strengths", exact=True).fill("We meet every week.")
    helpers.follow(theirs.get_by_role("button", name="Save draft"))
    mine.get_by_label("Current strengths", exact=True).fill("We meet every month with police.")
    helpers.follow(mine.get_by_role("button", name="Save draft"))

    conflict = mine.locator("section.conflict")
    assert conflict.get_by_role("heading", level=2).inner_text() == (
        "Not saved: you changed this criterion in another window"
    )
    diff = " ".join(conflict.locator(".diff-text").inner_text().split())
    assert diff == "We meet every removed: week. added: month with police."
    box = mine.get_by_label("Current strengths", exact=True)
    assert box.input_value() == "We meet every month with police."
    assert_accessible(mine)
    conflict.get_by_role("button", name="Keep theirs in the form").click()
    assert box.input_value() == "We meet every week."
    helpers.follow(mine.get_by_role("button", name="Save this merge"))
    assert _entry(draft, 3).strengths == "We meet every week."


def test_text_typed_before_the_session_ended_is_back_after_logging_in(
    page, staff, draft, assert_accessible
):
    log_in(page, "staff-northvale")
    page.goto(_url(draft, 4))
    page.get_by_label("Current strengths", exact=True).fill("Typed before the session ended.")
    # Another tab of the same browser logs out: the session ends under the form.
    other = page.context.new_page()
    other.goto("/")
    helpers.follow(other.get_by_role("button", name="Log out"))
    other.close()

    helpers.follow(page.get_by_role("button", name="Save draft"))
    assert "/accounts/login/" in page.url
    page.get_by_label("Username or e-mail").fill("staff-northvale")
    page.get_by_label("Password").fill("pw")
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Log in"))

    assert page.url.endswith(_url(draft, 4))
    assert page.get_by_label("Current strengths", exact=True).input_value() == (
        "Typed before the session ended."
    )
    assert (
        page.locator(".draft-restored")
        .inner_text()
        .startswith("What you typed here earlier was not saved")
    )
    assert_accessible(page)
    helpers.follow(page.get_by_role("button", name="Save draft"))
    assert _entry(draft, 4).strengths == "Typed before the session ended."
    # Saved: the browser's copy is gone, and the page shows no notice any more.
    assert page.locator(".draft-restored").count() == 0
    key = f"ovp-assess:draft:{draft.pk}:4"
    assert page.evaluate("(key) => window.localStorage.getItem(key)", key) is None


def test_text_over_the_limit_is_counted_refused_and_kept(page, staff, draft, assert_accessible):
    log_in(page, "staff-northvale")
    page.goto(_url(draft, 5))
    box = page.get_by_label("Current strengths", exact=True)
    assert box.get_attribute("maxlength") is None
    assert page.locator("#id_strengths-counter").inner_text() == "0 of 5000 characters"
    text = "x" * 5200
    box.fill(text)
    assert box.input_value() == text  # nothing cut
    assert page.locator("#id_strengths-counter").inner_text() == "5200 of 5000 characters"
    assert page.get_by_role("alert").filter(has_text="Too long").inner_text() == (
        "Too long: 200 characters more than the 5000 allowed. Shorten it before saving; "
        "nothing has been cut."
    )
    assert_accessible(page)
    helpers.follow(page.get_by_role("button", name="Save draft"))
    assert helpers.field_error(page, "Current strengths") == [
        "Ensure this value has at most 5000 characters (it has 5200)."
    ]
    assert page.get_by_label("Current strengths", exact=True).input_value() == text
    assert _entry(draft, 5).strengths == ""


def test_a_cycle_started_from_the_last_one_is_to_confirm(page, staff, assert_accessible):
    office = Office.objects.get(slug=helpers.NORTHVALE)
    last = Assessment.objects.filter(office=office, kind="self").order_by("-cycle").first()
    first = _entry(last, 1)
    checked = datetime.date(helpers.CYCLE - 1, 3, 1)
    Entry.objects.filter(pk=first.pk).update(confirmed=True)
    first.evidence.create(url="https://example.org/law", title="Law", checked_on=checked)

    log_in(page, "staff-northvale")
    page.goto("/assess/")
    start = page.locator("form.start-form")
    start.get_by_label("Start from").select_option(str(last.pk))
    helpers.follow(start.get_by_role("button", name="Start"))
    assert (
        page.locator(".carried-over")
        .inner_text()
        .startswith("This criterion was copied from last cycle and is not done yet.")
    )
    dates = [box.input_value() for box in page.get_by_label("Date last checked").all()]
    assert dates[-1] == checked.isoformat()  # copied as it was, not as today
    assert page.locator(".recheck").all_inner_texts() == (
        ["to re-check: copied from last cycle"] * len(dates)
    )
    assert_accessible(page)

    page.goto("/assess/")
    row = page.get_by_role("row", name=re.compile(rf"^{helpers.CYCLE} "))
    assert row.get_by_role("cell").nth(1).inner_text() == "0 of 9 criteria done"
    page.goto(_url(Assessment.objects.get(office=office, cycle=helpers.CYCLE), 1))
    helpers.follow(page.get_by_role("button", name="Save draft"))
    assert page.locator(".carried-over").count() == 0


def test_a_submit_under_the_person_keeps_the_text_and_a_double_click_is_no_conflict(
    page, staff, colleague, draft, assert_accessible
):
    log_in(page, "staff-northvale")
    page.goto(_url(draft, 6))
    box = page.get_by_label("Current strengths", exact=True)
    box.fill("Saved with a double click.")
    # The second click may cancel the first one's navigation (the browser then shows the
    # second answer), so wait for the answer's message rather than for one navigation.
    page.get_by_role("button", name="Save draft").dblclick()
    page.get_by_text("Criterion 6 saved as a draft.").wait_for()
    page.wait_for_load_state()
    assert page.locator("section.conflict").count() == 0
    assert _entry(draft, 6).strengths == "Saved with a double click."

    for number in range(1, 10):
        _save(_entry(draft, number), colleague)
    page.get_by_label("Current strengths", exact=True).fill("Typed while they submitted.")
    assert workflow.submit(assessment=draft, user=colleague) == []
    helpers.follow(page.get_by_role("button", name="Save draft"))

    message = " ".join(page.locator(".messages").inner_text().split())
    assert message == (
        "The assessment was submitted while you were typing, so nothing was saved. What you typed is below: copy it, and ask the reviewer to return "
        "the assessment if it must change."
    )
    assert page.get_by_label("Current strengths", exact=True).input_value() == (
        "Typed while they submitted."
    )
    assert page.get_by_role("button", name="Save draft").count() == 0
    assert_accessible(page)


def test_an_earlier_version_is_restored_from_the_history(page, staff, draft, assert_accessible):
    entry = _save(_entry(draft, 7), staff, strengths="The first wording.")
    _save(entry, staff, strengths="A wording we regret.")
    log_in(page, "staff-northvale")
    page.goto(f"/assess/{draft.pk}/history/")
    assert_accessible(page)
    helpers.follow(page.get_by_role("button", name="restore criterion 7 as in version 2"))

    assert page.url.endswith(_url(draft, 7))
    assert page.locator(".messages").inner_text().strip() == (
        "Criterion 7 is back as it was; this is saved as a new version."
    )
    assert page.get_by_label("Current strengths", exact=True).input_value() == (
        "The first wording."
    )
    page.goto(f"/assess/{draft.pk}/history/")
    assert page.get_by_role("button", name="restore criterion 7 as in version 3").is_visible()
    assert page.get_by_role("button", name="restore criterion 7 as in version 4").is_visible()


def test_a_draft_started_by_mistake_is_withdrawn_and_brought_back(
    page, new_page, staff, draft, assert_accessible
):
    log_in(page, "staff-northvale")
    page.goto(f"/assess/{draft.pk}/")
    page.get_by_text("Started this cycle by mistake?").click()
    assert_accessible(page)
    helpers.follow(page.get_by_role("button", name="Withdraw this draft"))
    assert (
        page.locator(".messages")
        .inner_text()
        .strip()
        .startswith(f"The {helpers.CYCLE} draft is withdrawn. Nothing is deleted")
    )
    assert page.get_by_role("row", name=re.compile(rf"^{helpers.CYCLE} ")).count() == 0

    reviewer = new_page()
    log_in(reviewer, "reviewer")
    reviewer.goto("/assess/")
    helpers.follow(reviewer.get_by_role("link", name=f"{draft.office.name} {helpers.CYCLE}"))
    assert_accessible(reviewer)
    helpers.follow(reviewer.get_by_role("button", name="Bring it back as a draft"))
    assert reviewer.locator(".messages").inner_text().strip() == "The assessment is a draft again."
    assert Assessment.objects.get(pk=draft.pk).status == "draft"


def test_text_survives_a_lost_connection_and_a_closed_tab(page, staff, draft, assert_accessible):
    log_in(page, "staff-northvale")
    page.goto(_url(draft, 8))
    page.get_by_label("Opportunities to enhance effectiveness").fill("Typed while offline.")
    # The connection drops as the person presses Save: the request never arrives.
    page.context.set_offline(True)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_timeout(500)
    page.context.set_offline(False)
    # The tab is closed (as after a crash); the person opens the criterion again.
    context = page.context
    page.close()
    again = context.new_page()
    again.js_errors = []
    again.on("pageerror", lambda exc: again.js_errors.append(str(exc)))
    again.goto(_url(draft, 8))

    box = again.get_by_label("Opportunities to enhance effectiveness")
    assert box.input_value() == "Typed while offline."
    assert again.locator(".draft-restored").is_visible()
    assert_accessible(again)
    helpers.follow(again.get_by_role("button", name="Save draft"))
    assert _entry(draft, 8).opportunities == "Typed while offline."
    assert again.locator(".draft-restored").count() == 0
