from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from cities.models import City, Office, SourcedFact
from criteria.models import Criterion
from reports.cache import public_content
from reports.city_views import format_value

from .redis_cache import cache_status


@require_safe
def home(request):
    def build():
        context = {
            "criteria": Criterion.objects.only(
                "number", "slug", "title", "short_title", "translations"
            ),
            "sample_cities": City.objects.filter(in_sample=True).count(),
            "sample_offices": Office.objects.filter(in_sample=True).count(),
            "network": network_figures(),
        }
        return render_to_string("home.html#content", context, request=request)

    # The same for every visitor: kept per language and data version (reports.cache).
    content = public_content(request, "home", "", build, everyone=True)
    return render(request, "home.html", {"content": mark_safe(content)})  # noqa: S308


# The figures the report's "About" page gives on Peace in Our Cities, by fixture key.
NETWORK_FACTS = {
    "cities": "pioc-member-cities",
    "partners": "pioc-partners",
    "people": "pioc-people-represented",
    "founded": "pioc-founded",
    "goal": "pioc-goal-year",
}


def network_figures():
    """The network's figures for the home page, or None until load_report has run."""
    facts = {f.key: f for f in SourcedFact.objects.filter(city=None, country=None)}
    if not all(key in facts for key in NETWORK_FACTS.values()):
        return None
    figures = {}
    for name, key in NETWORK_FACTS.items():
        value = facts[key].value
        figures[name] = format_value(value, facts[key].unit)
    figures["citation"] = "; ".join(sorted({facts[key].citation for key in NETWORK_FACTS.values()}))
    return figures


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    # A shared cache that does not answer costs speed, not correctness: still 200, so a
    # load balancer keeps the node, but monitoring can tell (docs/cluster.md).
    state, detail = cache_status()
    if state != "ok":
        return HttpResponse(f"degraded: cache unavailable ({detail})", content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


# Crawlers may read every public page; the workspace, sign-in, admin and token links are for
# people (they would only index login forms and redirects). Lighthouse reads this file too.
ROBOTS_DISALLOW = [
    "/accounts/",
    "/admin/",
    "/assess/",
    "/i18n/",
    "/join/answer/",
    "/join/invitation/",
    "/join/verify/",
    "/respond/",
]


def robots_lines(*, disallow):
    """The lines of /robots.txt: one group for every crawler."""
    return ["User-agent: *", *(f"Disallow: {prefix}" for prefix in disallow)]


@cache_control(public=True, max_age=86400)
@require_safe
def robots_txt(request):
    body = "\n".join(robots_lines(disallow=ROBOTS_DISALLOW)) + "\n"
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
