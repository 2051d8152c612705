"""The comparison matrix (HTML and CSV) and the researchers' dashboard.

Only published assessments are shown, read through assessments.access, so nobody sees more
here than on the assessment's own page. Every GET parameter goes through a form; a bad
value becomes a message on the page and that filter falls back to its default.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from assessments import plans
from assessments.access import get_assessment_for_user, visible_assessments
from assessments.links import site_base
from assessments.models import Assessment, Entry
from cities.models import City, Country, Origin

from . import charts, exports
from .cache import cached, data_stamp, public_content
from .csvexport import csv_response
from .dashboard import empty_state, narrowing_filters, targets_summary, trend_offices
from .forms import DashboardForm, LanguageForm, MatrixForm
from .matrix import REPORT_VIEW, build_matrix, matrix_filters
from .peers import examples_by_criterion, find_peers, rank_offices
from .perspective_queries import divergence
from .sample import Filters, load_sample, load_trends

TABLE_PAGE_SIZE = 25


class CompactJSONEncoder(DjangoJSONEncoder):
    """No spaces after separators: the chart data for 1,000 offices stays small."""

    def __init__(self, *args, **kwargs):
        kwargs["separators"] = (",", ":")
        super().__init__(*args, **kwargs)


DEFAULT_RADAR = 3


def _published_cycles():
    return list(
        Assessment.objects.filter(status=Assessment.Status.PUBLISHED)
        .order_by("-cycle")
        .values_list("cycle", flat=True)
        .distinct()
    )


# Matrix ------------------------------------------------------------------------------


def _matrix_context(request):
    data = request.GET
    form = MatrixForm(data, cycles=_published_cycles())
    values = form.values()
    problems = form.problems()
    report_view = values["view"] == REPORT_VIEW
    cities, cycle, kind = matrix_filters(
        view=values["view"], cities=values["cities"], cycle=values["cycle"], kind=values["kind"]
    )
    # What is shown, for the form's selects, the links and the file names.
    values = {**values, "cities": cities, "cycle": cycle, "kind": kind}
    # Not cached here: the page caches its whole content (reports.cache.public_content).
    matrix = build_matrix(cities=cities, cycle=cycle, kind=kind, report_view=report_view)
    if matrix.unknown:
        problems.append(
            _("Cities: no city has the identifier %(slugs)s.")
            % {"slugs": ", ".join(repr(s) for s in matrix.unknown)}
        )
    return form, values, problems, matrix


@require_safe
def matrix(request):
    # Published data only, whoever asks: the content is kept per query, language and data
    # version (reports.cache); the header around it stays per user.
    content = public_content(
        request,
        "matrix",
        request.GET.urlencode(),
        lambda: _matrix_content(request),
        everyone=True,
    )
    return render(request, "reports/matrix.html", {"content": mark_safe(content)})  # noqa: S308


def _matrix_content(request):
    form, values, problems, result = _matrix_context(request)
    # The picker lists the report's cities, demo ones when asked, and every chosen city.
    origins = [Origin.REPORT, Origin.DEMO] if values["include_demo"] else [Origin.REPORT]
    chosen = [c["city"]["slug"] for c in result.columns]
    published = Assessment.objects.filter(
        status=Assessment.Status.PUBLISHED, office__city=OuterRef("pk")
    )
    picker = list(
        City.objects.filter(Q(origin__in=origins) | Q(slug__in=chosen))
        .annotate(has_data=Exists(published))
        .order_by("name", "slug")
        .values("slug", "name", "origin", "country__name", "has_data")
    )
    form.fields["cities"].widget.choices = [(c["slug"], c["name"]) for c in picker]
    selected = set(chosen)
    for c in picker:
        c["checked"] = c["slug"] in selected
    # The city shown as cards on a narrow screen: the one asked for, else the first.
    card = result.column_index(values["city"]) if values["city"] else None
    if values["city"] and card is None:
        problems.append(
            _("City shown: %(slug)r is not one of the cities compared.") % {"slug": values["city"]}
        )
    card = card or 0
    report_view = result.report_view
    for column in result.columns:
        # "Hide this column": the same view without the city (as a selection of cities).
        rest = [s for s in chosen if s != column["city"]["slug"]]
        column["hide_query"] = urlencode(_matrix_params(values, cities=rest))
    return render_to_string(
        "reports/matrix.html#content",
        {
            "form": form,
            "values": values,
            "problems": problems,
            "matrix": result,
            "picker": picker,
            "csv_query": _export_query(request),
            "missing": [c for c in result.columns if c["assessment"] is None],
            "card_index": card,
            "card_column": result.columns[card] if result.columns else None,
            "card_rows": result.column_rows(card) if result.columns else [],
            # The city switcher keeps the view: its hidden fields.
            "switcher_params": [("view", REPORT_VIEW)]
            if report_view
            else _matrix_params(values, cities=chosen),
        },
        request=request,
    )


def _matrix_params(values, *, cities):
    """The matrix's query parameters for `cities` with the page's cycle, kind and list."""
    params = [("cities", ",".join(cities))]
    if values["cycle"]:
        params.append(("cycle", str(values["cycle"])))
    if values["kind"]:
        params.append(("kind", values["kind"]))
    if values["include_demo"]:
        params.append(("include_demo", "on"))
    return params


def _export_query(request):
    """The page's query for its downloads, asking for the page's language (cells only:
    the headers stay English)."""
    params = request.GET.copy()
    if translation.get_language() != settings.LANGUAGE_CODE:
        params["lang"] = translation.get_language()
    return params.urlencode()


@require_safe
def matrix_csv(request):
    return _matrix_export(request, "csv")


@require_safe
def matrix_xlsx(request):
    return _matrix_export(request, "xlsx")


def _matrix_export(request, extension):
    # Headers are always the documented English ones (exports.MATRIX); cells are English
    # too unless a language is asked for, so that a script's file never changes with the
    # browser's language. The page's links ask for the page's language.
    options = LanguageForm(request.GET)
    lang = options.language()
    with translation.override(lang or settings.LANGUAGE_CODE):
        _form, values, _problems, result = _matrix_context(request)
        rows = list(exports.matrix_rows(result))
        name = exports.matrix_filename(
            result, cycle=values["cycle"], extension=extension, lang=lang
        )
        if extension == "csv":
            return csv_response(name, exports.MATRIX.header, rows, bom=options.wants_bom())
        page = reverse("reports:matrix") + "?" + request.GET.urlencode()
        citation = exports.matrix_citation(
            url=request.build_absolute_uri(page), when=timezone.now()
        )
        return _xlsx_response(name, exports.workbook({exports.MATRIX: rows}, citation=citation))


@require_safe
def assessment_xlsx(request, pk):
    """One assessment as a workbook, for whoever may read it (as its PDF scorecard)."""
    assessment = get_assessment_for_user(request.user, pk)
    lang = LanguageForm(request.GET).language()
    entries = (
        Entry.objects.filter(assessment=assessment)
        .select_related("criterion")
        .prefetch_related("evidence")
        .order_by("criterion__number")
    )
    # Imported here: the scorecard module is only needed for its citation line.
    from .scorecard import citation_line

    with translation.override(lang or settings.LANGUAGE_CODE):
        tables = exports.assessment_tables(assessment, entries)
        citation = citation_line(
            assessment=assessment, generated_at=timezone.now(), base=site_base(request)
        )
        name = exports.assessment_filename(assessment, extension="xlsx", lang=lang)
        return _xlsx_response(name, exports.workbook(tables, citation=citation))


def _xlsx_response(filename, content):
    response = HttpResponse(content, content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Dashboard ---------------------------------------------------------------------------

CHARTS = ("heatmap", "radar", "trends", "distribution")


def _peers(office, sample, ranked, stamp):
    return find_peers(
        office=office,
        offices=sample.offices,
        criteria=sample.criteria,
        examples=cached("examples", examples_by_criterion, stamp=stamp),
        ranked=ranked,
    )


def _overview(filters, sort, stamp):
    """What does not depend on the viewer or on the chosen offices: cached per filters+sort."""
    sample = load_sample(filters=filters)
    ordered = charts.sort_offices(sample.offices, sort)
    heatmap = charts.heatmap(offices=ordered, criteria=sample.criteria)
    ranked = rank_offices(offices=sample.offices, criteria=sample.criteria)
    trends, peers = [], None
    if ordered:
        drawn = trend_offices(ordered=ordered)
        loaded = load_trends(
            office_ids=[o["id"] for o in drawn], criteria=sample.criteria, kind=filters.kind
        )
        trends = [(o, loaded[o["id"]]) for o in drawn]
        peers = _peers(ordered[0], sample, ranked, stamp)
    distribution = charts.distribution(offices=sample.offices, criteria=sample.criteria)
    return {
        "sample": sample,
        "ordered": ordered,
        "heatmap": heatmap,
        "distribution": distribution,
        # The two big figures, serialised once (about 70 KB at 1,000 offices).
        "json": {
            "heatmap": _chart_script("heatmap", heatmap["figure"]),
            "distribution": _chart_script("distribution", distribution["figure"]),
        },
        "median": charts.medians(offices=sample.offices, criteria=sample.criteria),
        "ranked": ranked,
        "perspectives": divergence(offices=sample.offices),
        # The first view (no office chosen): the table's first offices as trends and the
        # first one's peers, the same for everyone. Published assessments only, which
        # everyone may read (rated_assessments keeps only those), so no user is needed.
        "default_trends": trends,
        "default_peers": peers,
    }


def _chart_script(name, figure):
    """The figure as <script id="chart-NAME" type="application/json"> (Django's json_script)."""
    return json_script(figure, f"chart-{name}", encoder=CompactJSONEncoder)


def _dashboard_data(request):
    """Everything the dashboard and its CSV downloads show, in a fixed number of queries.

    Cached parts (see reports.cache.cached) are shared between requests: read, never change.
    """
    stamp = data_stamp()
    form = DashboardForm(
        request.GET,
        # Reference data: cached like the other reference data (reports.cache).
        countries=cached(
            "countries",
            lambda: list(Country.objects.order_by("name").values_list("slug", "name", "region")),
            stamp=stamp,
        ),
        cycles=cached("cycles", _published_cycles, stamp=stamp),
    )
    values = form.values()
    problems = form.problems()
    filters = Filters(
        region=values["region"] or "",
        country=values["country"] or "",
        home=values["home"] or "",
        cycle=values["cycle"],
        kind=values["kind"] or "",
        include_demo=bool(values["include_demo"]),
        include_synthetic=bool(values["include_synthetic"]),
    )
    sort = values["sort"]
    overview = cached(
        "overview", lambda: _overview(filters, sort, stamp), filters, sort, stamp=stamp
    )
    sample, ordered = overview["sample"], overview["ordered"]
    criteria = sample.criteria

    missing = [s for s in values["offices"] if s not in sample.by_slug]
    chosen = [sample.by_slug[s] for s in values["offices"] if s in sample.by_slug]
    if missing:
        problems.append(
            _("Offices on the radar: %(slugs)s not in the current selection.")
            % {"slugs": ", ".join(repr(s) for s in missing)}
        )
    radar_default = not values["offices"]
    if radar_default:
        chosen = ordered[:DEFAULT_RADAR]

    office = None
    if values["office"]:
        office = sample.by_slug.get(values["office"])
        if office is None:
            problems.append(
                _("Office for trends and peers: %(slug)r is not in the current selection.")
                % {"slug": values["office"]}
            )
    trend_default = office is None
    if office is None and ordered:
        office = ordered[0]
    # Trends as small multiples: the office asked for first, then the table's order.
    trend_panels = overview["default_trends"]
    peers = overview["default_peers"]
    if office is not None and not trend_default:
        drawn = trend_offices(ordered=ordered, office=office)
        trends = load_trends(
            office_ids=[o["id"] for o in drawn],
            criteria=criteria,
            kind=filters.kind,
            assessments=visible_assessments(request.user),
        )
        trend_panels = [(o, trends[o["id"]]) for o in drawn]
        peers = _peers(office, sample, overview["ranked"], stamp)

    figures = {
        "heatmap": overview["heatmap"],
        "radar": charts.radar(
            chosen=chosen,
            offices=sample.offices,
            criteria=criteria,
            sample_median=overview["median"],
        ),
        "trends": charts.trends(panels=trend_panels, criteria=criteria),
        "distribution": overview["distribution"],
    }
    return {
        "form": form,
        "values": values,
        "problems": problems,
        "filters": filters,
        "sample": sample,
        "ordered": ordered,
        "chosen": chosen,
        "radar_default": radar_default,
        "office": office,
        "trend_panels": trend_panels,
        "trend_default": trend_default,
        "empty": None if sample.offices else _empty_state(form, values, filters),
        "peers": peers,
        "figures": figures,
        "figures_json": overview["json"],
        "perspectives": overview["perspectives"],
        "stamp": stamp,
    }


def _empty_state(form, values, filters):
    """The message and the links that clear each filter, when no office matches."""
    labels = {
        name: {str(v): str(label) for v, label in form.fields[name].choices}
        for name in ("region", "country", "home", "kind")
    }
    narrowing = narrowing_filters(values=values, labels=labels)
    return empty_state(narrowing=narrowing, include_demo=filters.include_demo)


def _query_maker(request):
    """f(**changes) -> the current query string with some parameters replaced or removed."""
    current = [(key, value) for key, values in request.GET.lists() for value in values]

    def make(**changes):
        items = [(k, v) for k, v in current if k not in changes]
        items += [(k, v) for k, v in changes.items() if v is not None]
        return urlencode(items)

    return make


@require_safe
def dashboard(request):
    # Published data only, whoever asks (trends of a chosen office too: rated_assessments
    # keeps published ones): the content is kept per query, language and data version
    # (reports.cache), as the matrix's; the header around it stays per user.
    content = public_content(
        request,
        "dashboard",
        request.GET.urlencode(),
        lambda: _dashboard_content(request),
        everyone=True,
    )
    return render(request, "reports/dashboard.html", {"content": mark_safe(content)})  # noqa: S308


def _dashboard_content(request):
    data = _dashboard_data(request)
    query_with = _query_maker(request)
    heatmap_rows = data["figures"]["heatmap"]["table"]["rows"]
    paginator = Paginator(heatmap_rows, TABLE_PAGE_SIZE, allow_empty_first_page=True)
    page = paginator.get_page(data["values"]["page"])
    chosen_slugs = [o["slug"] for o in data["chosen"]] if not data["radar_default"] else []
    rows = []
    for row in page.object_list:
        # Links that change one thing: the trend office, or radar membership.
        on_radar = row["slug"] in chosen_slugs
        if on_radar:
            radar = [s for s in chosen_slugs if s != row["slug"]]
        else:
            radar = [*chosen_slugs, row["slug"]][-charts.MAX_RADAR :]
        rows.append(
            {
                **row,
                "on_radar": on_radar,
                "trend_query": query_with(office=row["slug"]),
                "radar_query": query_with(offices=",".join(radar) or None),
            }
        )
    # The two big figures come serialised from the cache; the per-request ones are made here.
    # Nothing matches: no chart at all (no empty axes), the empty state says what to change.
    chart_json = mark_safe(  # noqa: S308 - json_script output, escaped
        ""
        if data["empty"]
        else "\n".join(
            data["figures_json"].get(name) or _chart_script(name, fig["figure"])
            for name, fig in data["figures"].items()
        )
    )
    # The links leave out what the form refused (it was not used anyway); clearing the
    # region keeps a country refused for being outside it.
    refused = {name: None for name in data["form"].errors}

    def clearing(name):
        keep = {"country"} if name == "region" else set()
        return query_with(
            **{**{n: None for n in refused if n not in keep}, name: None, "page": None}
        )

    empty_links = [
        (text, clearing(name)) for name, text in (data["empty"]["clear"] if data["empty"] else [])
    ]
    return render_to_string(
        "reports/dashboard.html#content",
        {
            **data,
            "page": page,
            "page_rows": rows,
            "page_queries": {
                "previous": query_with(page=page.previous_page_number())
                if page.has_previous()
                else None,
                "next": query_with(page=page.next_page_number()) if page.has_next() else None,
            },
            "sort_queries": [
                (value, label, query_with(sort=value, page=None))
                for value, label in data["form"].fields["sort"].choices
            ],
            "query": request.GET.urlencode(),
            "csv_query": _export_query(request),
            "chart_json": chart_json,
            "empty_links": empty_links,
            "demo_query": query_with(**{**refused, "include_demo": "on", "page": None}),
            # For the script that keeps the country list within the region chosen.
            "countries_json": json_script(
                [[slug, name, region] for slug, name, region in data["form"].countries],
                "dashboard-countries",
            ),
            "tables": {name: fig["table"] for name, fig in data["figures"].items()},
            # Offices of the selection with two published cycles: targets set and reached,
            # totalled per pair of cycles. Published targets and levels never change, so
            # the data stamp covers them.
            "targets": cached(
                "targets",
                lambda: targets_summary(
                    rows=plans.targets_reached(offices=[o["id"] for o in data["sample"].offices])
                ),
                data["filters"],
                stamp=data["stamp"],
            ),
        },
        request=request,
    )


@require_safe
def dashboard_csv(request, chart):
    if chart not in CHARTS:
        raise Http404
    # As the matrix: documented English headers always (exports.DASHBOARD), English cells
    # unless ?lang= asks for another language.
    options = LanguageForm(request.GET)
    lang = options.language()
    with translation.override(lang or settings.LANGUAGE_CODE):
        data = _dashboard_data(request)
        criteria = data["sample"].criteria
        if chart == "heatmap":
            rows = exports.levels_rows(offices=data["ordered"], criteria=criteria)
        elif chart == "radar":
            rows = exports.radar_rows(
                chosen=data["chosen"][: charts.MAX_RADAR],
                offices=data["sample"].offices,
                criteria=criteria,
                # The median the radar draws (its table's first column).
                medians=[row["cells"][0] for row in data["figures"]["radar"]["table"]["rows"]],
            )
        elif chart == "trends":
            rows = exports.trends_rows(panels=data["trend_panels"], criteria=criteria)
        else:
            table = data["figures"]["distribution"]["table"]
            rows = exports.distribution_rows(table=table, criteria=criteria)
        panels = data["trend_panels"]
        name = exports.dashboard_filename(
            chart, office=panels[0][0] if len(panels) == 1 else None, lang=lang
        )
        return csv_response(
            name, exports.DASHBOARD[chart].header, list(rows), bom=options.wants_bom()
        )
