"""What offices say about themselves and what reviewers decide: assessments, their entries,
evidence, review comments, and who belongs to which office."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cities.models import Office, Origin
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

    history = HistoricalRecords()
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
        ]

    def __str__(self):
        return f"{self.assessment} / {self.criterion.number}"

    @property
    def not_applicable(self):
        return self.applicability == self.Applicability.NOT_APPLICABLE

    @property
    def not_assessed(self):
        return self.applicability == self.Applicability.NOT_ASSESSED


class EvidenceLink(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(_("URL"), max_length=500)
    title = models.CharField(_("title"), max_length=200)
    checked_on = models.DateField(_("date last checked"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.title


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


class Membership(models.Model):
    """City staff belong to offices, as editors (may save) or viewers (read only)."""

    class Role(models.TextChoices):
        EDITOR = "editor", _("Editor")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.EDITOR)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "office"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} - {self.office} ({self.role})"
