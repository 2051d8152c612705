"""What offices say about themselves and what reviewers decide: assessments, their entries,
evidence, review comments, and who belongs to which office."""

from typing import NamedTuple

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cities.models import City, Country, InstitutionalHome, Office, Origin
from criteria.models import Criterion


class AssessmentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Assessment.Status.PUBLISHED)

    def current(self):
        """Everything but withdrawn assessments."""
        return self.exclude(status=Assessment.Status.WITHDRAWN)

    def open_corrections(self):
        """Corrections of published assessments still in the works (draft or submitted)."""
        return self.filter(
            corrects__isnull=False,
            status__in=[Assessment.Status.DRAFT, Assessment.Status.SUBMITTED],
        )

    def real(self):
        return self.filter(office__city__origin=Origin.REPORT)


class Assessment(models.Model):
    class Kind(models.TextChoices):
        SELF = "self", _("Self-assessment")
        RESEARCH = "research", _("Research assessment")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        PUBLISHED = "published", _("Published")
        # Started by mistake and taken back by the office: kept, with its history, and
        # restorable by a reviewer; it no longer blocks starting the same cycle again.
        WITHDRAWN = "withdrawn", _("Withdrawn")
        # A published assessment replaced by its published correction: kept in the history,
        # left out of every public page and list.
        SUPERSEDED = "superseded", _("Superseded by a correction")

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="assessments")
    cycle = models.PositiveSmallIntegerField(
        _("cycle"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Bumped on every change to the assessment or any of its entries: the scorecard
    # cache and the "cite as" line are keyed on it.
    version = models.PositiveIntegerField(default=1)
    # Bumped whenever an action of the office changes (assessments.plans): the scorecard's
    # "Plan for the next cycle" shows the open actions, so its cache key holds this too.
    # Not the version above: the plan is no part of the assessment or of its citation.
    plan_version = models.PositiveIntegerField(default=0, editable=False)
    title = models.CharField(_("title"), max_length=200, blank=True)
    citation = models.CharField(_("source"), max_length=300, blank=True)
    source_url = models.URLField(_("source URL"), blank=True)
    # Research assessments: when their source was published (the report: January 2024). Only
    # the month is known, so it holds the month's first day and is shown as month and year,
    # in place of the day the data happened to be loaded.
    source_date = models.DateField(_("source published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # A correction of a published assessment: a draft of the same office, cycle and kind,
    # with a public note that the published one shows until the correction is published.
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    correction_note = models.TextField(_("public correction note"), blank=True)

    history = HistoricalRecords(excluded_fields=["plan_version"])
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["office__city__name", "office__name", "-cycle"]
        constraints = [
            # One live assessment per office, cycle and kind: withdrawn and superseded ones
            # are history, and a correction counts only once published (by then the one it
            # corrects is superseded).
            models.UniqueConstraint(
                fields=["office", "cycle", "kind"],
                condition=~models.Q(status__in=["withdrawn", "superseded"])
                & (models.Q(corrects__isnull=True) | models.Q(status="published")),
                name="one_assessment_per_office_cycle_kind",
            ),
            models.UniqueConstraint(
                fields=["corrects"],
                condition=models.Q(status__in=["draft", "submitted"]),
                name="one_open_correction",
            ),
        ]

    def __str__(self):
        return f"{self.office} {self.cycle} ({self.get_kind_display()})"

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def is_withdrawn(self):
        return self.status == self.Status.WITHDRAWN

    @property
    def is_superseded(self):
        return self.status == self.Status.SUPERSEDED

    @property
    def is_correction(self):
        return self.corrects_id is not None

    @property
    def is_submitted(self):
        return self.status == self.Status.SUBMITTED

    @property
    def is_rated(self):
        return any(entry.level is not None for entry in self.entries.all())


class Entry(models.Model):
    """One criterion of one assessment."""

    class Applicability(models.TextChoices):
        ASSESSED = "assessed", _("Assessed")
        NOT_ASSESSED = "not-assessed", _("Not assessed")
        NOT_APPLICABLE = "not-applicable", _("Not applicable")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="entries")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="entries")
    # None means unrated: the report's charts give no levels, so none is invented.
    level = models.PositiveSmallIntegerField(
        _("level"), null=True, blank=True, validators=[MaxValueValidator(4)]
    )
    applicability = models.CharField(
        max_length=16, choices=Applicability.choices, default=Applicability.ASSESSED
    )
    justification = models.TextField(_("why not applicable"), blank=True)
    strengths = models.TextField(_("current strengths"), blank=True)
    opportunities = models.TextField(_("opportunities to enhance effectiveness"), blank=True)
    # The level the office aims for next cycle; None when it sets none (assessments.plans
    # proposes one above today's level, capped at the rubric's top).
    target = models.PositiveSmallIntegerField(
        _("target for the next cycle"), null=True, blank=True, validators=[MaxValueValidator(4)]
    )
    # False while the entry holds what was copied from the last cycle and nobody has saved
    # it since: such an entry does not count as done.
    confirmed = models.BooleanField(_("confirmed this cycle"), default=True)
    # Optimistic locking: a save must name the version it started from.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["criterion__number"]
        verbose_name_plural = _("entries")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="one_entry_per_criterion"
            ),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__lte=4),
                name="entry_level_in_rubric",
            ),
            models.CheckConstraint(
                condition=models.Q(target__isnull=True) | models.Q(target__lte=4),
                name="entry_target_in_rubric",
            ),
        ]

    def __str__(self):
        return f"{self.assessment} / {self.criterion.number}"

    @property
    def not_applicable(self):
        return self.applicability == self.Applicability.NOT_APPLICABLE

    @property
    def not_assessed(self):
        return self.applicability == self.Applicability.NOT_ASSESSED


class StoredFile(NamedTuple):
    """An uploaded evidence file as kept in storage: its random storage name, the sanitised
    name it was uploaded under (for the download), its size and its type (by content)."""

    name: str
    original_name: str
    size: int
    content_type: str


class EvidenceLink(models.Model):
    """One piece of evidence of an entry: a web link or an uploaded file, never both."""

    class LinkStatus(models.TextChoices):
        OK = "ok", _("works")
        BROKEN = "broken", _("broken")
        UNREACHABLE = "unreachable", _("unreachable")
        REFUSED = "refused", _("not a public address")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(_("URL"), max_length=500, blank=True)
    # Stored through the storage API under a random name (assessments/evidence.py). A file
    # is never deleted with its row: history, and the next cycle's copy, still refer to it.
    file = models.FileField(_("file"), upload_to="evidence/", max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), null=True, blank=True)
    file_type = models.CharField(_("file type"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=200)
    checked_on = models.DateField(_("date last checked"), null=True, blank=True)
    # Copied with the entry from last cycle and not changed since: to re-check.
    carried_over = models.BooleanField(default=False)
    # What check_evidence found when it last opened the link (never part of a save).
    link_status = models.CharField(max_length=12, choices=LinkStatus.choices, blank=True)
    link_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    link_checked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=["link_status", "link_status_code", "link_checked_at"]
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(url="") & ~models.Q(file=""))
                | (~models.Q(url="") & models.Q(file="")),
                name="evidence_link_or_file",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def stored_file(self):
        return stored_file_of(self)

    @property
    def state(self):
        return evidence_state(self)

    def needs_recheck(self, *, today=None):
        """To re-check: copied from last cycle, or last checked more than a year
        (RECHECK_AFTER_DAYS) ago."""
        if self.carried_over:
            return True
        if self.checked_on is None:
            return False
        today = today or timezone.now().date()
        return (today - self.checked_on).days > RECHECK_AFTER_DAYS


RECHECK_AFTER_DAYS = 365


def stored_file_of(link):
    """The StoredFile of an evidence item or of one of its history records, or None."""
    if not link.file:
        return None
    name = link.file.name if hasattr(link.file, "name") else str(link.file)
    return StoredFile(name, link.file_name, link.file_size or 0, link.file_type)


def evidence_state(link):
    """(url, title, checked_on, StoredFile or None): what a save writes of one item, for an
    item or a history record alike; conflicts and saves compare these."""
    return (link.url, link.title, link.checked_on, stored_file_of(link))


class ReviewComment(models.Model):
    """A reviewer's note on a submitted assessment, optionally about one criterion, or a
    reply to one (by the office's staff or a reviewer). A note is open until someone marks
    it resolved; replies are never resolved on their own."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Decision(models.TextChoices):
        COMMENT = "comment", _("Comment")
        RETURNED = "returned", _("Returned to the office")
        PUBLISHED = "published", _("Published")

    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.COMMENT)
    text = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Replies hang off the note they answer (one level: a reply to a reply joins its note).
    reply_to = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:60]

    @property
    def is_open(self):
        """A criterion comment (not a reply, not a decision) nobody has resolved yet."""
        return (
            self.reply_to_id is None
            and self.criterion_id is not None
            and self.decision == self.Decision.COMMENT
            and self.resolved_at is None
        )


def choice_display(instance, name):
    """What get_<name>_display() gives, without hashing every (lazy, so translated) label of
    the choices on each call: the team and plan pages show one per row."""
    value = getattr(instance, name)
    for option, label in instance._meta.get_field(name).flatchoices:
        if option == value:
            return force_str(label, strings_only=True)
    return force_str(value, strings_only=True)


class Membership(models.Model):
    """City staff belong to offices, as leads (edit and manage the team), editors (may
    save) or viewers (read only)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        EDITOR = "editor", _("Editor")
        VIEWER = "viewer", _("Viewer")

    # The roles that may save an office's self-assessments.
    EDITING_ROLES = (Role.LEAD, Role.EDITOR)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.EDITOR)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "office"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} - {self.office} ({self.role})"

    def get_role_display(self):
        return choice_display(self, "role")

    @property
    def can_edit(self):
        return self.role in self.EDITING_ROLES

    @property
    def is_lead(self):
        return self.role == self.Role.LEAD


class Registration(models.Model):
    """An office's request to join, waiting for its address to be verified and for a
    reviewer. Nothing here is a sourced fact, and no account exists until approval."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Address not verified yet")
        PENDING = "pending", _("Waiting for a reviewer")
        NEEDS_INFO = "needs-info", _("More information asked")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UNVERIFIED
    )
    # The requester.
    name = models.CharField(_("your name"), max_length=150)
    email = models.EmailField(_("work e-mail"))
    job_title = models.CharField(_("your role in the office"), max_length=150)
    language = models.CharField(_("language"), max_length=10, default="en")
    # The office.
    office_name = models.CharField(_("office name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=20, blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    institutional_home = models.CharField(
        _("institutional home"), max_length=20, choices=InstitutionalHome.choices
    )
    year_founded = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    # An existing city (and so country), or the names of new ones.
    city = models.ForeignKey(
        City, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    new_city = models.CharField(_("new city"), max_length=100, blank=True)
    country = models.ForeignKey(
        Country, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    new_country = models.CharField(_("new country"), max_length=100, blank=True)
    # The reviewer's question or reason for declining, and the requester's answer.
    reviewer_message = models.TextField(_("message to the requester"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    office = models.ForeignKey(
        Office, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Seed data is labelled, never mistaken for a real office's request.
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.office_name} ({self.email})"

    @property
    def city_name(self):
        return self.city.name if self.city else self.new_city

    @property
    def country_name(self):
        if self.city:
            return self.city.country.name
        return self.country.name if self.country else self.new_country


class Invitation(models.Model):
    """A one-time link to join an office. Only a hash of its token is stored."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.email} -> {self.office} ({self.role})"

    def get_role_display(self):
        return choice_display(self, "role")

    @property
    def is_open(self):
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class TeamEvent(models.Model):
    """One change to an office's team: who did it, when, and what."""

    class Action(models.TextChoices):
        INVITED = "invited", _("invited")
        REVOKED = "revoked", _("revoked the invitation of")
        JOINED = "joined", _("joined")
        ROLE_CHANGED = "role-changed", _("changed the role of")
        REMOVED = "removed", _("removed")
        LEFT = "left", _("left")
        APPROVED = "approved", _("approved the registration of")

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="team_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=15, choices=Action.choices)
    # Whom it was about (a username or an e-mail address), as it was then.
    subject = models.CharField(max_length=254)
    old_role = models.CharField(max_length=10, choices=Membership.Role.choices, blank=True)
    new_role = models.CharField(max_length=10, choices=Membership.Role.choices, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.actor} {self.action} {self.subject}"

    def get_action_display(self):
        return choice_display(self, "action")

    def get_old_role_display(self):
        return choice_display(self, "old_role")

    def get_new_role_display(self):
        return choice_display(self, "new_role")


# --- perspectives: respondents outside the office rate the same criteria ----------------------


class PerspectiveRound(models.Model):
    """A round of outside ratings on one self-assessment: groups, respondents, their answers,
    and the level the office agreed per criterion once the round closed."""

    MAX_GROUPS = 8

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="perspective_round"
    )
    closes_on = models.DateField(_("closing date"))
    closed_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.assessment} perspectives"


class PerspectiveGroup(models.Model):
    round = models.ForeignKey(PerspectiveRound, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("group name"), max_length=80)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "position"], name="one_group_per_position")
        ]

    def __str__(self):
        return self.name


class Respondent(models.Model):
    """Someone asked to rate, by a personal link sent by e-mail or a code handed out. Only
    the token's hash is kept; `email` is blank for codes."""

    round = models.ForeignKey(
        PerspectiveRound, on_delete=models.CASCADE, related_name="respondents"
    )
    group = models.ForeignKey(
        PerspectiveGroup, on_delete=models.CASCADE, related_name="respondents"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True)
    invited_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"respondent {self.pk} ({self.group})"


class PerspectiveAnswer(models.Model):
    """One respondent's level for one criterion; level None means "don't know"."""

    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["respondent", "criterion"], name="one_answer_per_criterion"
            ),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__lte=4),
                name="answer_level_in_rubric",
            ),
        ]

    def __str__(self):
        return f"{self.respondent_id}: {self.criterion_id} = {self.level}"


class Consensus(models.Model):
    """The level the office agreed for a criterion after hearing the perspectives; the
    entry's level is set to it, and this row is the record that it was agreed so."""

    round = models.ForeignKey(PerspectiveRound, on_delete=models.CASCADE, related_name="consensus")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(validators=[MaxValueValidator(4)])
    rationale = models.TextField(_("rationale"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "criterion"], name="one_consensus_per_criterion"
            )
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.level}"


class Profile(models.Model):
    """What a user chooses for themselves beyond Django's user: for now, their language.

    Made on demand (assessments.profiles); a user without one uses the site's default.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # Blank until the user picks one; a code of settings.LANGUAGES ("pt-br", not "pt_BR").
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Notify(models.TextChoices):
        IMMEDIATE = "immediate", _("Each one as it happens")
        WEEKLY = "weekly", _("One weekly digest")
        NONE = "none", _("None")

    notify = models.CharField(
        _("e-mail notifications"), max_length=10, choices=Notify.choices, default=Notify.IMMEDIATE
    )

    def __str__(self):
        return f"{self.user} ({self.language or '-'})"


class Action(models.Model):
    """Something an office will do about a criterion, planned in one cycle and followed
    across the next ones: it belongs to the office, not to an assessment."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in-progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="actions")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    # The assessment (cycle) the action was planned in; it outlives a deleted draft.
    planned_in = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what will be done"), blank=True)
    # A member of the office, or the name of someone outside the app (owner_name). A member
    # who leaves keeps their actions until someone reassigns them.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_actions",
        verbose_name=_("owner"),
    )
    owner_name = models.CharField(_("owner outside the app"), max_length=150, blank=True)
    due = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    drop_reason = models.TextField(_("why it was dropped"), blank=True)
    success_measure = models.TextField(_("success measure"), blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # Links to evidence of progress, one public web address a line (checked by the form).
    links = models.TextField(_("links to evidence"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking, as for entries: a save must name the version it started from.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["criterion__number", "due", "pk"]
        indexes = [models.Index(fields=["office", "status", "due"])]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in (self.Status.PLANNED, self.Status.IN_PROGRESS)

    def get_status_display(self):
        return choice_display(self, "status")


class Notification(models.Model):
    """One thing one user is told by e-mail (assessments.notifications): mailed when it
    happens, or gathered into the weekly digest, as the user chose (Profile.notify).

    `key` names the event (e.g. "action-due:12:2026-05-01"): a user is told of one event
    once, whoever asks again (unique user and key), so the periodic command may run twice.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Assessment submitted")
        RETURNED = "returned", _("Assessment returned")
        PUBLISHED = "published", _("Assessment published")
        COMMENT = "comment", _("Review comment")
        ACTION_DUE = "action-due", _("Action due soon")
        ACTION_OVERDUE = "action-overdue", _("Action overdue")
        ROUND_CLOSING = "round-closing", _("Perspectives round closing")
        ROUND_CLOSED = "round-closed", _("Perspectives round closed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200)
    # What the message says, as plain values (names, numbers, ISO dates, site paths), so
    # that it is written in the recipient's language when it is mailed.
    context = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    # When it was handed to the task worker on its own (immediate; the worker retries a
    # refused mail and keeps a failure visible) or in a weekly digest; both empty: waiting
    # for the digest.
    sent_at = models.DateTimeField(null=True, blank=True)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_notification")]
        indexes = [models.Index(fields=["sent_at", "digest_sent_at"])]

    def __str__(self):
        return f"{self.user} - {self.key}"

    @property
    def is_pending(self):
        return self.sent_at is None and self.digest_sent_at is None


class Digest(models.Model):
    """A weekly digest mailed to a user, one per ISO week (unique user and week)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8)  # ISO year and week, "2026-W48"
    sent_at = models.DateTimeField(default=timezone.now)
    items = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="unique_digest")]

    def __str__(self):
        return f"{self.user} - {self.week}"


class ActionNote(models.Model):
    """What an office says about one of its actions when it assesses again: a short word on
    each action of an earlier cycle that is not done, one per action and assessment."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="action_notes"
    )
    text = models.TextField(_("a word on this action"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action", "assessment"], name="one_note_per_action_and_assessment"
            )
        ]

    def __str__(self):
        return self.text[:60]
