"""Work of the reports app done by the task worker (see docs/tasks.md): scorecard bundles."""

from django.tasks import task
from django.utils import timezone

from assessments.tasks import retry_later

from . import bundle
from .models import BundleJob


@task
def build_bundle(*, job_id, attempt=1):
    """Make the ZIP of a BundleJob, counting its progress; retried with backoff when it
    fails, then kept as failed (the progress page offers to try again)."""
    job = BundleJob.objects.filter(pk=job_id).first()
    if job is None or job.status == BundleJob.Status.READY:
        return {"job": job_id, "skipped": True}
    jobs = BundleJob.objects.filter(pk=job_id)
    jobs.update(
        status=BundleJob.Status.RUNNING,
        attempts=attempt,
        done=0,
        updated=timezone.now(),
    )

    def progress(done, total):
        jobs.update(done=done, total=total, updated=timezone.now())

    try:
        name, made = bundle.build(job, progress=progress)
    except Exception as exc:
        # Queued again before the retry is enqueued: a backend that runs it at once
        # records its outcome, which this attempt must not overwrite.
        jobs.update(
            status=BundleJob.Status.QUEUED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            updated=timezone.now(),
        )
        if not retry_later(build_bundle, attempt=attempt, kwargs={"job_id": job_id}):
            jobs.update(status=BundleJob.Status.FAILED, finished=timezone.now())
        raise  # this attempt is recorded as failed, with its traceback
    now = timezone.now()
    jobs.update(
        status=BundleJob.Status.READY,
        left_out=len(made.left_out),
        file_name=name,
        error="",
        finished=now,
        updated=now,
    )
    job.refresh_from_db()
    bundle.drop_older_jobs(job)
    return {"job": job_id, "files": len(made.files), "left_out": len(made.left_out)}
