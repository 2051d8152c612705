"""What a refused save (a conflict) shows: per field, the version the person started from,
theirs (saved since) and mine (the refused save), and the merge the form is filled with.

Three-way, like a version-control merge: a field only one side changed takes that side's
value; a field both changed keeps mine in the form, with theirs and a word diff beside it,
so that saving again is a deliberate choice. Every field a save writes is covered: level,
applicability, the reason for "not applicable", both texts, and the evidence: each link or
file is compared whole (address or stored file, title, date last checked), so adding,
removing or replacing a file is a change like any other; the target for the next cycle
too.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import workflow
from .history import word_diff
from .models import Entry, EvidenceLink, evidence_state
from .workflow import ENTRY_FIELDS, TEXT_FIELDS, _link_key, entry_state

LABELS = {
    "applicability": _("Does this criterion apply?"),
    "level": _("Level"),
    "justification": _("Why not applicable"),
    "strengths": _("Current strengths"),
    "opportunities": _("Opportunities"),
    "evidence": _("Evidence"),
    "target": _("Target for the next cycle"),
}

# Who wins a field in the merged form.
THEIRS, MINE, BOTH = "theirs", "mine", "both"


@dataclass
class FieldConflict:
    name: str
    theirs: object
    mine: object
    resolution: str  # THEIRS (only they changed it), MINE (only I did) or BOTH
    diff: list | None  # word diff from theirs to mine, for texts

    @property
    def label(self):
        return LABELS[self.name]

    @property
    def is_text(self):
        return self.name in TEXT_FIELDS


def base_state(*, entry, version):
    """(values, evidence) of `entry` as saved at `version`, from its history, or None."""
    record = Entry.history.filter(id=entry.pk, version=version).order_by("-history_id").first()
    if record is None:
        return None
    return record_state(record)


def record_state(record):
    """(values, evidence) of an entry as one of its history records saved it."""
    values = {name: getattr(record, name) for name in ENTRY_FIELDS}
    if values["applicability"] == Entry.Applicability.NOT_APPLICABLE:
        values["level"] = None
    alive = {}
    link_records = EvidenceLink.history.filter(
        entry_id=record.id, history_date__lte=record.history_date
    ).order_by("history_date", "history_id")
    for link in link_records:
        if link.history_type == "-":
            alive.pop(link.id, None)
        else:
            alive[link.id] = evidence_state(link)
    return values, sorted(alive.values(), key=_link_key)


def merge(*, base, theirs, mine):
    """[FieldConflict] for every field where theirs and mine differ, and the merged
    (values, evidence). `base` may be None (unknown): then every difference counts as both."""
    fields = []
    merged_values = dict(mine[0])
    sides = [(name, theirs[0][name], mine[0][name]) for name in ENTRY_FIELDS]
    sides.append(("evidence", theirs[1], mine[1]))
    for name, their_value, my_value in sides:
        if their_value == my_value:
            continue
        start = None
        if base is not None:
            start = base[1] if name == "evidence" else base[0][name]
        if base is not None and my_value == start:
            resolution = THEIRS
        elif base is not None and their_value == start:
            resolution = MINE
        else:
            resolution = BOTH
        diff = word_diff(their_value, my_value) if name in TEXT_FIELDS else None
        fields.append(FieldConflict(name, their_value, my_value, resolution, diff))
        if resolution == THEIRS and name != "evidence":
            merged_values[name] = their_value
    evidence = next((f for f in fields if f.name == "evidence"), None)
    if evidence is None or evidence.resolution == MINE:
        merged_evidence = mine[1]
    elif evidence.resolution == THEIRS:
        merged_evidence = theirs[1]
    else:
        merged_evidence = merge_links(base=base[1] if base else [], theirs=theirs[1], mine=mine[1])
    return fields, (merged_values, merged_evidence)


def merge_links(*, base, theirs, mine):
    """Their links, minus those I removed, plus those I added: a link both sides edited
    appears in both versions, so that neither edit is lost."""
    removed, added = list(base), []
    for link in mine:
        if link in removed:
            removed.remove(link)
        else:
            added.append(link)
    merged = list(theirs)
    for link in removed:
        if link in merged:
            merged.remove(link)
    return sorted(merged + [link for link in added if link not in merged], key=_link_key)


def evidence_dicts(evidence):
    """Evidence states as the {url, title, checked_on, file} dicts a save takes."""
    return [{"url": u, "title": t, "checked_on": c, "file": f} for u, t, c, f in evidence]


def evidence_changed(fields):
    """Whether the merge put other links in the form than the ones the person sent."""
    return any(f.name == "evidence" and f.resolution != MINE for f in fields)


def conflict_for(*, entry, base_version, mine):
    """merge() for a refused save of `entry` (as now saved) started from `base_version`."""
    return merge(
        base=base_state(entry=entry, version=base_version), theirs=entry_state(entry), mine=mine
    )


def restore_entry(*, record, user):
    """Save the criterion's state of history `record` again, as a new version with its own
    history record: going back never deletes what came between. Returns a SaveResult."""
    entry = Entry.objects.select_related("assessment").get(pk=record.id)
    values, evidence = record_state(record)
    return workflow.save_entry(
        entry=entry,
        data={**values, "evidence": evidence_dicts(evidence)},
        base_version=entry.version,
        user=user,
    )
