"""The self-assessment workflow as plain functions: start, save, submit, return, publish.

Views and the demo-data command call these, so that both follow the same rules. Every
function takes keyword-only arguments and records `user` as the author of the change in
the history (django-simple-history).

Rules kept here rather than in views:
- Only drafts change. A save or submit is a conditional UPDATE on `status = 'draft'`, so a
  published (or submitted) assessment can never be changed, whatever a request says.
- No lost updates: each entry carries a version; a save names the version the user started
  from and only succeeds when it is still current (UPDATE ... WHERE version = base). Each
  successful save also bumps Assessment.version, in the same transaction.
- An entry copied from the last cycle is *to confirm* until someone saves it: it never counts
  as complete before, so last cycle's text cannot be submitted unread.
- An entry is *complete* when it is rated 0-4 with non-blank strengths and opportunities,
  or marked not applicable with a non-blank justification (strengths and opportunities of a
  criterion that does not apply are optional).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from criteria.models import Criterion, PeerExample
from criteria.rubric import weakest

from . import notifications
from .access import can_edit, is_reviewer
from .models import Assessment, Entry, EvidenceLink, ReviewComment, evidence_state

ENTRY_FIELDS = (
    "applicability",
    "level",
    "justification",
    "strengths",
    "opportunities",
    "target",
)
TEXT_FIELDS = ("justification", "strengths", "opportunities")


class WorkflowError(Exception):
    """A step the assessment's state does not allow (e.g. submitting a published one)."""


# --- completeness -------------------------------------------------------------------------


def missing_parts(entry):
    """What an entry still needs to count as complete, as translatable phrases."""
    if not entry.confirmed:
        return [_("a look at last cycle's text: confirm or change it")]
    if entry.applicability == Entry.Applicability.NOT_APPLICABLE:
        if not entry.justification.strip():
            return [_("a justification for 'not applicable'")]
        return []
    parts = []
    if entry.applicability != Entry.Applicability.ASSESSED or entry.level is None:
        parts.append(_("a level"))
    if not entry.strengths.strip():
        parts.append(_("current strengths"))
    if not entry.opportunities.strip():
        parts.append(_("opportunities"))
    return parts


def is_complete(entry):
    return not missing_parts(entry)


@dataclass
class Completeness:
    done: int
    total: int
    missing: list = field(default_factory=list)  # criteria, in order

    @property
    def is_complete(self):
        return self.total > 0 and self.done == self.total


def completeness(*, entries):
    """How many of the given entries are complete; `missing` lists the criteria that are not.

    Takes entries (with their criterion loaded) so that callers can prefetch them once.
    """
    entries = sorted(entries, key=lambda e: e.criterion.number)
    missing = [e.criterion for e in entries if not is_complete(e)]
    return Completeness(done=len(entries) - len(missing), total=len(entries), missing=missing)


# --- start -------------------------------------------------------------------------------


def open_draft(*, office, assessments=None):
    """The office's self-assessment in draft (the newest, should there be several), or None.

    An office works on one draft at a time: while it is open no other is started. Pass the
    office's `assessments` when they are loaded already, to spare the query.
    """
    if assessments is None:
        assessments = Assessment.objects.filter(
            office=office, kind=Assessment.Kind.SELF, status=Assessment.Status.DRAFT
        )
    drafts = [
        a
        for a in assessments
        if a.office_id == office.pk
        and a.kind == Assessment.Kind.SELF
        and a.status == Assessment.Status.DRAFT
    ]
    return max(drafts, key=lambda a: a.cycle, default=None)


def open_draft_message(draft):
    return _(
        "This office already has a self-assessment in draft (%(cycle)s). Finish and submit "
        "it, or withdraw it, before starting another."
    ) % {"cycle": draft.cycle}


def start_assessment(*, office, cycle, user, prefill_from=None):
    """A new draft self-assessment of `office` for `cycle`, one entry per criterion.

    Refused while the office has another draft open (see open_draft).

    With `prefill_from` (an earlier assessment of the same office) levels, texts and evidence
    links are copied, so that a new cycle starts from the last one. Copied entries are *to
    confirm* (`confirmed=False`) until saved; links and files keep the date they were last
    checked and are *carried over* (to re-check) until changed. A copied file is the same
    stored file: files are never deleted with their rows, so neither cycle loses it.
    """
    if prefill_from is not None:
        if prefill_from.office_id != office.pk:
            raise WorkflowError(_("An assessment can only be pre-filled from the same office."))
        if prefill_from.cycle >= cycle:
            raise WorkflowError(_("Pre-fill only from an earlier cycle."))
    probe = Assessment(office=office, status=Assessment.Status.DRAFT, kind=Assessment.Kind.SELF)
    if not can_edit(user, probe):
        raise PermissionDenied
    with transaction.atomic():
        if (
            Assessment.objects.current()
            .filter(office=office, cycle=cycle, kind=Assessment.Kind.SELF)
            .exists()
        ):
            raise WorkflowError(
                _("This office already has a self-assessment for %(cycle)s.") % {"cycle": cycle}
            )
        draft = open_draft(office=office)
        if draft is not None:
            raise WorkflowError(open_draft_message(draft))
        assessment = Assessment(
            office=office, cycle=cycle, kind=Assessment.Kind.SELF, created_by=user
        )
        assessment._history_user = user
        assessment.save()
        copy_entries(assessment=assessment, source=prefill_from, user=user, to_confirm=True)
    return assessment


def copy_entries(*, assessment, source, user, to_confirm):
    """Create the entries of a new `assessment`, one per criterion, with the levels, texts
    and evidence links of `source` (None: empty entries). With `to_confirm` the copies are
    *to confirm* (a new cycle: last year's text must be read again); links keep the date
    they were last checked either way."""
    previous = {}
    if source is not None:
        previous = {e.criterion_id: e for e in source.entries.prefetch_related("evidence")}
    # One timestamp for entries and links, so that the first revision includes the links.
    now = timezone.now()
    entries = []
    for criterion in Criterion.objects.order_by("number"):
        old = previous.get(criterion.pk)
        values = {name: getattr(old, name) for name in ENTRY_FIELDS} if old else {}
        if to_confirm:
            # Last cycle's target was for this cycle: the new one is proposed afresh.
            values.pop("target", None)
        if values.get("applicability") == Entry.Applicability.NOT_ASSESSED:
            values["applicability"] = Entry.Applicability.ASSESSED
        if old is not None and to_confirm:
            values["confirmed"] = False
        entries.append(Entry(assessment=assessment, criterion=criterion, **values))
    bulk_create_with_history(entries, Entry, default_user=user, default_date=now)
    if previous:
        by_criterion = {e.criterion_id: e for e in assessment.entries.all()}
        links = [
            EvidenceLink(
                entry=by_criterion[criterion_id],
                url=link.url,
                title=link.title,
                checked_on=link.checked_on,
                # The same stored file: files are never deleted with their rows.
                file=link.file.name,
                file_name=link.file_name,
                file_size=link.file_size,
                file_type=link.file_type,
                # A new cycle's copies are to re-check; a correction keeps each item's flag.
                carried_over=to_confirm or link.carried_over,
            )
            for criterion_id, old in previous.items()
            if criterion_id in by_criterion
            for link in old.evidence.all()
        ]
        bulk_create_with_history(links, EvidenceLink, default_user=user, default_date=now)


# --- correcting a published assessment -------------------------------------------------------


def start_correction(*, assessment, user, note):
    """A reviewer reopens a published self-assessment: a new draft of the same office, cycle
    and kind, a copy of it (entries confirmed: they were reviewed), carrying `note`, the
    public correction note. The published one stays public, with the note, until the
    correction is published (see publish)."""
    if not is_reviewer(user):
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise WorkflowError(_("Write the public correction note first."))
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status != Assessment.Status.PUBLISHED or locked.kind != Assessment.Kind.SELF:
            raise WorkflowError(_("Only a published self-assessment can be corrected."))
        if Assessment.objects.open_corrections().filter(corrects=locked).exists():
            raise WorkflowError(_("A correction of this assessment is already being prepared."))
        correction = Assessment(
            office_id=locked.office_id,
            cycle=locked.cycle,
            kind=locked.kind,
            created_by=user,
            corrects=locked,
            correction_note=note,
        )
        correction._history_user = user
        correction.save()
        copy_entries(assessment=correction, source=locked, user=user, to_confirm=False)
    return correction


def open_correction(*, assessment):
    """The correction of a published `assessment` in the works, or None."""
    return Assessment.objects.open_corrections().filter(corrects=assessment).first()


def pending_correction_notes(*, ids):
    """{published assessment id: the note of its correction in the works} for the given
    assessment ids, one query (none when `ids` is empty)."""
    ids = list(ids)
    if not ids:
        return {}
    return dict(
        Assessment.objects.open_corrections()
        .filter(corrects_id__in=ids)
        .values_list("corrects_id", "correction_note")
    )


# --- save ----------------------------------------------------------------------------------


@dataclass
class SaveResult:
    saved: bool
    entry: Entry  # the entry as it now is in the database
    conflict: bool = False

    @property
    def current_by(self):
        """Who saved the version the user conflicted with (None when unknown)."""
        record = self.entry.history.select_related("history_user").first()
        return record.history_user if record else None


def _clean_data(data):
    values = {
        "applicability": data.get("applicability") or Entry.Applicability.ASSESSED,
        "level": data.get("level"),
        "target": data.get("target"),
        **{name: (data.get(name) or "").strip() for name in TEXT_FIELDS},
    }
    if values["applicability"] not in (
        Entry.Applicability.ASSESSED,
        Entry.Applicability.NOT_APPLICABLE,
    ):
        raise WorkflowError(_("Choose whether the criterion applies."))
    level = values["level"]
    if level is not None and level not in range(0, 5):
        raise WorkflowError(_("The level must be between 0 and 4."))
    if values["target"] is not None and values["target"] not in range(0, 5):
        raise WorkflowError(_("The target must be between 0 and 4."))
    # A criterion that does not apply has no level: the two would contradict each other.
    if values["applicability"] == Entry.Applicability.NOT_APPLICABLE:
        values["level"] = None
    evidence = [
        (
            "" if link.get("file") else link.get("url") or "",
            link["title"].strip(),
            link.get("checked_on"),
            link.get("file"),
        )
        for link in data.get("evidence") or []
    ]
    return values, evidence


def requested_state(data):
    """(values, evidence) that a save of `data` writes, comparable with entry_state()."""
    values, evidence = _clean_data(data)
    return values, sorted(evidence, key=_link_key)


def save_entry(*, entry, data, base_version, user):
    """Save one criterion of a draft if nobody saved it since `base_version`.

    `data` holds the ENTRY_FIELDS and `evidence`, a list of {url, title, checked_on, file}
    (file: a models.StoredFile, already stored, or None for a link), the complete new list.
    Returns a SaveResult; on a conflict nothing is written and `result.entry` carries the
    other person's current version.
    """
    values, evidence = _clean_data(data)
    if not can_edit(user, entry.assessment):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        # The draft check and the version bump in one statement: a published or submitted
        # assessment is never changed, even by a request that started before it was.
        bumped = Assessment.objects.filter(
            pk=entry.assessment_id, status=Assessment.Status.DRAFT
        ).update(version=F("version") + 1, updated_at=now)
        if not bumped:
            raise WorkflowError(_("Only drafts can be changed."))
        won = Entry.objects.filter(pk=entry.pk, version=base_version).update(
            **values, confirmed=True, version=F("version") + 1, updated_at=now
        )
        if won:
            saved = Entry.objects.select_related("criterion").get(pk=entry.pk)
            _sync_evidence(entry=saved, evidence=evidence, user=user)
            # .update() bypasses simple-history, so the record is written here, after the
            # evidence, so that its time covers the links saved with it.
            Entry.history.bulk_history_create([saved], update=True, default_user=user)
            return SaveResult(saved=True, entry=saved)
        # Someone saved since base_version: undo the assessment's bump, keep their text.
        transaction.set_rollback(True)
    current = Entry.objects.select_related("criterion").prefetch_related("evidence")
    current = current.get(pk=entry.pk)
    if current.confirmed and entry_state(current) == requested_state(data):
        # What is saved already is exactly what this save asks for (a double click, or a
        # second window sending the same text): nothing to write and nothing to lose.
        return SaveResult(saved=True, entry=current)
    return SaveResult(saved=False, entry=current, conflict=True)


def _link_key(link):
    url, title, checked_on, stored = link
    return (url, title, checked_on.isoformat() if checked_on else "", stored or ())


def entry_state(entry):
    """(values, evidence) of a saved entry, comparable with what _clean_data returns: every
    field a save writes, links sorted."""
    values = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    if values["applicability"] == Entry.Applicability.NOT_APPLICABLE:
        values["level"] = None
    links = [evidence_state(link) for link in entry.evidence.all()]
    return values, sorted(links, key=_link_key)


def _sync_evidence(*, entry, evidence, user):
    """Make the entry's evidence equal `evidence`, touching only rows that changed (an
    unchanged row keeps its link check and its "carried over" mark)."""
    current = list(entry.evidence.all())
    keep = list(current)
    wanted = list(evidence)
    for link in current:
        key = evidence_state(link)
        if key in wanted:
            wanted.remove(key)
            keep.remove(link)
    for link in keep:  # no longer wanted
        link._history_user = user
        link.delete()
    for url, title, checked_on, stored in wanted:
        link = EvidenceLink(entry=entry, url=url, title=title, checked_on=checked_on)
        if stored is not None:
            link.file = stored.name
            link.file_name, link.file_size = stored.original_name, stored.size
            link.file_type = stored.content_type
        link._history_user = user
        link.save()


# --- submit, return, publish ---------------------------------------------------------------


def _transition(*, assessment, user, allowed_from, **changes):
    """Change the status under a row lock; returns the fresh assessment."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.status not in allowed_from:
        raise WorkflowError(
            _("This step is not possible while the assessment is %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.version += 1
    locked._history_user = user
    locked.save()
    return locked


def submit(*, assessment, user):
    """Submit a complete draft for review. Returns the criteria still missing (then nothing
    changes); an empty list means it was submitted."""
    if not can_edit(user, assessment):
        raise PermissionDenied
    with transaction.atomic():
        entries = Entry.objects.filter(assessment=assessment).select_related("criterion")
        missing = completeness(entries=entries).missing
        if missing:
            return missing
        fresh = _transition(
            assessment=assessment,
            user=user,
            allowed_from={Assessment.Status.DRAFT},
            status=Assessment.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
    assessment.status, assessment.version = fresh.status, fresh.version
    assessment.submitted_at = fresh.submitted_at
    notifications.after_commit(notifications.assessment_submitted, assessment=fresh, actor=user)
    return []


def withdraw(*, assessment, user):
    """Take back a draft started by mistake. Nothing is deleted: the assessment keeps its
    entries and history, and a reviewer can reinstate it."""
    if not can_edit(user, assessment):
        raise PermissionDenied
    if assessment.corrects_id is not None:
        # The reviewer's public note says a correction is coming: not the office's to drop.
        raise WorkflowError(_("A correction cannot be withdrawn; ask the reviewer."))
    with transaction.atomic():
        fresh = _transition(
            assessment=assessment,
            user=user,
            allowed_from={Assessment.Status.DRAFT},
            status=Assessment.Status.WITHDRAWN,
        )
    assessment.status, assessment.version = fresh.status, fresh.version
    return fresh


def reinstate(*, assessment, user):
    """A reviewer brings a withdrawn assessment back as a draft, unless the office has
    started the same cycle again since."""
    if not is_reviewer(user):
        raise PermissionDenied
    with transaction.atomic():
        taken = (
            Assessment.objects.current()
            .filter(office_id=assessment.office_id, cycle=assessment.cycle, kind=assessment.kind)
            .exists()
        )
        if taken:
            raise WorkflowError(
                _("This office has started %(cycle)s again since; that one stays.")
                % {"cycle": assessment.cycle}
            )
        fresh = _transition(
            assessment=assessment,
            user=user,
            allowed_from={Assessment.Status.WITHDRAWN},
            status=Assessment.Status.DRAFT,
        )
    assessment.status, assessment.version = fresh.status, fresh.version
    return fresh


def add_comment(*, assessment, user, text, criterion=None):
    """A reviewer's comment on a submitted assessment, on one criterion or on the whole."""
    if not is_reviewer(user):
        raise PermissionDenied
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Write a comment first."))
    if assessment.status != Assessment.Status.SUBMITTED:
        raise WorkflowError(_("Only submitted assessments take review comments."))
    comment = ReviewComment.objects.create(
        assessment=assessment, criterion=criterion, author=user, text=text
    )
    notifications.after_commit(notifications.comment_added, comment=comment)
    return comment


def return_to_office(*, assessment, user, comment=""):
    """Send a submitted assessment back to the office as a draft, with the reviewer's note."""
    fresh = _decide(
        assessment=assessment,
        user=user,
        comment=comment,
        decision=ReviewComment.Decision.RETURNED,
        status=Assessment.Status.DRAFT,
    )
    notifications.after_commit(
        notifications.assessment_returned, assessment=fresh, actor=user, comment=comment
    )
    return fresh


def publish(*, assessment, user, comment=""):
    """Publish a submitted assessment. From then on it is frozen. A correction replaces the
    assessment it corrects, which is superseded (kept in the history, off the public pages)
    in the same transaction."""
    if not is_reviewer(user):
        raise PermissionDenied
    with transaction.atomic():
        if assessment.corrects_id is not None:
            # First, so that the unique (office, cycle, kind) never sees two published ones.
            _transition(
                assessment=Assessment(pk=assessment.corrects_id),
                user=user,
                allowed_from={Assessment.Status.PUBLISHED},
                status=Assessment.Status.SUPERSEDED,
            )
        fresh = _decide(
            assessment=assessment,
            user=user,
            comment=comment,
            decision=ReviewComment.Decision.PUBLISHED,
            status=Assessment.Status.PUBLISHED,
            published_at=timezone.now(),
            published_by=user,
        )
    assessment.published_at, assessment.published_by = fresh.published_at, user
    notifications.after_commit(
        notifications.assessment_published, assessment=fresh, actor=user, comment=comment
    )
    return fresh


def _decide(*, assessment, user, comment, decision, **changes):
    """A reviewer's decision on a submitted assessment: the transition and its record."""
    if not is_reviewer(user):
        raise PermissionDenied
    with transaction.atomic():
        fresh = _transition(
            assessment=assessment,
            user=user,
            allowed_from={Assessment.Status.SUBMITTED},
            **changes,
        )
        ReviewComment.objects.create(
            assessment=fresh, author=user, decision=decision, text=(comment or "").strip()
        )
    assessment.status, assessment.version = fresh.status, fresh.version
    return fresh


def latest_decision(*, comments):
    """The newest return/publish decision among `comments` (prefetched), or None."""
    decisions = [c for c in comments if c.decision != ReviewComment.Decision.COMMENT]
    return max(decisions, key=lambda c: (c.created_at, c.pk)) if decisions else None


# --- previous cycle --------------------------------------------------------------------------


def previous_published(*, assessment):
    """The latest published assessment of the same office and kind in an earlier cycle, or
    None: what "change since last cycle" compares with, on every page and the scorecard."""
    return previous_published_query(assessment=assessment).first()


def previous_published_query(*, assessment):
    """previous_published as a query, latest first, for use inside another query."""
    return (
        Assessment.objects.published()
        .filter(office_id=assessment.office_id, kind=assessment.kind, cycle__lt=assessment.cycle)
        .order_by("-cycle")
    )


def later_cycle(*, assessment):
    """The office's first self-assessment of a later cycle (any status), or None."""
    return (
        Assessment.objects.current()
        .filter(
            office_id=assessment.office_id, kind=Assessment.Kind.SELF, cycle__gt=assessment.cycle
        )
        .order_by("cycle")
        .first()
    )


# --- the report's chart --------------------------------------------------------------------


def report_chart(*, assessment):
    """The report's chart for the city of `assessment`'s office: the latest published
    research assessment of an office of the same city, and its entries by criterion id.
    (None, {}) for the cities the report did not chart. Two queries, whatever the number
    of criteria."""
    chart = (
        Assessment.objects.published()
        .filter(kind=Assessment.Kind.RESEARCH, office__city_id=assessment.office.city_id)
        .select_related("office")
        .order_by("-cycle", "pk")
        .first()
    )
    if chart is None:
        return None, {}
    return chart, {e.criterion_id: e for e in Entry.objects.filter(assessment=chart)}


# --- what to learn from whom ---------------------------------------------------------------


def weakest_criteria(*, assessment, limit=3):
    """The entries of the criteria to work on first (criteria.rubric.weakest), each with its
    criterion's rubric levels and peer examples prefetched (office and city loaded) as
    `criterion.peers`."""
    examples = PeerExample.objects.select_related("office__city").order_by(
        "office__city__name", "key"
    )
    entries = list(
        Entry.objects.filter(assessment=assessment)
        .select_related("criterion")
        .prefetch_related(
            "criterion__levels",
            Prefetch("criterion__examples", queryset=examples, to_attr="peers"),
        )
        .order_by("criterion__number")
    )
    by_number = {e.criterion.number: e for e in entries}
    chosen = weakest(((e.criterion.number, rated_level(e)) for e in entries), limit=limit)
    return [by_number[number] for number in chosen]


def rated_level(entry):
    """The entry's level where it counts (None when unrated or not applicable)."""
    if entry.applicability == Entry.Applicability.NOT_APPLICABLE:
        return None
    return entry.level
