"""The workspace pages: what they show and what their buttons do."""

import pytest
from django.urls import reverse

from assessments import history, workflow
from assessments.models import Assessment, Entry, EvidenceLink, ReviewComment
from criteria.models import Criterion

from .. import factories
from .helpers import complete_data, entry_post, fill, publish


def _criterion_url(assessment, number):
    return reverse("assess:criterion", args=[assessment.pk, number])


def test_home_lists_offices_assessments_and_completeness(assessment, staff, office, client_for):
    fill(assessment, staff, skip={2, 5, 8})
    response = client_for(staff).get(reverse("assess:home"))
    [item] = response.context["offices"]
    [row] = item["rows"]
    assert (item["office"], row["assessment"]) == (office, assessment)
    assert (row["completeness"].done, row["completeness"].total) == (6, 9)
    body = response.content.decode()
    assert "6 of 9 criteria done" in body
    # While the draft is open, a sentence and a link to it instead of the start form.
    assert (item["form"], item["draft"]) == (None, assessment)
    assert "The 2025 self-assessment is open as a draft" in body
    assert (
        f'href="{reverse("assess:detail", args=[assessment.pk])}">Continue the 2025 draft' in body
    )
    assert 'action="/assess/start/"' not in body


def test_home_offers_start_form_without_open_draft(office, staff, client_for):
    factories.make_assessment(office, cycle=2024, status="published")
    response = client_for(staff).get(reverse("assess:home"))
    [item] = response.context["offices"]
    assert item["draft"] is None
    assert item["form"].initial["cycle"] >= 2025
    assert "open as a draft" not in response.content.decode()


def test_start_refused_while_a_draft_is_open(assessment, office, staff, client_for):
    client = client_for(staff)
    response = client.post(reverse("assess:start"), {"office": office.pk, "cycle": 2026})
    assert response.status_code == 302
    assert response["Location"] == reverse("assess:home")
    page = client.get(response["Location"]).content.decode()
    assert (
        "This office already has a self-assessment in draft (2025). Finish and submit it, "
        "or withdraw it, before starting another."
    ) in page
    assert list(Assessment.objects.filter(office=office).values_list("cycle", flat=True)) == [2025]


def test_start_assessment_refused_while_a_draft_is_open(assessment, office, staff):
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.start_assessment(office=office, cycle=2026, user=staff)
    assert str(refused.value) == (
        "This office already has a self-assessment in draft (2025). Finish and submit it, "
        "or withdraw it, before starting another."
    )
    workflow.withdraw(assessment=assessment, user=staff)
    assert workflow.start_assessment(office=office, cycle=2026, user=staff).cycle == 2026


def test_home_viewer_gets_no_start_form(viewer, client_for):
    response = client_for(viewer).get(reverse("assess:home"))
    assert [item["form"] for item in response.context["offices"]] == [None]


def test_home_shows_the_review_decision(assessment, staff, reviewer, client_for):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    workflow.return_to_office(assessment=assessment, user=reviewer, comment="More sources.")
    response = client_for(staff).get(reverse("assess:home"))
    row = response.context["offices"][0]["rows"][0]
    assert row["decision"].decision == "returned"
    assert "Returned to the office" in response.content.decode()


def test_start_creates_draft_and_opens_criterion_one(office, staff, client_for):
    response = client_for(staff).post(reverse("assess:start"), {"office": office.pk, "cycle": 2025})
    created = Assessment.objects.get(office=office)
    assert response["Location"] == _criterion_url(created, 1)
    assert (created.cycle, created.status, created.entries.count()) == (2025, "draft", 9)


def test_start_prefilled_from_published_cycle(assessment, office, staff, reviewer, client_for):
    published = publish(assessment, staff, reviewer, levels=[1, 2, 3, 4, 0, 1, 2, 3, 4])
    response = client_for(staff).post(
        reverse("assess:start"),
        {"office": office.pk, "cycle": 2026, "prefill_from": published.pk},
    )
    new = Assessment.objects.get(office=office, cycle=2026)
    assert response.status_code == 302
    assert [e.level for e in new.entries.order_by("criterion__number")] == [
        1,
        2,
        3,
        4,
        0,
        1,
        2,
        3,
        4,
    ]


def test_start_existing_cycle_shows_error(office, staff, client_for):
    factories.make_assessment(office, cycle=2025, status="published")
    response = client_for(staff).post(reverse("assess:start"), {"office": office.pk, "cycle": 2025})
    form = response.context["offices"][0]["form"]
    assert response.status_code == 200
    assert form.errors == {"cycle": ["This office already has a self-assessment for 2025."]}


def test_criterion_page_shows_definition_questions_and_rubric(assessment, staff, client_for):
    response = client_for(staff).get(_criterion_url(assessment, 2))
    criterion = Criterion.objects.get(number=2)
    choices = response.context["form"].fields["level"].choices
    assert [value for value, _label in choices] == ["", 0, 1, 2, 3, 4]
    body = response.content.decode()
    assert criterion.definition in body
    assert all(q.text.replace("'", "&#x27;") in body for q in criterion.questions.all())
    assert body.count('name="level"') == 6
    assert 'data-unsaved-warning="' in body
    assert "js/assess-form.js" in body


def test_criterion_side_navigation_shows_done_as_text(assessment, staff, client_for):
    fill(assessment, staff, skip={3})
    response = client_for(staff).get(_criterion_url(assessment, 3))
    nav = [(e.criterion.number, bool(e.missing)) for e in response.context["entries"]]
    assert nav == [(n, n == 3) for n in range(1, 10)]
    body = response.content.decode()
    assert body.count("✓</span> Done") == 8 + 0  # the page's own entry is not done
    assert body.count("○</span> To do") == 2  # in the navigation and under the heading


def test_save_draft_stays_on_the_page(assessment, staff, client_for):
    entry = assessment.entries.get(criterion__number=4)
    client = client_for(staff)
    response = client.post(_criterion_url(assessment, 4), entry_post(entry, level="3"))
    assert response["Location"] == _criterion_url(assessment, 4)
    stored = Entry.objects.get(pk=entry.pk)
    assert (stored.level, stored.strengths, stored.version) == (3, "We have a plan.", 2)
    page = client.get(_criterion_url(assessment, 4))
    assert page.context["form"].initial["base_version"] == 2


def test_save_and_next_goes_to_next_criterion_then_submit(assessment, staff, client_for):
    client = client_for(staff)
    e4 = assessment.entries.get(criterion__number=4)
    e9 = assessment.entries.get(criterion__number=9)
    four = client.post(_criterion_url(assessment, 4), entry_post(e4, action="next"))
    nine = client.post(_criterion_url(assessment, 9), entry_post(e9, action="next"))
    assert four["Location"] == _criterion_url(assessment, 5)
    assert nine["Location"] == reverse("assess:submit", args=[assessment.pk])


def test_add_link_saves_and_shows_an_empty_row(assessment, staff, client_for):
    entry = assessment.entries.get(criterion__number=1)
    client = client_for(staff)
    link = {"url": "https://example.org/a", "title": "A", "checked_on": ""}
    response = client.post(
        _criterion_url(assessment, 1), entry_post(entry, links=[link], action="add-link")
    )
    assert response["Location"] == _criterion_url(assessment, 1) + "?links=1#evidence"
    page = client.get(response["Location"])
    formset = page.context["formset"]
    assert [f.initial.get("url") for f in formset.forms] == ["https://example.org/a", None]


def test_criterion_bad_extra_rows_query_is_ignored(assessment, staff, client_for):
    page = client_for(staff).get(_criterion_url(assessment, 1) + "?links=9999")
    assert page.status_code == 200
    assert len(page.context["formset"].forms) == 1


def test_removing_a_link(assessment, staff, client_for):
    entry = assessment.entries.get(criterion__number=1)
    data = {**complete_data(), "evidence": [{"url": "https://example.org/a", "title": "A"}]}
    workflow.save_entry(entry=entry, data=data, base_version=1, user=staff)
    link = {"url": "https://example.org/a", "title": "A", "checked_on": "", "DELETE": "on"}
    entry.refresh_from_db()
    client_for(staff).post(_criterion_url(assessment, 1), entry_post(entry, links=[link]))
    assert EvidenceLink.objects.filter(entry=entry).count() == 0


def test_conflict_page_shows_both_texts_and_keeps_mine(assessment, office, staff, client_for):
    colleague = factories.make_user("colleague", office=office)
    entry = assessment.entries.get(criterion__number=2)
    mine, theirs = client_for(staff), client_for(colleague)
    # Both open the page at version 1; the colleague saves first.
    theirs.post(_criterion_url(assessment, 2), entry_post(entry, strengths="Their careful text"))

    response = mine.post(_criterion_url(assessment, 2), entry_post(entry, strengths="My own text"))

    assert response.status_code == 409
    conflict = response.context["conflict"]
    assert [(f.name, f.theirs, f.mine, f.resolution) for f in conflict["fields"]] == [
        ("strengths", "Their careful text", "My own text", "both"),
    ]
    assert conflict["by"] == colleague
    form = response.context["form"]
    assert (form.data["strengths"], form.data["base_version"]) == ("My own text", "2")
    body = response.content.decode()
    assert "Their careful text" in body and "My own text" in body
    assert "colleague saved this criterion after you opened it." in body
    assert Entry.objects.get(pk=entry.pk).strengths == "Their careful text"
    # Saving again from the form as shown is a deliberate overwrite and succeeds.
    again = mine.post(_criterion_url(assessment, 2), form.data)
    assert again.status_code == 302
    assert Entry.objects.get(pk=entry.pk).strengths == "My own text"


def test_submit_page_lists_missing_criteria_with_links(assessment, staff, client_for):
    fill(assessment, staff, skip={6})
    response = client_for(staff).post(reverse("assess:submit", args=[assessment.pk]))
    assert response.status_code == 200
    assert [e.criterion.number for e in response.context["missing"]] == [6]
    body = response.content.decode()
    title = Criterion.objects.get(number=6).short_title
    assert f'<a href="{_criterion_url(assessment, 6)}">6. {title}</a>' in body
    assert "needs a level, current strengths, opportunities" in body
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


def test_submit_complete_goes_to_learn_page(assessment, staff, client_for):
    fill(assessment, staff, levels=[3, 3, 3, 0, 3, 3, 3, 3, 3])
    client = client_for(staff)
    response = client.post(reverse("assess:submit", args=[assessment.pk]))
    assert response["Location"] == reverse("assess:learn", args=[assessment.pk])
    learn = client.get(response["Location"])
    assert [e.criterion.number for e in learn.context["weakest"]] == [4, 1, 2]
    population = Criterion.objects.get(number=4)
    body = learn.content.decode()
    for example in population.examples.select_related("office__city"):
        assert example.office.get_absolute_url() in body


def test_detail_shows_change_since_last_cycle(office, staff, reviewer, client_for):
    old = workflow.start_assessment(office=office, cycle=2024, user=staff)
    publish(old, staff, reviewer, levels=[1] * 9)
    new = workflow.start_assessment(
        office=office, cycle=2025, user=staff, prefill_from=Assessment.objects.get(pk=old.pk)
    )
    entry = new.entries.select_related("assessment").get(criterion__number=3)
    workflow.save_entry(
        entry=entry, data=complete_data("Grown", level=3), base_version=1, user=staff
    )

    response = client_for(staff).get(reverse("assess:detail", args=[new.pk]))

    rows = response.context["rows"]
    assert response.context["previous"].pk == old.pk
    assert [(r["previous"].level, r["entry"].level) for r in rows][2] == (1, 3)
    assert [r["changed"] for r in rows] == [[]] * 2 + [["level", "strengths", "opportunities"]] + [
        []
    ] * 6
    assert [r["entry"].criterion.number for r in response.context["changed_rows"]] == [3]
    body = response.content.decode()
    assert "Changed: level, strengths, opportunities." in body
    assert "8 criteria unchanged" in body
    assert "Grown: strengths" in body and "Fictional text: strengths" in body
    assert reverse("reports:scorecard", args=[new.pk]) in body


def test_detail_published_offers_next_cycle(assessment, staff, reviewer, client_for):
    published = publish(assessment, staff, reviewer)
    client = client_for(staff)
    page = client.get(reverse("assess:detail", args=[published.pk]))
    assert page.context["can_open_next"] is True
    response = client.post(reverse("assess:next-cycle", args=[published.pk]))
    new = Assessment.objects.get(office=published.office, cycle=2026)
    assert response["Location"] == reverse("assess:detail", args=[new.pk])
    assert new.entries.filter(strengths="Fictional text: strengths").count() == 9
    again = client.post(reverse("assess:next-cycle", args=[published.pk]))
    assert again["Location"] == reverse("assess:detail", args=[new.pk])
    assert Assessment.objects.filter(office=published.office).count() == 2


def test_history_lists_who_when_what(assessment, staff, reviewer, client_for):
    fill(assessment, staff, skip=set(range(2, 10)))
    response = client_for(reviewer).get(reverse("assess:history", args=[assessment.pk]))
    kinds = [(e["kind"], e["user"]) for e in response.context["events"]]
    assert sorted(kinds, key=str) == sorted(
        [("saved", staff), ("created", staff), ("started", staff)], key=str
    )
    body = response.content.decode()
    assert "1. Clearly defined, public mandate: saved" in body
    assert "level, strengths, opportunities changed" in body


def test_diff_page_shows_word_changes(assessment, staff, client_for):
    entry = assessment.entries.select_related("assessment").get(criterion__number=2)
    workflow.save_entry(entry=entry, data=complete_data("Before"), base_version=1, user=staff)
    workflow.save_entry(entry=entry, data=complete_data("After"), base_version=2, user=staff)
    revs = history.revisions(assessment=assessment)
    url = reverse("assess:diff", args=[assessment.pk])
    response = client_for(staff).get(
        url, {"old": revs[1].record.history_id, "new": revs[2].record.history_id}
    )
    body = response.content.decode()
    assert [d.criterion.number for d in response.context["changed"]] == [2]
    assert '<del><span class="visually-hidden">removed: </span>Before:</del>' in body
    assert '<ins><span class="visually-hidden">added: </span>After:</ins>' in body


@pytest.mark.parametrize("query", [{"old": "x", "new": "1"}, {"old": "999999", "new": "1"}])
def test_diff_bad_versions_show_a_message(assessment, staff, client_for, query):
    response = client_for(staff).get(reverse("assess:diff", args=[assessment.pk]), query)
    assert response.status_code == 200
    assert response.context["compared"] is False
    assert "These versions could not be compared" in response.content.decode()


def test_review_comment_return_and_staff_sees_comment(assessment, staff, reviewer, client_for):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    rc = client_for(reviewer)
    rc.post(
        reverse("assess:review-comment", args=[assessment.pk]),
        {"criterion": "5", "c5": "Name your data sources."},
    )
    rc.post(reverse("assess:review-return", args=[assessment.pk]), {"text": "Nearly there."})

    stored = Assessment.objects.get(pk=assessment.pk)
    comments = list(ReviewComment.objects.filter(assessment=assessment).order_by("pk"))
    assert stored.status == "draft"
    assert [(c.criterion_id and c.criterion.number, c.decision, c.text) for c in comments] == [
        (5, "comment", "Name your data sources."),
        (None, "returned", "Nearly there."),
    ]
    page = client_for(staff).get(_criterion_url(assessment, 5))
    assert [c.text for c in page.context["comments"]] == ["Name your data sources."]
    detail = client_for(staff).get(reverse("assess:detail", args=[assessment.pk]))
    assert detail.context["decision"].text == "Nearly there."


def test_review_empty_comment_is_an_error(assessment, staff, reviewer, client_for):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    response = client_for(reviewer).post(
        reverse("assess:review-comment", args=[assessment.pk]),
        {"criterion": "5", "c5": "  "},
    )
    assert response.status_code == 200
    assert response.context["comment_form"].errors == {
        "c5": ["This field holds only spaces. Write some text or leave it empty."]
    }
    assert ReviewComment.objects.count() == 0


def test_review_queue_lists_submitted_only(office, staff, reviewer, client_for):
    submitted = factories.make_assessment(office, cycle=2024, status="submitted")
    factories.make_assessment(office, cycle=2023, status="draft")
    response = client_for(reviewer).get(reverse("assess:review-queue"))
    assert [r["assessment"] for r in response.context["rows"]] == [submitted]


def _previous_cycles(office, n):
    for i in range(n):
        factories.make_assessment(office, cycle=2000 + i, status="published", levels=[2] * 9)


@pytest.mark.parametrize("n", [1, 20])
def test_criterion_page_queries_do_not_grow(
    assessment, office, staff, client_for, django_assert_max_num_queries, n
):
    _previous_cycles(office, n)
    entry = assessment.entries.get(criterion__number=1)
    EvidenceLink.objects.bulk_create(
        EvidenceLink(entry=entry, url=f"https://example.org/{i}", title=f"L{i}") for i in range(n)
    )
    client = client_for(staff)
    # Two of them for the review conversation: the open comments of every criterion (side
    # navigation) and whether the user may reply; one for a perspectives round; three for
    # the criterion's actions (earlier ones, this cycle's, whether the user may plan).
    with django_assert_max_num_queries(21):
        response = client.get(_criterion_url(assessment, 1))
    assert len(response.context["formset"].forms) == n


@pytest.mark.parametrize("n", [1, 20])
def test_criterion_post_queries_do_not_grow(
    assessment, office, staff, client_for, django_assert_max_num_queries, n
):
    _previous_cycles(office, n)
    entry = assessment.entries.get(criterion__number=1)
    links = [
        {"url": f"https://example.org/{i}", "title": f"L{i}", "checked_on": ""} for i in range(n)
    ]
    workflow.save_entry(
        entry=Entry.objects.select_related("assessment").get(pk=entry.pk),
        data={**complete_data(), "evidence": [{**link, "checked_on": None} for link in links]},
        base_version=1,
        user=staff,
    )
    entry.refresh_from_db()
    client = client_for(staff)
    with django_assert_max_num_queries(22):
        client.post(_criterion_url(assessment, 1), entry_post(entry, links=links))
    assert Entry.objects.get(pk=entry.pk).version == 3


@pytest.mark.parametrize("n", [1, 20])
def test_home_queries_do_not_grow(office, staff, client_for, django_assert_max_num_queries, n):
    _previous_cycles(office, n)
    client = client_for(staff)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("assess:home"))
    assert len(response.context["offices"][0]["rows"]) == n


@pytest.mark.parametrize("n", [1, 20])
def test_detail_and_learn_queries_do_not_grow(
    assessment, office, staff, client_for, django_assert_max_num_queries, n
):
    _previous_cycles(office, n)
    fill(assessment, staff)
    for entry in assessment.entries.all()[:n]:  # evidence, as many items as cycles
        factories.make_evidence_file(entry)
    client = client_for(staff)
    # 14, plus the evidence of both cycles for "change since the last cycle" and the list.
    # And two for the plan: this cycle's actions, whether the user may add one.
    with django_assert_max_num_queries(18):
        client.get(reverse("assess:detail", args=[assessment.pk]))
    with django_assert_max_num_queries(9):
        client.get(reverse("assess:learn", args=[assessment.pk]))


@pytest.mark.parametrize("n", [1, 20])
def test_review_queue_queries_do_not_grow(
    reviewer, client_for, django_assert_max_num_queries, n, report
):
    for _ in range(n):
        factories.make_assessment(factories.make_office(), status="submitted")
    client = client_for(reviewer)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("assess:review-queue"))
    assert len(response.context["rows"]) == n


@pytest.mark.parametrize("n", [1, 20])
def test_history_and_diff_queries_do_not_grow(
    assessment, staff, reviewer, client_for, django_assert_max_num_queries, n
):
    entry = assessment.entries.select_related("assessment").get(criterion__number=1)
    for i in range(n):
        workflow.save_entry(
            entry=entry, data=complete_data(f"Round {i}"), base_version=i + 1, user=staff
        )
    client = client_for(reviewer)
    # One more than before: whether the person may restore (can_edit), once per page.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("assess:history", args=[assessment.pk]))
    assert len(response.context["events"]) == n + 2
    # And the reviewer's memberships: access.can_read asks them before groups, which spares
    # a query on every page of the office's own staff.
    with django_assert_max_num_queries(10):
        client.get(reverse("assess:diff", args=[assessment.pk]))


@pytest.mark.parametrize("n", [1, 20])
def test_review_page_queries_do_not_grow(
    assessment, staff, reviewer, client_for, django_assert_max_num_queries, n
):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    for i in range(n):
        workflow.add_comment(assessment=assessment, user=reviewer, text=f"Note {i}")
    client = client_for(reviewer)
    # 8, plus one looking for the office's previous published cycle and one for the
    # report's chart of its city (none here), one for a perspectives round, and the
    # reviewer's memberships (access.can_read asks them before groups).
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assess:review", args=[assessment.pk]))
    assert len(response.context["general_comments"]) == n


def test_home_suggests_the_next_free_cycle(office, staff, client_for):
    factories.make_assessment(office, cycle=2090, status="published")
    response = client_for(staff).get(reverse("assess:home"))
    assert response.context["offices"][0]["form"].initial["cycle"] == 2091


def test_restore_brings_back_an_earlier_version_as_a_new_one(assessment, staff, client_for):
    entry = assessment.entries.get(criterion__number=4)
    link = {"url": "https://example.org/plan", "title": "Plan", "checked_on": None}
    first = workflow.save_entry(
        entry=entry,
        data={**_restore_data("First text"), "evidence": [link]},
        base_version=1,
        user=staff,
    )
    workflow.save_entry(entry=entry, data=_restore_data("Second text"), base_version=2, user=staff)
    record = entry.history.filter(version=first.entry.version).get()

    response = client_for(staff).post(
        reverse("assess:restore", args=[assessment.pk, record.history_id])
    )

    assert response["Location"] == reverse("assess:criterion", args=[assessment.pk, 4])
    restored = Entry.objects.get(pk=entry.pk)
    assert (restored.strengths, restored.version) == ("First text", 4)
    assert [link.title for link in restored.evidence.all()] == ["Plan"]
    # Nothing in between is lost: the history holds all four versions.
    assert list(entry.history.order_by("history_id").values_list("strengths", flat=True)) == [
        "",
        "First text",
        "Second text",
        "First text",
    ]


def _restore_data(text):
    return {
        "applicability": "assessed",
        "level": 2,
        "justification": "",
        "strengths": text,
        "opportunities": text,
        "evidence": [],
    }


def test_withdraw_leaves_the_list_and_a_reviewer_brings_it_back(
    assessment, staff, reviewer, client_for
):
    office_staff, review = client_for(staff), client_for(reviewer)

    response = office_staff.post(reverse("assess:withdraw", args=[assessment.pk]))

    assert response["Location"] == reverse("assess:home")
    home = office_staff.get(reverse("assess:home"))
    assert home.context["offices"][0]["rows"] == []
    assert review.get(reverse("assess:home")).context["withdrawn"] == [assessment]
    detail = review.get(reverse("assess:detail", args=[assessment.pk]))
    assert detail.context["can_reinstate"] is True
    back = review.post(reverse("assess:reinstate", args=[assessment.pk]))
    assert back["Location"] == reverse("assess:detail", args=[assessment.pk])
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


def test_review_comments_on_two_criteria_are_saved_together(
    assessment, staff, reviewer, client_for
):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    response = client_for(reviewer).post(
        reverse("assess:review-comment", args=[assessment.pk]),
        {"criterion": "6", "c6": "Who funds this?", "c9": "Which evaluation?"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("assess:review", args=[assessment.pk]) + "#criterion-6"
    assert list(
        ReviewComment.objects.filter(assessment=assessment)
        .order_by("pk")
        .values_list("criterion__number", "text")
    ) == [(6, "Who funds this?"), (9, "Which evaluation?")]


def test_review_comment_error_keeps_every_typed_box(assessment, staff, reviewer, client_for):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    response = client_for(reviewer).post(
        reverse("assess:review-comment", args=[assessment.pk]),
        {"criterion": "6", "c6": "", "c9": "Which evaluation?"},
    )
    assert response.status_code == 200
    assert response.context["comment_form"].errors == {"c6": ["This field is required."]}
    assert response.context["entries"][8].comment_field.value() == "Which evaluation?"
    assert ReviewComment.objects.count() == 0


def test_resubmission_is_marked_in_the_queue_with_changes_since_return(
    assessment, staff, reviewer, client_for
):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    workflow.return_to_office(assessment=assessment, user=reviewer, comment="See 4.")
    entry = assessment.entries.get(criterion__number=4)
    data = complete_data(level=entry.level)
    data["opportunities"] = entry.opportunities
    data["strengths"] = "Rewritten after the return."
    workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=staff)
    workflow.submit(assessment=assessment, user=staff)
    rc = client_for(reviewer)

    queue = rc.get(reverse("assess:review-queue"))
    page = rc.get(reverse("assess:review", args=[assessment.pk]))

    assert [r["assessment"].resubmitted for r in queue.context["rows"]] == [True]
    assert "Resubmitted after return" in queue.content.decode()
    changed = {e.criterion.number: e.since_return for e in page.context["entries"]}
    assert [n for n, d in changed.items() if d] == [4]
    assert [f[0] for f in changed[4].fields] == ["strengths"]
    assert changed[4].fields[0][2] == "Rewritten after the return."


def test_overview_counts_reviewer_comments_per_criterion(assessment, staff, reviewer, client_for):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    criterion = Criterion.objects.get(number=2)
    for text in ("Name the partners.", "And their roles."):
        workflow.add_comment(assessment=assessment, user=reviewer, criterion=criterion, text=text)
    workflow.return_to_office(assessment=assessment, user=reviewer, comment="See 2.")

    page = client_for(staff).get(reverse("assess:detail", args=[assessment.pk]))

    assert [r["comments"] for r in page.context["rows"]] == [0, 2, 0, 0, 0, 0, 0, 0, 0]
    assert "2 open comments" in page.content.decode()


def test_publish_without_the_confirmation_box_publishes_nothing(
    assessment, staff, reviewer, client_for
):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    response = client_for(reviewer).post(
        reverse("assess:review-publish", args=[assessment.pk]), {"text": "Fine."}
    )
    assert response.status_code == 200
    assert response.context["decision_form"].errors == {"confirm": ["This field is required."]}
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"
    assert ReviewComment.objects.filter(assessment=assessment).count() == 0


def test_review_page_shows_the_previous_published_level(office, staff, reviewer, client_for):
    factories.make_assessment(office, cycle=2023, status="published", levels=[3] * 9)
    current = factories.make_assessment(office, cycle=2024, status="submitted", levels=[2] * 9)

    page = client_for(reviewer).get(reverse("assess:review", args=[current.pk]))

    assert page.context["previous"].cycle == 2023
    assert [e.previous_entry.level for e in page.context["entries"]] == [3] * 9
    assert page.content.decode().count("Level in 2023") == 9
