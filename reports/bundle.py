"""ZIP bundles of a cycle's published scorecards, made by the task worker.

A request chooses the assessments (`bundle_assessments`) and finds or starts the job that
makes their ZIP (`start_job`, a reports.models.BundleJob): one job per selection and
published versions, so a second request joins the first one's job. The worker's task
(reports.tasks.build_bundle) renders each PDF into the scorecards storage (at most one is
in memory at a time; reports.scorecard_cache: one render per version for the whole
cluster, shared with the web's downloads), counting progress in the job, then writes the
ZIP chunk by chunk from the stored files into a temporary file and hands it to
default_storage (`build`): neither the PDFs nor the ZIP are ever held in memory whole.
When a job is ready, the older jobs of its selection and their files are deleted
(`drop_older_jobs`).

A scorecard that cannot be rendered (reports.pdf.RenderFailed, remembered per version by
reports.scorecard_cache) does not fail the bundle: it is left out, and NOTES_NAME inside
the ZIP says which offices were left out and why.
"""

import hashlib
import tempfile
import time
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.access import visible_assessments
from assessments.links import site_base
from assessments.models import Assessment

from . import pdf, scorecard_cache, storage
from .models import BundleJob

# A partner bundle; beyond this, narrow it by region.
MAX_FILES = 100
CHUNK = 64 * 1024
# The note inside the ZIP that lists the scorecards left out.
NOTES_NAME = "problems.txt"
# Where the ZIPs are kept in default_storage.
STORAGE_DIR = "bundles"
# How long the worker waits for a free render slot (the web's scorecards go first) before
# the attempt fails and is retried later.
SLOT_WAIT = 120
# A running job whose progress has not moved for this long is taken as lost (its worker
# stopped): the progress page offers to start it again.
STALE_SECONDS = 15 * 60


def bundle_assessments(*, user, cycle, region=None, fictional=False):
    """The published assessments of `cycle` (of `region`), real offices unless `fictional`."""
    qs = _ordered(visible_assessments(user).published().filter(cycle=cycle))
    if region:
        qs = qs.filter(office__city__country__region=region)
    if not fictional:
        qs = qs.real()
    return list(qs[: MAX_FILES + 1])


def _ordered(qs):
    return qs.select_related("office__city__country").order_by(
        "office__city__name", "office__name", "kind"
    )


def archive_name(assessment):
    office = assessment.office
    return f"{office.city.slug}-{office.slug}-{assessment.cycle}-{assessment.kind}.pdf"


@dataclass
class Bundle:
    files: list = field(default_factory=list)  # [(name in the ZIP, the PDF's stored name)]
    left_out: list = field(default_factory=list)  # [(assessment, reports.pdf.RenderFailed)]


# --- the request's side: find or start the job ------------------------------------------------


def selection_of(*, cycle, region, fictional, language, paper, base=""):
    """What a person asked for, without the versions: the jobs kept one per selection.
    Each site base (host) has its own: a bundle for one host never drops another's."""
    kind = "fictional" if fictional else "real"
    site = hashlib.sha256(base.encode()).hexdigest()[:12]
    return f"{cycle}|{region or 'all'}|{kind}|{language}|{paper}|{site}"


def job_key(*, selection, assessments, base=""):
    """The selection and what it holds now: the published versions, the print layout and
    the site's base the scorecards link to.

    A new publication (or correction) of one of the cycle's scorecards, or a new layout,
    is a new key and so a new bundle; so is another host when SITE_URL is not set.
    """
    digest = hashlib.sha256(f"{selection}|{base}".encode())
    digest.update(scorecard_cache.layout_fingerprint().encode())
    for a in assessments:
        digest.update(f"|{a.pk}-v{a.version}-{a.status}".encode())
    return digest.hexdigest()


def start_job(*, assessments, cycle, region, fictional, language, paper, base=None):
    """The job making the bundle of `assessments`: the one asked for before, or a new one
    handed to the worker. A ready job whose file is gone is made again. The worker has no
    request: `base` (the requesting site's, assessments.links.site_base) is kept on the job
    for the scorecards' addresses and QR codes."""
    base = base or site_base()
    from .tasks import build_bundle

    selection = selection_of(
        cycle=cycle, region=region, fictional=fictional, language=language, paper=paper, base=base
    )
    key = job_key(selection=selection, assessments=assessments, base=base)
    job = BundleJob.objects.filter(key=key).first()
    if job is not None:
        if job.status == BundleJob.Status.READY and not default_storage.exists(job.file_name):
            restart_job(job, statuses=[BundleJob.Status.READY])
            job.refresh_from_db()
        return job
    try:
        with transaction.atomic():
            job = BundleJob.objects.create(
                key=key,
                selection=selection,
                cycle=cycle,
                region=region or "",
                fictional=fictional,
                language=language,
                paper=paper,
                site_base=base,
                assessment_ids=[a.pk for a in assessments],
                total=len(assessments),
            )
    except IntegrityError:  # another request made it at the same moment: join it
        return BundleJob.objects.get(key=key)
    build_bundle.enqueue(job_id=str(job.pk))
    job.refresh_from_db()  # a backend that runs tasks at once has finished it already
    return job


def is_stale(job, *, now=None):
    """Whether a running job has made no progress for STALE_SECONDS (its worker stopped)."""
    now = now or timezone.now()
    return (
        job.status == BundleJob.Status.RUNNING
        and (now - job.updated).total_seconds() > STALE_SECONDS
    )


def may_restart(job):
    return job.status == BundleJob.Status.FAILED or is_stale(job)


def restart_job(job, *, statuses=(BundleJob.Status.FAILED,)):
    """Queue a failed (or lost, or vanished) job again; False when it was not in
    `statuses` any more (someone else restarted it first)."""
    from .tasks import build_bundle

    restarted = BundleJob.objects.filter(pk=job.pk, status__in=statuses)
    if job.status == BundleJob.Status.RUNNING:
        restarted = restarted.filter(updated=job.updated)  # still stale, as we saw it
    if not restarted.update(
        status=BundleJob.Status.QUEUED,
        done=0,
        attempts=0,
        error="",
        file_name="",
        finished=None,
        updated=timezone.now(),
    ):
        return False
    build_bundle.enqueue(job_id=str(job.pk))
    return True


# --- the worker's side: render, zip, store -----------------------------------------------------


def build(job, *, progress=lambda done, total: None):
    """Render the job's scorecards and store their ZIP in default_storage.

    Returns (the ZIP's name in the storage, the Bundle). `progress(done, total)` is called
    before the first scorecard and after each one. Scorecards that cannot be rendered are
    left out and listed in NOTES_NAME; a machine whose render slots stay busy for SLOT_WAIT
    seconds raises reports.pdf.RenderBusy (the task is tried again later).
    """
    assessments = list(_ordered(Assessment.objects.published().filter(pk__in=job.assessment_ids)))
    made = Bundle()
    progress(0, len(assessments))
    for done, a in enumerate(assessments, start=1):
        try:
            stored = _render(a, language=job.language, paper=job.paper, base=job.site_base)
        except pdf.RenderFailed as failure:
            made.left_out.append((a, failure))
        else:
            made.files.append((archive_name(a), stored))
        progress(done, len(assessments))
    with tempfile.TemporaryFile() as tmp:
        for chunk in stream_zip(
            made.files,
            notes=notes(made, cycle=job.cycle, language=job.language),
            store=storage.scorecards(),
        ):
            tmp.write(chunk)
        tmp.seek(0)
        name = default_storage.save(
            f"{STORAGE_DIR}/{job.download_name.removesuffix('.zip')}-{job.pk.hex}.zip",
            File(tmp),
        )
    return name, made


def _render(assessment, *, language, paper, base=None):
    """Stored name of the scorecard, waiting up to SLOT_WAIT seconds for a render slot (or
    for another process's render of it).

    A timeout that was not the document's fault (a starved render) is tried once more
    before the scorecard is left out.
    """
    deadline = time.monotonic() + SLOT_WAIT
    tries = 0
    while True:
        try:
            return scorecard_cache.ensure_scorecard(
                assessment=assessment, language=language, paper=paper, base=base or None
            )
        except pdf.RenderBusy:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
        except pdf.RenderFailed as failure:
            tries += 1
            if failure.permanent or tries >= 2:
                raise


def drop_older_jobs(job):
    """Delete the finished jobs of `job`'s selection made before it, and their files."""
    older = BundleJob.objects.filter(
        selection=job.selection,
        created__lt=job.created,
        status__in=[BundleJob.Status.READY, BundleJob.Status.FAILED],
    )
    for old in older:
        if old.file_name:
            default_storage.delete(old.file_name)
        old.delete()


def notes(made, *, cycle, language):
    """[(NOTES_NAME, text)] listing the scorecards left out of `made`, in `language`."""
    if not made.left_out:
        return []
    with translation.override(language):
        lines = [
            _("Scorecards left out of this bundle (cycle %(cycle)s)") % {"cycle": cycle},
            "",
            _(
                "These scorecards could not be rendered, so they are not in this ZIP. "
                "This usually comes from very long lines or very long words in an "
                "assessment's texts. Each is rendered again when its assessment changes."
            ),
            "",
        ]
        for assessment, failure in made.left_out:
            office = assessment.office
            lines.append(
                f"- {archive_name(assessment)}: {office.name}, {office.city.name}. "
                f"{_failure_reason(failure)}"
            )
    return [(NOTES_NAME, "\n".join(lines) + "\n")]


def _failure_reason(failure):
    if isinstance(failure, pdf.RenderTimeout):
        return _("Rendering took longer than the %(seconds)s seconds allowed.") % {
            "seconds": settings.PDF_RENDER_TIMEOUT
        }
    if isinstance(failure, pdf.RenderOutOfMemory):
        return _("Rendering needed more than the %(megabytes)s MB of memory allowed.") % {
            "megabytes": settings.PDF_RENDER_RSS_MB
        }
    return _("The PDF renderer stopped with an error.")


def _member(name, source, store):
    """(ZipInfo, open file) of one member, read from disk or from `store`."""
    if store is None:
        return zipfile.ZipInfo.from_file(source, name), open(source, "rb")  # noqa: SIM115
    fh = store.open(source, "rb")
    when = time.localtime(storage.modified_time(fh))[:6]
    info = zipfile.ZipInfo(name, date_time=when)
    info.external_attr = 0o644 << 16
    return info, fh


class _Sink:
    """A write-only file for ZipFile whose bytes are taken out after each chunk."""

    def __init__(self):
        self.parts = []

    def write(self, data):
        self.parts.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def stream_zip(files, *, notes=(), store=None):
    """Yield the ZIP of `files` ([(name, path)], or [(name, stored name)] of `store`) and
    `notes` ([(name, text)]) in chunks.

    PDFs are already compressed, so they are stored as they are. The files are opened
    before the first byte goes out, so a version replaced meanwhile cannot cut the ZIP.
    Each member keeps its file's date (when it was rendered).
    """
    handles = [_member(name, source, store) for name, source in files]
    sink = _Sink()
    try:
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
            for info, fh in handles:
                info.compress_type = zipfile.ZIP_STORED
                with archive.open(info, "w") as member:
                    while chunk := fh.read(CHUNK):
                        member.write(chunk)
                        yield sink.take()
            for name, text in notes:
                info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
                info.external_attr = 0o644 << 16
                archive.writestr(info, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
                yield sink.take()
        yield sink.take()  # the last member's data descriptor and the central directory
    finally:
        for _info, fh in handles:
            fh.close()
