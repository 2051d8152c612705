"""PDF scorecards: one per assessment, and ZIP bundles of a cycle's published ones.

The views check who may see what (assessments.access) and read the options through a form;
rendering, caching and zipping live in reports/scorecard*.py, reports/pdf.py and
reports/bundle.py.
"""

import os

from django import forms
from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from assessments.access import get_assessment_for_user
from assessments.models import Assessment
from cities.models import Region

from . import bundle, pdf, scorecard_cache

PAPER_SIZES = [("a4", _("A4")), ("letter", _("US Letter"))]


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


def _problem(request, *, status, title, message, form=None):
    return render(
        request,
        "reports/scorecard/problem.html",
        {"title": title, "message": message, "form": form},
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


def _too_slow(request):
    response = _problem(
        request,
        status=503,
        title=_("The scorecard is taking too long"),
        message=_(
            "Rendering the PDF took longer than the time allowed, so it was stopped. "
            "Please try again in a minute; if it keeps happening, tell the site's team."
        ),
    )
    response.headers["Retry-After"] = "60"
    return response


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


@require_safe
def scorecard(request, pk):
    assessment = get_assessment_for_user(request.user, pk)
    form = ScorecardOptionsForm(request.GET)
    if not form.is_valid():
        return _bad_options(request, form)
    language, paper = form.options()

    try:
        fh, key = scorecard_cache.open_scorecard(
            assessment=assessment, language=language, paper=paper
        )
    except pdf.RenderBusy:
        return _busy(request)
    except pdf.RenderTimeout:
        return _too_slow(request)
    etag = scorecard_cache.etag_for(key)
    modified = int(_mtime(fh))
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
    # Always revalidate (the URL stays while versions change); drafts stay out of shared caches.
    public = assessment.status == Assessment.Status.PUBLISHED
    response.headers["Cache-Control"] = "public, no-cache" if public else "private, no-cache"
    return response


def _mtime(fh):
    return os.fstat(fh.fileno()).st_mtime


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
        files = bundle.bundle_files(assessments=assessments, language=language, paper=paper)
    except bundle.BundleNotReady as exc:
        response = _problem(
            request,
            status=503,
            title=_("The bundle is not ready yet"),
            message=_(
                "%(ready)s of %(total)s scorecards are ready. Making the others took longer "
                "than one request may take; those made so far are kept, so please try again "
                "in a minute."
            )
            % {"ready": exc.ready, "total": exc.total},
        )
        response.headers["Retry-After"] = "60"
        return response
    region = form.cleaned_data["region"]
    name = f"scorecards-{cycle}" + (f"-{region}" if region else "")
    return StreamingHttpResponse(
        bundle.stream_zip(files),
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
    )
