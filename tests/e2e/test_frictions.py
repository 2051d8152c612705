"""The small frictions of issue 15 (item 8), seen in the browser: one name per criterion in
the side navigation and the titles, the "why does this not apply" box only when chosen (also
without JavaScript), change since last cycle by field with the unchanged folded away, and no
start form while a draft is open."""

import re

import pytest

from assessments import workflow
from assessments.models import Assessment, Entry
from cities.models import Office
from criteria.models import Criterion

from . import helpers
from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Fictional: the office has no say over schools."


@pytest.fixture
def staff(report):
    helpers.seed_demo()
    return helpers.office_staff("staff-northvale", helpers.NORTHVALE)


@pytest.fixture
def draft(staff):
    """Northvale's next cycle, started from its last published one as the app offers."""
    office = Office.objects.get(slug=helpers.NORTHVALE)
    last = Assessment.objects.published().filter(office=office, kind="self").order_by("-cycle")
    return workflow.start_assessment(
        office=office, cycle=helpers.CYCLE, user=staff, prefill_from=last.first()
    )


def _url(assessment, number):
    return f"/assess/{assessment.pk}/criteria/{number}/"


def test_criterion_names_are_the_same_in_navigation_heading_and_title(
    page, staff, draft, assert_accessible
):
    log_in(page, "staff-northvale")
    short = dict(Criterion.objects.values_list("number", "short_title"))
    for number in (1, 3, 9):
        page.goto(_url(draft, number))
        nav = page.locator(".criteria-nav a[aria-current=page] .criterion-name").inner_text()
        heading = page.get_by_role("heading", level=1).locator(".criterion-name").inner_text()
        assert nav == heading == f"{number}. {short[number]}"
        assert page.title().startswith(f"{number}. {short[number]} · ")
    assert_accessible(page)
    # The overview, the submit page and the history name criteria the same way.
    page.goto(f"/assess/{draft.pk}/")
    names = page.locator("table").first.get_by_role("rowheader").all_inner_texts()
    assert names == [f"{n}. {short[n]}" for n in range(1, 10)]
    page.goto(f"/assess/{draft.pk}/submit/")
    assert page.get_by_role("link", name=f"3. {short[3]}", exact=True).count() == 1


def test_reason_box_only_when_it_does_not_apply_and_keeps_its_text(
    page, staff, draft, assert_accessible
):
    log_in(page, "staff-northvale")
    page.goto(_url(draft, 4))
    reason = page.get_by_label("Why does this criterion not apply?")
    assert reason.is_hidden()
    page.get_by_label("No, it does not apply: explain why").check()
    assert reason.is_visible()
    reason.fill(REASON)
    assert_accessible(page)
    page.get_by_label("Yes: rate it below").check()
    assert reason.is_hidden()
    page.get_by_label("No, it does not apply: explain why").check()
    assert reason.input_value() == REASON  # switching back and forth loses nothing


def test_reason_box_works_without_javascript(browser, live_server, staff, draft):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, "staff-northvale")
        page.goto(_url(draft, 4))
        reason = page.get_by_label("Why does this criterion not apply?")
        assert reason.is_hidden()
        page.get_by_label("No, it does not apply: explain why").check()
        assert reason.is_visible()
        reason.fill(REASON)
        helpers.follow(page.get_by_role("button", name="Save draft"))
        entry = Entry.objects.get(assessment=draft, criterion__number=4)
        assert (entry.applicability, entry.justification) == ("not-applicable", REASON)
        assert page.get_by_label("Why does this criterion not apply?").input_value() == REASON
    finally:
        context.close()


def test_change_since_last_cycle_names_fields_and_folds_the_unchanged(
    page, staff, draft, assert_accessible
):
    entry = Entry.objects.select_related("assessment").get(assessment=draft, criterion__number=3)
    data = {**workflow.entry_state(entry)[0], "level": 4, "evidence": []}
    assert workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=staff).saved
    log_in(page, "staff-northvale")
    page.goto(f"/assess/{draft.pk}/")
    changes = page.locator("section[aria-labelledby=change-heading]")
    visible = changes.locator(":scope > .change-row")
    name = Criterion.objects.get(number=3).short_title
    assert visible.locator("h3").all_inner_texts() == [f"3. {name}"]
    assert visible.locator(".change-note").inner_text() == "Changed: level, evidence."
    folded = changes.locator("details.unchanged-criteria")
    assert folded.locator("summary").inner_text() == "8 criteria unchanged"
    assert folded.get_attribute("open") is None
    assert folded.locator(".change-row").first.is_hidden()
    folded.locator("summary").click()
    assert folded.locator(".change-note").all_inner_texts() == ["Nothing changed."] * 8
    assert_accessible(page)


def test_no_start_form_while_a_draft_is_open(page, staff, draft, assert_accessible):
    log_in(page, "staff-northvale")
    page.goto("/assess/")
    assert page.locator("form.start-form").count() == 0
    assert page.locator(".open-draft").inner_text() == (
        f"The {helpers.CYCLE} self-assessment is open as a draft: finish and submit it before "
        f"starting another. Continue the {helpers.CYCLE} draft"
    )
    helpers.follow(page.get_by_role("link", name=f"Continue the {helpers.CYCLE} draft"))
    assert page.url.endswith(f"/assess/{draft.pk}/")
    assert_accessible(page)
    assert re.search(r"self-assessment", page.title())
