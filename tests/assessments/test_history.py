import datetime

import pytest

from assessments.history import changed_fields
from assessments.models import Entry, EvidenceLink


def entry(**fields):
    values = {
        "applicability": Entry.Applicability.ASSESSED,
        "level": 2,
        "justification": "",
        "strengths": "S",
        "opportunities": "O",
    }
    # A primary key so that the evidence manager answers from its prefetched cache.
    return Entry(pk=1, **{**values, **fields})


def with_links(made, links):
    # What a prefetch leaves behind, without a database.
    made._prefetched_objects_cache = {
        "evidence": [
            EvidenceLink(url=url, title=title, checked_on=day) for url, title, day in links
        ]
    }
    return made


def compare(before, after, before_links=(), after_links=()):
    return changed_fields(
        before=with_links(before, before_links), after=with_links(after, after_links)
    )


def test_changed_fields_nothing_changed():
    assert compare(entry(), entry()) == []


def test_changed_fields_names_each_field_in_order():
    after = entry(level=3, strengths="S2", opportunities="O2")
    links = [("https://example.org/a", "A", None)]
    assert compare(entry(), after, after_links=links) == [
        "level",
        "strengths",
        "opportunities",
        "evidence",
    ]


def test_changed_fields_not_applicable_changes_applicability_level_and_reason():
    after = entry(applicability=Entry.Applicability.NOT_APPLICABLE, level=None, justification="R")
    assert compare(entry(), after) == ["applicability", "level", "justification"]


@pytest.mark.parametrize("kept", ["", "An old reason kept in the draft"])
def test_changed_fields_reason_of_an_applicable_criterion_is_no_change(kept):
    assert (
        compare(entry(justification="Typed, then it applied after all"), entry(justification=kept))
        == []
    )


def test_changed_fields_recheck_date_alone_is_no_change():
    old = [("https://example.org/a", "A", datetime.date(2024, 1, 1))]
    new = [("https://example.org/a", "A", datetime.date(2026, 1, 1))]
    assert compare(entry(), entry(), old, new) == []
    assert compare(entry(), entry(), old, [("https://example.org/a", "A2", None)]) == ["evidence"]
