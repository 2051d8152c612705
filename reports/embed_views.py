"""A published assessment as a small page other sites may put in a frame
(/embed/scorecards/<id>/): the office, the cycle, the levels chart and links back.

Only this page may be framed, by any site (CSP frame-ancestors *); every other page stays
frame-denied. It shows what anyone may see: a published assessment, else 404.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from assessments.access import get_assessment_for_user
from assessments.models import Assessment

from . import scorecard

EMBED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'none'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["*"],
}


def snippet(request, assessment):
    """The HTML another site pastes to show `assessment` (the city page offers it)."""
    url = request.build_absolute_uri(reverse("embed-scorecard", args=[assessment.pk]))
    title = f"{assessment.office.name} {assessment.cycle}"
    return (
        f'<iframe src="{escape(url)}" title="{escape(title)}" width="100%" height="420" '
        'loading="lazy" style="border:0"></iframe>'
    )


@require_safe
@xframe_options_exempt
@csp_override(EMBED_CSP)
def embed_scorecard(request, pk):
    # What the public sees, whoever asks: a signed-in member's draft is never embedded.
    assessment = get_assessment_for_user(AnonymousUser(), pk)
    rows = scorecard.scorecard_rows(assessment)
    response = render(
        request,
        "reports/embed.html",
        {
            "assessment": assessment,
            "office": assessment.office,
            "city": assessment.office.city,
            "chart_svg": scorecard.levels_svg(rows=rows),
            "rated": any(row.level is not None for row in rows),
        },
    )
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_safe
def scorecard_chart_svg(request, pk):
    """The scorecard's levels chart as an SVG file, for whoever may read the assessment
    (the city page links it, and its script turns it into a PNG in the browser)."""
    assessment = get_assessment_for_user(request.user, pk)
    rows = scorecard.scorecard_rows(assessment)
    office = assessment.office
    name = f"ovp-levels-{office.city.slug}-{office.slug}-{assessment.cycle}-{assessment.kind}.svg"
    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + scorecard.levels_svg(rows=rows),
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    public = assessment.status == Assessment.Status.PUBLISHED
    response["Cache-Control"] = "public, no-cache" if public else "private, no-store"
    return response
