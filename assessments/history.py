"""An assessment's history: every saved state of its entries, and what changed between two.

Built on django-simple-history's records; each function reads them in a fixed number of
queries.
"""

import difflib
from dataclasses import dataclass

from criteria.models import Criterion

from .models import Entry, EvidenceLink
from .workflow import ENTRY_FIELDS, TEXT_FIELDS


@dataclass
class Revision:
    """One saved state of the assessment: a criterion saved (a HistoricalEntry row), or the
    start, when all nine entries were created together."""

    record: object  # the HistoricalEntry row; for the start, the last one created
    criterion: Criterion | None  # None for the start
    changed: list  # field names that differ from the previous state of this criterion
    previous_id: int | None  # the revision just before this one in the assessment

    @property
    def is_start(self):
        return self.criterion is None


def revisions(*, assessment):
    """Every saved state of the assessment's entries, oldest first, in one query."""
    criteria = {c.pk: c for c in Criterion.objects.all()}
    records = list(
        Entry.history.filter(assessment_id=assessment.pk)
        .select_related("history_user")
        .order_by("history_id")
    )
    last = {}
    out = []
    for record in records:
        before = last.get(record.id)
        last[record.id] = record
        if before is None and out and out[-1].is_start:
            out[-1].record = record  # one more entry created at the start
            continue
        if before is None and not out:
            out.append(Revision(record=record, criterion=None, changed=[], previous_id=None))
            continue
        changed = [n for n in ENTRY_FIELDS if before and getattr(before, n) != getattr(record, n)]
        out.append(
            Revision(
                record=record,
                criterion=criteria[record.criterion_id],
                changed=changed,
                previous_id=out[-1].record.history_id if out else None,
            )
        )
    return out


def state_at(*, records, revision_id):
    """{entry id: the latest historical record with history_id <= revision_id}."""
    state = {}
    for record in records:
        if record.history_id <= revision_id:
            state[record.id] = record
    return state


def word_diff(old, new):
    """[(op, text)] with op in "equal", "delete", "insert", comparing word by word."""
    a, b = (old or "").split(), (new or "").split()
    out = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", " ".join(a[i1:i2])))
        else:
            if i2 > i1:
                out.append(("delete", " ".join(a[i1:i2])))
            if j2 > j1:
                out.append(("insert", " ".join(b[j1:j2])))
    return out


@dataclass
class CriterionDiff:
    criterion: Criterion
    old: object  # historical record or None
    new: object
    fields: list  # [(field name, old value, new value, word diff or None)]
    evidence_removed: list
    evidence_added: list

    @property
    def changed(self):
        return bool(self.fields or self.evidence_removed or self.evidence_added)


def _evidence_at(link_records, when):
    """{link id: (title, url)} of the links that existed at time `when`."""
    alive = {}
    for record in link_records:
        if record.history_date > when:
            break
        if record.history_type == "-":
            alive.pop(record.id, None)
        else:
            alive[record.id] = (record.title, record.url)
    return alive


def diff_revisions(*, assessment, from_id, to_id):
    """Per criterion, what changed between two revisions (history ids) of the assessment."""
    from_id, to_id = min(from_id, to_id), max(from_id, to_id)
    criteria = {c.pk: c for c in Criterion.objects.all()}
    records = list(Entry.history.filter(assessment_id=assessment.pk).order_by("history_id"))
    by_id = {r.history_id: r for r in records}
    old_state = state_at(records=records, revision_id=from_id)
    new_state = state_at(records=records, revision_id=to_id)
    link_records = list(
        EvidenceLink.history.filter(entry_id__in=list(new_state)).order_by(
            "history_date", "history_id"
        )
    )
    old_links = _evidence_at(link_records, by_id[from_id].history_date)
    new_links = _evidence_at(link_records, by_id[to_id].history_date)
    link_entry = {r.id: r.entry_id for r in link_records}
    diffs = []
    for entry_id, new in sorted(
        new_state.items(), key=lambda kv: criteria[kv[1].criterion_id].number
    ):
        old = old_state.get(entry_id)
        fields = []
        for name in ENTRY_FIELDS:
            before, after = (getattr(old, name) if old else None), getattr(new, name)
            if before != after:
                words = word_diff(before, after) if name in TEXT_FIELDS else None
                fields.append((name, before, after, words))
        removed = [
            v for k, v in old_links.items() if link_entry[k] == entry_id and k not in new_links
        ]
        added = [
            v for k, v in new_links.items() if link_entry[k] == entry_id and k not in old_links
        ]
        diffs.append(
            CriterionDiff(
                criterion=criteria[new.criterion_id],
                old=old,
                new=new,
                fields=fields,
                evidence_removed=removed,
                evidence_added=added,
            )
        )
    return diffs


def changes_since(*, assessment, when):
    """{criterion number: CriterionDiff} of the criteria changed since `when` (e.g. the
    reviewer's return): the revision at that time against the latest one. Empty when
    nothing was saved since."""
    ids = list(
        Entry.history.filter(assessment_id=assessment.pk)
        .order_by("history_id")
        .values_list("history_id", "history_date")
    )
    at_time = [history_id for history_id, date in ids if date <= when]
    if not at_time or at_time[-1] == ids[-1][0]:
        return {}
    diffs = diff_revisions(assessment=assessment, from_id=at_time[-1], to_id=ids[-1][0])
    return {d.criterion.number: d for d in diffs if d.changed}
