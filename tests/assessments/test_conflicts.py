"""No two saves of one criterion lose a change without a conflict shown: every pair of changes
(any field, any evidence change) made from the same version, saved one after the other
through workflow.save_entry, and the merge the conflict page offers."""

import datetime
import itertools

import pytest

from assessments import conflicts, workflow
from assessments.models import Assessment, Entry, StoredFile

from .. import factories

PDF = "application/pdf"
BASE_LINKS = [
    {"url": "https://example.org/a", "title": "A", "checked_on": datetime.date(2025, 1, 1)},
    {"url": "https://example.org/b", "title": "B", "checked_on": None},
    # A file (stored already: the form stores uploads before the save).
    {
        "url": "",
        "title": "Budget",
        "checked_on": None,
        "file": StoredFile("evidence/base.pdf", "Budget.pdf", 1200, PDF),
    },
]


def _base():
    return {
        "applicability": "assessed",
        "level": 2,
        "justification": "",
        "strengths": "Base strengths",
        "opportunities": "Base opportunities",
        "evidence": [dict(link) for link in BASE_LINKS],
    }


def _level(data, who):
    data["level"] = 3 if who == "a" else 4


def _not_applicable(data, who):
    data["applicability"] = "not-applicable"
    data["justification"] = f"Reason {who}"


def _strengths(data, who):
    data["strengths"] = f"Strengths by {who}"


def _opportunities(data, who):
    data["opportunities"] = f"Opportunities by {who}"


def _link_title(data, who):
    data["evidence"][0]["title"] = f"A by {who}"


def _link_url(data, who):
    data["evidence"][0]["url"] = f"https://example.org/a-{who}"


def _link_date(data, who):
    data["evidence"][1]["checked_on"] = datetime.date(2026, 1, 2 if who == "a" else 3)


def _add_link(data, who):
    data["evidence"].append({"url": f"https://example.org/{who}", "title": who, "checked_on": None})


def _remove_link(data, who):
    del data["evidence"][1]


def _add_file(data, who):
    stored = StoredFile(f"evidence/{who}.pdf", f"{who}.pdf", 100, PDF)
    data["evidence"].append({"url": "", "title": who, "checked_on": None, "file": stored})


def _remove_file(data, who):
    del data["evidence"][2]


def _replace_file(data, who):
    data["evidence"][2]["file"] = StoredFile(f"evidence/new-{who}.pdf", "Budget.pdf", 900, PDF)


CHANGES = [
    _level,
    _not_applicable,
    _strengths,
    _opportunities,
    _link_title,
    _link_url,
    _link_date,
    _add_link,
    _remove_link,
    _add_file,
    _remove_file,
    _replace_file,
]


def _fields(state):
    values, evidence = state
    return {**values, "evidence": evidence}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change_a", "change_b"),
    list(itertools.product(CHANGES, CHANGES)),
    ids=lambda f: f.__name__.strip("_"),
)
def test_save_entry_two_saves_from_one_version_lose_nothing_silently(report, change_a, change_b):
    office = factories.make_office()
    alice = factories.make_user("alice", office=office)
    bob = factories.make_user("bob", office=office)
    assessment = workflow.start_assessment(office=office, cycle=2025, user=alice)
    entry = assessment.entries.get(criterion__number=4)
    first = workflow.save_entry(entry=entry, data=_base(), base_version=1, user=alice)
    base_version = first.entry.version
    base = workflow.requested_state(_base())
    data_a, data_b = _base(), _base()
    change_a(data_a, "a")
    change_b(data_b, "b")
    wanted_a, wanted_b = workflow.requested_state(data_a), workflow.requested_state(data_b)

    saved_a = workflow.save_entry(entry=entry, data=data_a, base_version=base_version, user=alice)
    saved_b = workflow.save_entry(entry=entry, data=data_b, base_version=base_version, user=bob)

    assert saved_a.saved
    stored = Entry.objects.get(pk=entry.pk)
    if saved_b.saved:
        # Only when Bob asked for exactly what Alice saved: nothing of either is lost.
        assert wanted_b == wanted_a == workflow.entry_state(stored)
        return
    assert saved_b.conflict
    assert workflow.entry_state(stored) == wanted_a  # Bob's save wrote nothing
    fields, merged = conflicts.conflict_for(
        entry=saved_b.entry, base_version=base_version, mine=wanted_b
    )
    shown = {f.name: f.resolution for f in fields}
    before, a, b, out = _fields(base), _fields(wanted_a), _fields(wanted_b), _fields(merged)
    for name in before:
        if a[name] == b[name]:
            assert name not in shown
            assert out[name] == a[name]
        elif b[name] == before[name]:  # only Alice changed it: the merge keeps hers
            assert (shown[name], out[name]) == (conflicts.THEIRS, a[name])
        elif a[name] == before[name]:  # only Bob changed it: the merge keeps his
            assert (shown[name], out[name]) == (conflicts.MINE, b[name])
        else:  # both changed it: shown side by side, so nothing is replaced unseen
            assert shown[name] == conflicts.BOTH
    if shown.get("evidence") == conflicts.BOTH:
        # Both edited the links: every link either of them added is in the merge.
        for link in a["evidence"] + b["evidence"]:
            if link not in before["evidence"]:
                assert link in out["evidence"]
    # Saving the merge from the version now current succeeds and stores the merge.
    values, links = merged
    data = {
        **values,
        "evidence": [
            dict(zip(("url", "title", "checked_on", "file"), link, strict=True)) for link in links
        ],
    }
    again = workflow.save_entry(
        entry=entry, data=data, base_version=saved_b.entry.version, user=bob
    )
    assert again.saved
    assert workflow.entry_state(Entry.objects.get(pk=entry.pk)) == workflow.requested_state(data)


@pytest.mark.django_db
def test_save_entry_same_save_twice_is_a_success_not_a_conflict(assessment, staff):
    entry = assessment.entries.get(criterion__number=1)
    data = {**_base(), "strengths": "Clicked twice"}

    first = workflow.save_entry(entry=entry, data=data, base_version=1, user=staff)
    second = workflow.save_entry(entry=entry, data=data, base_version=1, user=staff)

    assert (first.saved, second.saved, second.conflict) == (True, True, False)
    assert Entry.objects.get(pk=entry.pk).version == 2  # the second wrote nothing
    assert entry.history.count() == 2


@pytest.mark.django_db
def test_start_assessment_copied_entries_are_to_confirm(report, office, staff):
    earlier = workflow.start_assessment(office=office, cycle=2024, user=staff)
    for entry in earlier.entries.all():
        data = {**_base(), "strengths": f"Old {entry.pk}"}
        workflow.save_entry(entry=entry, data=data, base_version=1, user=staff)
    Assessment.objects.filter(pk=earlier.pk).update(status=Assessment.Status.PUBLISHED)

    later = workflow.start_assessment(office=office, cycle=2025, user=staff, prefill_from=earlier)
    entries = list(later.entries.select_related("criterion"))

    assert workflow.completeness(entries=entries).done == 0
    assert [e.confirmed for e in entries] == [False] * 9
    links = [
        (link.title, link.checked_on, link.carried_over, link.stored_file)
        for link in entries[0].evidence.all()
    ]
    assert links == [  # dates kept, not today; the same stored file; all to re-check
        ("A", datetime.date(2025, 1, 1), True, None),
        ("B", None, True, None),
        ("Budget", None, True, BASE_LINKS[2]["file"]),
    ]
    first = entries[0]
    workflow.save_entry(entry=first, data=_base(), base_version=first.version, user=staff)
    entries = list(later.entries.select_related("criterion"))
    assert workflow.completeness(entries=entries).done == 1
