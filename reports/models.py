import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class BundleJob(models.Model):
    """One ZIP bundle of scorecards, made by the task worker (reports.tasks.build_bundle).

    `key` names exactly what is inside: the selection (cycle, region, fictional offices,
    language, paper), the assessments chosen with their versions, and the print layout
    (reports.bundle.job_key). One job per key: a second request for the same bundle joins
    the job. `selection` is the key without the assessments' versions: when a job of a
    selection is ready, the older ones of that selection and their files are deleted.
    The id is random, so a job's pages cannot be found by counting.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=64, unique=True)
    selection = models.CharField(max_length=200, db_index=True)
    cycle = models.PositiveIntegerField()
    region = models.CharField(max_length=40, blank=True)
    fictional = models.BooleanField(default=False)
    language = models.CharField(max_length=10)
    paper = models.CharField(max_length=10)
    # The base of the scorecards' links (SITE_URL, or the host of the request that asked for
    # the bundle): the worker has no request. Empty: assessments.links.site_base().
    site_base = models.CharField(max_length=200, blank=True)
    # The assessments chosen when the job was asked for, in the ZIP's order.
    assessment_ids = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # Scorecards that could not be rendered (listed in the ZIP's problems.txt).
    left_out = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    # The ZIP's name in default_storage, once ready.
    file_name = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("scorecard bundle")
        verbose_name_plural = _("scorecard bundles")

    def __str__(self):
        return f"{self.selection} ({self.status})"

    @property
    def download_name(self):
        """The ZIP's file name for the person downloading it."""
        return f"scorecards-{self.cycle}" + (f"-{self.region}" if self.region else "") + ".zip"

    @property
    def finished_work(self):
        return self.status in (self.Status.READY, self.Status.FAILED)


class CacheGeneration(models.Model):
    """One row whose value moves with every save or deletion of the reference data that
    pages show besides assessments (reports.cache): read in the same query as the
    published-data stamp, so an edit in the admin on one machine changes the cache keys of
    every process on every machine at once."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("cache generation")

    def __str__(self):
        return str(self.value)


class ScorecardRender(models.Model):
    """A claim on rendering one scorecard version (reports.scorecard_cache), for the whole
    cluster: the process that inserted the row renders and stores the PDF, the others (on
    any node) wait for the file in storage. The row is deleted when the render ends. A claim
    older than the render's time budget is stale (its process died mid-render) and may be
    taken over: `token` tells the holder whether the claim is still its own.
    """

    key = models.CharField(max_length=200, primary_key=True)
    token = models.CharField(max_length=32)
    claimed = models.DateTimeField()
    # Who holds it (host and process id): for people looking at a stuck claim.
    holder = models.CharField(max_length=100, blank=True)

    def __str__(self):
        return f"{self.key} ({self.holder})"
