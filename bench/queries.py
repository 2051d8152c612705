"""Inside Django, against one bench database: which URL each page is, who asks for it, and
how many SQL queries it runs.

Run as `python -m bench.queries [--sessions]` with the environment of a worker; prints JSON:
{"pages": {NAME: {"path", "user", "status", "bytes", "queries", "queries_first"}},
 "cookies": {USER: "sessionid=..."}, "scorecard_id": ID, "problems": [...]}.

Queries are counted with Django's test Client and CaptureQueriesContext: the first request
of a page may fill per-process caches, so the second one is the figure a warm worker gives
(`queries`); the first is kept too (`queries_first`).
"""

import argparse
import json
import os
import sys

# Demo accounts made by seed_demo (the accounts people and outside checks rely on).
STAFF_USER = "staff-cali"
RESEARCHER_USER = "researcher"
# Made by the bench when staff-cali has no draft (see bench_staff).
BENCH_STAFF = "bench-staff"
MATRIX_CITIES = 20
CITY_SLUG = "cali"
# synth's seed when none is given (the bench's --seed default).
DEFAULT_SEED = 1


def _setup():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ovp_assess.settings")
    django.setup()


def form_query(form_class, params):
    """`?name=value...` for `params`, each of which must be a field of `form_class`: the
    lenient filter forms ignore what they do not know, so a renamed field would otherwise
    change the page measured without a word."""
    from urllib.parse import urlencode

    unknown = sorted(set(params) - set(form_class.base_fields))
    if unknown:
        raise RuntimeError(f"{form_class.__name__} has no field {', '.join(unknown)}")
    return "?" + urlencode(params)


def matrix_slugs(count=MATRIX_CITIES):
    """Half report cities (Cali first), half synthetic ones; report cities fill any gap."""
    from cities.models import City, Origin

    real = list(
        City.objects.filter(origin=Origin.REPORT).order_by("name").values_list("slug", flat=True)
    )
    if CITY_SLUG in real:
        real.remove(CITY_SLUG)
        real.insert(0, CITY_SLUG)
    synthetic = list(
        City.objects.filter(origin=Origin.SYNTHETIC)
        .order_by("slug")
        .values_list("slug", flat=True)[: count // 2]
    )
    return (real[: count - len(synthetic)] + synthetic)[:count]


def scorecard_assessment():
    """A published assessment with nine rated criteria, demo first, with the most text."""
    from django.db.models import Count, IntegerField, Q, Sum
    from django.db.models.functions import Length

    from assessments.models import Assessment
    from cities.models import Origin

    full = (
        Assessment.objects.published()
        .annotate(
            rated=Count("entries", filter=Q(entries__level__isnull=False)),
            text=Sum(
                Length("entries__strengths") + Length("entries__opportunities"),
                output_field=IntegerField(),
            ),
        )
        .filter(rated=9)
    )
    for origin in (Origin.DEMO, Origin.SYNTHETIC, Origin.REPORT):
        found = full.filter(office__city__origin=origin).order_by("-text", "pk").first()
        if found is not None:
            return found
    return None


def _editable_draft(user):
    from assessments.access import can_edit
    from assessments.models import Assessment

    drafts = Assessment.objects.filter(
        status=Assessment.Status.DRAFT, kind=Assessment.Kind.SELF
    ).order_by("pk")
    return next((a for a in drafts if can_edit(user, a)), None)


def bench_staff():
    """(user, draft): staff-cali with a draft of their own, else BENCH_STAFF as an editor of
    the office of the first demo draft (fictional), made here in the bench's own database:
    seed_demo writes no assessment for a real city, and its demo author cannot log in."""
    from django.contrib.auth.models import User

    from assessments.models import Assessment, Membership
    from cities.models import Origin

    user = User.objects.filter(username=STAFF_USER, is_active=True).first()
    draft = _editable_draft(user) if user else None
    if draft is not None:
        return user, draft
    demo_draft = (
        Assessment.objects.filter(
            status=Assessment.Status.DRAFT,
            kind=Assessment.Kind.SELF,
            office__city__origin=Origin.DEMO,
        )
        .order_by("pk")
        .first()
    )
    if demo_draft is None:
        return None, None
    user, _ = User.objects.get_or_create(username=BENCH_STAFF)
    Membership.objects.get_or_create(
        user=user, office_id=demo_draft.office_id, defaults={"role": Membership.Role.EDITOR}
    )
    return user, _editable_draft(user)


def form_target():
    """(path, username, problem): the staff form of one criterion of a draft."""
    from django.urls import reverse

    from assessments.models import Entry

    user, assessment = bench_staff()
    if assessment is None:
        return None, None, f"no draft self-assessment that {STAFF_USER} or {BENCH_STAFF} may edit"
    entry = (
        Entry.objects.filter(assessment=assessment)
        .select_related("criterion")
        .order_by("criterion__number")
        .first()
    )
    if entry is None:
        return None, None, f"draft {assessment.pk} has no entries"
    path = reverse("assess:criterion", args=[assessment.pk, entry.criterion.number])
    return path, user.username, None


def bench_office_pages(seed):
    """The team, plan and perspectives results pages of synth's bench office (as its lead),
    and the form of its invited respondent (public, by the link derived from `seed`)."""
    from django.urls import reverse

    from assessments.models import PerspectiveRound
    from assessments.views import perspectives as perspective_views
    from assessments.views import plan as plan_views
    from assessments.views import respond as respond_views
    from assessments.views import team as team_views
    from cities.models import Office
    from reports.management.commands import synth
    from reports.synth import office_slug

    office = Office.objects.filter(slug=office_slug(synth.BENCH_OFFICE)).first()
    if office is None:
        names = "team, plan, perspectives, respond"
        return {}, [f"{names}: no bench office (synth {office_slug(synth.BENCH_OFFICE)})"]
    lead = [synth.BENCH_LEAD]
    pages = {
        "team": (reverse("assess:team", args=[office.pk]), team_views.team, lead),
        "plan": (reverse("assess:plan", args=[office.pk]), plan_views.plan, lead),
    }
    problems = []
    closed = (
        PerspectiveRound.objects.filter(assessment__office=office, closed_at__isnull=False)
        .order_by("pk")
        .first()
    )
    if closed is not None:
        path = reverse("assess:perspectives", args=[closed.assessment_id])
        pages["perspectives"] = (path, perspective_views.overview, lead)
    else:
        problems.append("perspectives: the bench office has no closed round")
    token = synth.respondent_token(seed=seed)
    pages["respond"] = (reverse("respond:answer", args=[token]), respond_views.answer, [None])
    return pages, problems


def plan(seed=DEFAULT_SEED):
    """{name: {"path", "users"}}: each page and the users to try, in order; and problems.

    `seed` is synth's: the bench office's respondent link is derived from it.

    The forms, views and URL names measured are imported and named here, not looked up by
    guessing: after a rename the bench fails loudly instead of measuring something else.
    """
    from django.urls import resolve, reverse

    from assessments.views import entries as assess_views
    from assessments.views import join as join_views
    from ovp_assess import views as site_views
    from reports import city_views as cities_views
    from reports import embed_views, scorecard_views
    from reports import views as reports_views
    from reports.forms import DashboardForm, MatrixForm

    problems = []
    matrix = {"cities": ",".join(matrix_slugs()), "include_demo": "on"}
    fictional = {"include_demo": "on", "include_synthetic": "on"}
    pages = {
        "healthz": (reverse("healthz"), site_views.healthz, [None]),
        "home": (reverse("home"), site_views.home, [None]),
        "cities": (reverse("cities:list"), cities_views.city_list, [None]),
        "city": (reverse("cities:detail", args=[CITY_SLUG]), cities_views.city_detail, [None]),
        "matrix20": (
            reverse("reports:matrix") + form_query(MatrixForm, matrix), reports_views.matrix,
            [None],
        ),
        "dashboard1000": (
            reverse("reports:dashboard") + form_query(DashboardForm, fictional),
            reports_views.dashboard, [None, RESEARCHER_USER],
        ),
    }  # fmt: skip
    path, user, problem = form_target()
    if path:
        pages["form"] = (path, assess_views.criterion, [user])
    else:
        problems.append(f"form: {problem}")
    office_pages, office_problems = bench_office_pages(seed)
    pages.update(office_pages)
    problems += office_problems
    pages["register"] = (reverse("join:register"), join_views.register, [None])
    assessment = scorecard_assessment()
    if assessment is not None:
        path = reverse("reports:scorecard", args=[assessment.pk])
        pages["pdf_cached"] = (path, scorecard_views.scorecard, [None, RESEARCHER_USER])
        path = reverse("embed-scorecard", args=[assessment.pk])
        pages["embed"] = (path, embed_views.embed_scorecard, [None])
    else:
        problems.append("pdf_cached: no published assessment with nine rated criteria")
    for name, (path, view, _users) in pages.items():
        if resolve(path.split("?")[0]).func is not view:
            raise RuntimeError(f"{name}: {path} is not served by {view.__module__}.{view.__name__}")
    out = {name: {"path": path, "users": users} for name, (path, _view, users) in pages.items()}
    if assessment is not None:
        out["pdf_cached"]["assessment"] = assessment.pk
    return out, problems


def _client(user, clients):
    from django.contrib.auth.models import User
    from django.test import Client

    if user not in clients:
        client = Client(
            HTTP_HOST=os.environ.get("BENCH_HOST", "127.0.0.1"), raise_request_exception=False
        )
        if user is not None:
            found = User.objects.filter(username=user).first()
            if found is None:
                clients[user] = None
                return None
            client.force_login(found)
        clients[user] = client
    return clients[user]


def _get(client, path):
    from django.core.signals import request_finished
    from django.db import close_old_connections, connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        # Closing fires request_finished; as Django's test client does, without closing the
        # database connection (inside a test it is the test's own, on PostgreSQL).
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)
    return response.status_code, len(body), len(ctx.captured_queries)


def count(pages):
    """Request each page as the first user that gets a 200; count queries of two requests."""
    clients = {}
    out = {}
    for name, page in pages.items():
        result = {"path": page["path"], "user": None, "status": None}
        for user in page["users"]:
            client = _client(user, clients)
            if client is None:
                continue
            status, size, first = _get(client, page["path"])
            result = {"path": page["path"], "user": user, "status": status}
            if status != 200:
                continue
            status, size, queries = _get(client, page["path"])
            result.update(status=status, bytes=size, queries=queries, queries_first=first)
            break
        out[name] = result
    return out, clients


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.queries")
    parser.add_argument("--sessions", action="store_true", help="print session cookies too")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="synth's seed")
    parser.add_argument("--only", default="", help="comma-separated page names (default: all)")
    args = parser.parse_args(argv)
    _setup()
    from django.conf import settings

    pages, problems = plan(args.seed)
    if args.only:
        wanted = args.only.split(",")
        pages = {name: page for name, page in pages.items() if name in wanted}
    counted, clients = count(pages)
    cookies = {}
    if args.sessions:
        for user, client in clients.items():
            if user is not None and client is not None:
                morsel = client.cookies.get(settings.SESSION_COOKIE_NAME)
                if morsel is not None:
                    cookies[user] = f"{settings.SESSION_COOKIE_NAME}={morsel.value}"
    json.dump(
        {
            "pages": counted,
            "cookies": cookies,
            "scorecard_id": (pages.get("pdf_cached") or {}).get("assessment"),
            "problems": problems,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
