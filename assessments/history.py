"""An assessment's history: every saved state of its entries, and what changed between two.

Built on django-simple-history's records; each function reads them in a fixed number of
queries.

Word diffs are bounded in time: two texts can be made so that an exact comparison takes
minutes (difflib's SequenceMatcher is quadratic, and worse on repeated words). The diff is
diff-match-patch's (Myers' algorithm with a deadline), run on words mapped to characters as
its documentation describes for line mode; when the deadline passes, or the texts are
huge, the page says the versions are too different to compare word by word and shows both.
"""

import time
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

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


# What "changed since the last cycle" names, in the order the overview lists it.
CHANGE_FIELDS = (
    "applicability",
    "level",
    "justification",
    "strengths",
    "opportunities",
    "evidence",
)


def changed_fields(*, before, after):
    """Which parts of a criterion differ from `before` (e.g. the last published cycle's
    entry) to `after`, in CHANGE_FIELDS order; [] when nothing did.

    The reason counts only where the criterion does not apply (a draft may keep one typed
    before the office chose "it applies"). Evidence is compared as the set of its links'
    addresses and titles, so re-checking a link (a new date) alone is no change. Both entries
    need their evidence loaded (prefetched) to answer without a query.
    """
    changed = []
    for name in CHANGE_FIELDS:
        if name == "justification":
            old, new = _reason(before), _reason(after)
        elif name == "evidence":
            old, new = _links(before), _links(after)
        else:
            old, new = getattr(before, name), getattr(after, name)
        if old != new:
            changed.append(name)
    return changed


def _reason(entry):
    return entry.justification if entry.not_applicable else ""


def _links(entry):
    return {(link.url, link.title) for link in entry.evidence.all()}


def state_at(*, records, revision_id):
    """{entry id: the latest historical record with history_id <= revision_id}."""
    state = {}
    for record in records:
        if record.history_id <= revision_id:
            state[record.id] = record
    return state


# Longest any one word diff may run, and all the word diffs of one page together (seconds).
DIFF_TIMEOUT = 0.25
PAGE_DIFF_BUDGET = 1.0
# Texts with more words than this (both versions together) are not compared word by word.
# A field holds at most settings.MAX_TEXT_LENGTH characters, about 2,500 words.
MAX_DIFF_WORDS = 20_000

_OPS = {
    diff_match_patch.DIFF_EQUAL: "equal",
    diff_match_patch.DIFF_DELETE: "delete",
    diff_match_patch.DIFF_INSERT: "insert",
}


class WordDiff(list):
    """[(op, text)] with op in "equal", "delete", "insert".

    `too_different` is True when no word-by-word comparison was made (the time ran out, or
    the texts are huge): the list is then the whole old text deleted and the whole new one
    inserted, which is true but not useful, and the page shows both versions instead.
    """

    too_different = False


class _TimedDiff(diff_match_patch):
    """diff-match-patch that remembers whether its deadline cut a comparison short."""

    timed_out = False

    def diff_bisect(self, text1, text2, deadline):
        diffs = super().diff_bisect(text1, text2, deadline)
        if time.time() > deadline:
            self.timed_out = True
        return diffs


def _words_to_chars(a, b):
    """Each distinct word as one character, so that the character diff is a word diff
    (diff-match-patch's "line or word diffs" recipe). Characters start at U+0001 and stay
    below the surrogates: MAX_DIFF_WORDS is far below 0xD800."""
    codes = {}

    def encode(words):
        return "".join(chr(codes.setdefault(w, len(codes) + 1)) for w in words)

    chars_a, chars_b = encode(a), encode(b)
    vocabulary = [""] * (len(codes) + 1)
    for word, code in codes.items():
        vocabulary[code] = word
    return chars_a, chars_b, vocabulary


def word_diff(old, new, *, timeout=DIFF_TIMEOUT):
    """[(op, text)] with op in "equal", "delete", "insert", comparing word by word.

    Runs at most about `timeout` seconds; the result is a WordDiff whose `too_different`
    says whether the comparison was given up (see WordDiff).
    """
    a, b = (old or "").split(), (new or "").split()
    if len(a) + len(b) > MAX_DIFF_WORDS:
        return _too_different(a, b)
    chars_a, chars_b, vocabulary = _words_to_chars(a, b)
    dmp = _TimedDiff()
    # Diff_Timeout 0 would mean "no limit": never pass less than a millisecond.
    dmp.Diff_Timeout = max(timeout, 0.001)
    diffs = dmp.diff_main(chars_a, chars_b, checklines=False)
    if dmp.timed_out:
        return _too_different(a, b)
    out = WordDiff()
    for op, chars in diffs:
        out.append((_OPS[op], " ".join(vocabulary[ord(c)] for c in chars)))
    return out


def _too_different(a, b):
    out = WordDiff()
    if a:
        out.append(("delete", " ".join(a)))
    if b:
        out.append(("insert", " ".join(b)))
    out.too_different = True
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
    """{link id: (title, url)} of the evidence that existed at time `when` (for a file, its
    name in place of the url)."""
    alive = {}
    for record in link_records:
        if record.history_date > when:
            break
        if record.history_type == "-":
            alive.pop(record.id, None)
        else:
            alive[record.id] = (record.title, record.url or record.file_name)
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
    # One time budget for the page: a page of hostile texts in every field still answers.
    deadline = time.monotonic() + PAGE_DIFF_BUDGET
    diffs = []
    for entry_id, new in sorted(
        new_state.items(), key=lambda kv: criteria[kv[1].criterion_id].number
    ):
        old = old_state.get(entry_id)
        fields = []
        for name in ENTRY_FIELDS:
            before, after = (getattr(old, name) if old else None), getattr(new, name)
            if before != after:
                words = None
                if name in TEXT_FIELDS:
                    left = deadline - time.monotonic()
                    words = word_diff(before, after, timeout=min(DIFF_TIMEOUT, left))
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
