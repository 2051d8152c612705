"""PDF scorecards: one per assessment, and ZIP bundles of a cycle's published ones.

The views check who may see what (assessments.access) and read the options through a form;
rendering, caching and zipping live in reports/scorecard*.py, reports/pdf.py and
reports/bundle.py.

What a scorecard request answers:
- 200 with the PDF (304 when the client has it). Published: `Cache-Control: public,
  no-cache`; drafts and submitted ones: `private, no-store`, kept by no cache at all.
- 400 with the options form when `lang` or `paper` is not valid.
- 503 with a page saying the scorecard could not be rendered when its render took longer
  than settings.PDF_RENDER_TIMEOUT or needed more memory than settings.PDF_RENDER_RSS_MB
  (or PDF_RENDER_MEMORY_MB of address space): the service cannot make this document at
  its current limits. 500 when the renderer failed otherwise. These failures are
  remembered per version (reports.scorecard_cache): later requests get the same page at
  once, without rendering, until the assessment changes. No Retry-After: trying again does
  not help until then.
- 503 with `Retry-After` when every render slot of the machine stayed busy
  (settings.PDF_RENDER_CONCURRENCY), or another node's render of the same version did not
  finish within the render's budget: trying again soon does help.
- 503 with `Retry-After` when the file storage does not answer (docs/storage.md): nothing
  is remembered, the next try after it is back renders or reads the file.
Error pages carry `Cache-Control: no-store` (and the other never-cache headers).

Bundles are made by the task worker (reports/bundle.py, reports/tasks.py). The bundle
URL answers the ZIP when it is ready for the same selection and published versions, else
redirects to the job's progress page and the ZIP is downloaded from there when ready. The
page's script polls the job's JSON status; without JavaScript, a "Check again" link
reloads it (no automatic refresh: it would interrupt screen readers, WCAG 2.2.1). A
bundle leaves out the scorecards that cannot be rendered and lists them in problems.txt
inside the ZIP. Every job page checks that the visitor may read each of its scorecards.
"""

import logging

from django import forms
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from assessments.access import get_assessment_for_user, visible_assessments
from assessments.links import site_base
from assessments.models import Assessment
from cities.models import Region

from . import bundle, pdf, scorecard_cache, storage
from .models import BundleJob

PAPER_SIZES = [("a4", _("A4")), ("letter", _("US Letter"))]
# When the file storage did not answer: try again after this many seconds.
STORE_RETRY_AFTER = 60
logger = logging.getLogger("ovp.storage")


class ScorecardOptionsForm(forms.Form):
    lang = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, required=False)
    paper = forms.ChoiceField(label=_("Paper size"), choices=PAPER_SIZES, required=False)

    def options(self):
        """(language, paper), defaulting to the active language and A4."""
        language = self.cleaned_data.get("lang") or _active_language()
        return language, self.cleaned_data.get("paper") or "a4"


class BundleOptionsForm(ScorecardOptionsForm):
    region = forms.ChoiceField(label=_("Region"), choices=Region.choices, required=False)
    fictional = forms.BooleanField(label=_("Include fictional offices"), required=False)


def _active_language():
    codes = [code for code, _name in settings.LANGUAGES]
    current = (translation.get_language() or settings.LANGUAGE_CODE).lower()
    for code in (current, current.split("-")[0]):
        if code in codes:
            return code
    return settings.LANGUAGE_CODE


def _problem(request, *, status, title, message, form=None, hints=()):
    return render(
        request,
        "reports/scorecard/problem.html",
        {"title": title, "message": message, "form": form, "hints": hints},
        status=status,
    )


def _bad_options(request, form):
    return _problem(
        request,
        status=400,
        title=_("The scorecard options are not valid"),
        message=_("Correct the options below and try again."),
        form=form,
    )


def _busy(request):
    response = _problem(
        request,
        status=503,
        title=_("The PDF renderer is busy"),
        message=_(
            "Other scorecards are being rendered right now, so this one was not started. "
            "Please try again in a few seconds."
        ),
    )
    response.headers["Retry-After"] = str(settings.PDF_RENDER_TIMEOUT)
    add_never_cache_headers(response)
    return response


def store_unavailable(request):
    """The page for a file that could not be read or written because the storage (the
    disk, or the object store) did not answer; also for the open-data views."""
    logger.warning("file storage unavailable for %s", request.path, exc_info=True)
    response = _problem(
        request,
        status=503,
        title=_("Files are unavailable for a moment"),
        message=_(
            "The place where files are kept did not answer, so this file could not be "
            "served. Nothing is lost: please try again in a minute."
        ),
    )
    response.headers["Retry-After"] = str(STORE_RETRY_AFTER)
    add_never_cache_headers(response)
    return response


def _not_rendered(request, failure):
    """The page for a scorecard whose render failed (now, or remembered from before)."""
    if isinstance(failure, pdf.RenderTimeout):
        status = 503
        message = _(
            "Making its PDF took longer than the %(seconds)s seconds allowed, so it was stopped."
        ) % {"seconds": settings.PDF_RENDER_TIMEOUT}
    elif isinstance(failure, pdf.RenderOutOfMemory):
        status = 503
        message = _(
            "Making its PDF needed more than the %(megabytes)s MB of memory allowed, so it "
            "was stopped."
        ) % {"megabytes": settings.PDF_RENDER_RSS_MB}
    else:
        status = 500
        message = _("The PDF renderer stopped with an error.")
    response = _problem(
        request,
        status=status,
        title=_("This scorecard could not be rendered"),
        message=message,
        hints=[
            _(
                "This usually comes from the assessment's texts: very long lines, many "
                "line breaks, very long words without spaces, or long runs of accents, "
                "emoji or right-to-left text."
            ),
            _(
                "Shorten those passages: if you may edit this assessment, do it in its "
                "form; otherwise tell the office or the site's team."
            ),
            _(
                "The scorecard is rendered again as soon as the assessment changes. "
                "Until then, trying again shows this page."
            ),
        ],
    )
    add_never_cache_headers(response)
    return response


@require_safe
def scorecard(request, pk):
    assessment = get_assessment_for_user(request.user, pk)
    form = ScorecardOptionsForm(request.GET)
    if not form.is_valid():
        return _bad_options(request, form)
    language, paper = form.options()

    try:
        fh, key = scorecard_cache.open_scorecard(
            assessment=assessment, language=language, paper=paper, base=site_base(request)
        )
    except pdf.RenderBusy:
        return _busy(request)
    except pdf.RenderFailed as failure:
        return _not_rendered(request, failure)
    except storage.UNAVAILABLE:
        return store_unavailable(request)
    etag = scorecard_cache.etag_for(key)
    try:
        modified = int(storage.modified_time(fh))
    except storage.UNAVAILABLE:
        fh.close()
        return store_unavailable(request)
    response = get_conditional_response(request, etag=etag, last_modified=modified)
    if response is not None:
        fh.close()
    else:
        office = assessment.office
        response = FileResponse(
            fh,
            content_type="application/pdf",
            filename=(
                f"scorecard-{office.city.slug}-{office.slug}-{assessment.cycle}-"
                f"{assessment.kind}-v{assessment.version}-{language}.pdf"
            ),
        )
    response.headers["ETag"] = etag
    response.headers["Content-Language"] = language
    response.headers["Last-Modified"] = http_date(modified)
    # Published: always revalidate (the URL stays while versions change). Drafts and
    # submitted ones are not public yet: no cache keeps them, not even the browser's.
    public = assessment.status == Assessment.Status.PUBLISHED
    response.headers["Cache-Control"] = "public, no-cache" if public else "private, no-store"
    return response


@require_safe
def scorecard_bundle(request, cycle):
    form = BundleOptionsForm(request.GET)
    if not form.is_valid():
        return _bad_options(request, form)
    language, paper = form.options()
    assessments = bundle.bundle_assessments(
        user=request.user,
        cycle=cycle,
        region=form.cleaned_data["region"],
        fictional=form.cleaned_data["fictional"],
    )
    if not assessments:
        return _problem(
            request,
            status=404,
            title=_("No published scorecards"),
            message=_("No assessment of this cycle and region has been published."),
        )
    if len(assessments) > bundle.MAX_FILES:
        return _problem(
            request,
            status=400,
            title=_("Too many scorecards for one bundle"),
            message=_("Choose a region to make the bundle smaller."),
            form=form,
        )
    try:
        job = bundle.start_job(
            assessments=assessments,
            cycle=cycle,
            region=form.cleaned_data["region"],
            fictional=form.cleaned_data["fictional"],
            language=language,
            paper=paper,
            base=site_base(request),
        )
        if job.status == BundleJob.Status.READY:
            return _zip_response(job)
    except storage.UNAVAILABLE:
        return store_unavailable(request)
    return redirect("reports:bundle-job", job=job.pk)


def _get_job_for_user(user, job_id):
    """The bundle job `job_id` if `user` may read every scorecard in it, else 404."""
    job = get_object_or_404(BundleJob, pk=job_id)
    ids = set(job.assessment_ids)
    if visible_assessments(user).filter(pk__in=ids).count() != len(ids):
        raise Http404
    return job


def _zip_response(job):
    response = FileResponse(
        default_storage.open(job.file_name, "rb"),
        content_type="application/zip",
        as_attachment=True,
        filename=job.download_name,
    )
    # The same bundle URL gives a newer ZIP after a publication.
    response.headers["Cache-Control"] = "no-cache"
    return response


def _job_message(job):
    if job.status == BundleJob.Status.READY:
        message = ngettext(
            "The bundle is ready: %(count)s scorecard.",
            "The bundle is ready: %(count)s scorecards.",
            job.total - job.left_out,
        ) % {"count": job.total - job.left_out}
    elif job.status == BundleJob.Status.FAILED:
        message = _("Making the bundle failed.")
    elif job.status == BundleJob.Status.QUEUED and not job.error:
        message = _("Waiting for the worker to start on it.")
    else:
        message = _("%(done)s of %(total)s scorecards ready.") % {
            "done": job.done,
            "total": job.total,
        }
    return str(message)


def _job_status(job):
    return {
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "left_out": job.left_out,
        "message": _job_message(job),
        "download_url": (
            reverse("reports:bundle-download", args=[job.pk])
            if job.status == BundleJob.Status.READY
            else None
        ),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def bundle_job(request, job):
    """The progress page of a bundle: GET shows it, POST starts a failed (or lost) job again."""
    job = _get_job_for_user(request.user, job)
    if request.method == "POST":
        if bundle.may_restart(job):
            bundle.restart_job(job, statuses=[job.status])
        return redirect("reports:bundle-job", job=job.pk)
    response = render(
        request,
        "reports/bundle_job.html",
        {
            "job": job,
            "status": _job_status(job),
            "may_restart": bundle.may_restart(job),
            "selection": _selection_labels(job),
        },
    )
    add_never_cache_headers(response)
    return response


def _selection_labels(job):
    """What the bundle holds, in words: region, language, paper, fictional offices."""
    labels = [
        Region(job.region).label if job.region else _("Every region"),
        dict(settings.LANGUAGES).get(job.language, job.language),
        dict(PAPER_SIZES).get(job.paper, job.paper),
    ]
    if job.fictional:
        labels.append(_("fictional offices included"))
    return labels


@require_safe
def bundle_status(request, job):
    """The progress of a bundle as JSON, for the progress page's script."""
    response = JsonResponse(_job_status(_get_job_for_user(request.user, job)))
    add_never_cache_headers(response)
    return response


@require_safe
def bundle_download(request, job):
    job = _get_job_for_user(request.user, job)
    try:
        if job.status != BundleJob.Status.READY or not default_storage.exists(job.file_name):
            return redirect("reports:bundle-job", job=job.pk)
        return _zip_response(job)
    except storage.UNAVAILABLE:
        return store_unavailable(request)
