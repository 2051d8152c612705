from collections import defaultdict

from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from assessments import rounds
from assessments.workflow import pending_correction_notes
from cities.forms import SORTS, CityFilterForm
from cities.models import office_url
from criteria.models import RubricLevel

from . import city_compare, embed_views
from . import city_queries as queries
from .cache import public_content
from .peers import peers_for_offices


def format_value(value, unit=""):
    """A fact's decimal as people write it: 2300000.00 -> "2,300,000", 43.10 -> "43.1";
    a year is never grouped: 1994, not "1,994"."""
    if unit == "year":
        return str(int(value))
    value = value.quantize(1) if value == value.to_integral() else value.normalize()
    return number_format(value, force_grouping=True)


@require_safe
def city_list(request):
    form = CityFilterForm(request.GET or None)

    def build():
        filters = form.filters()
        sort = filters["sort"]
        columns = {
            key: {
                "label": label,
                "active": sort.removeprefix("-") == key,
                "descending": sort == f"-{key}",
                # A click on the active column flips its direction.
                "next": f"-{key}" if sort == key else key,
                "numeric": key in ("population", "offices"),
            }
            for key, label in SORTS.items()
        }
        context = {
            "form": form,
            "cities": queries.city_list(**filters),
            "columns": columns,
            "filters": filters,
        }
        return render_to_string("cities/list.html#content", context, request=request)

    content = public_content(request, "cities", request.GET.urlencode(), build)
    return render(request, "cities/list.html", {"content": mark_safe(content)})  # noqa: S308


@require_safe
def city_detail(request, slug):
    city = get_object_or_404(queries.city_detail(slug=slug))
    content = public_content(request, "city", slug, lambda: _city_content(request, city))
    return render(
        request,
        "cities/detail.html",
        {"city": city, "content": mark_safe(content)},  # noqa: S308
    )


def _city_content(request, city):
    queries.prefetch_city(city)
    assessments = list(queries.city_assessments(user=request.user, city=city))
    charts = queries.published_research(assessments)
    self_assessments = queries.latest_published_self(assessments)
    queries.prefetch_entries(charts + self_assessments)
    criteria = queries.all_criteria() if charts or self_assessments else []
    comparison = city_compare.side_by_side(
        criteria=criteria,
        charts=charts,
        self_assessments=self_assessments,
        perspectives=queries.published_perspectives(
            assessments=self_assessments, criteria=criteria
        ),
        labels=_level_labels() if self_assessments else {},
    )

    by_office = defaultdict(list)
    for assessment in assessments:
        by_office[assessment.office_id].append(assessment)
    city_offices = list(city.offices.all())
    # Peers only mean something for offices with a published, rated assessment.
    peers = peers_for_offices(offices=city_offices, user=request.user)
    offices = [
        (
            office,
            by_office[office.pk],
            city_compare.peers_to_show(
                peers=peers[office.pk], own_url=office_url(city.slug, office.slug)
            ),
        )
        for office in city_offices
    ]

    facts, national_facts = queries.city_facts(city)
    for fact in facts + national_facts:
        fact.display_value = format_value(fact.value, fact.unit)

    # A published assessment being corrected stays on the page, with the reviewer's note.
    pending = pending_correction_notes(ids=[a.pk for a in self_assessments])
    for column in comparison["columns"] if comparison else []:
        if column["kind"] == city_compare.SELF:
            column["embed_snippet"] = embed_views.snippet(request, column["assessment"])
    context = {
        "city": city,
        "offices": offices,
        "facts": facts,
        "national_facts": national_facts,
        "comparison": comparison,
        "kinds": city_compare.kinds(comparison),
        "min_group": rounds.min_group(),
        "corrections": [(a, pending.get(a.pk, "")) for a in self_assessments],
    }
    return render_to_string("cities/detail.html#content", context, request=request)


def _level_labels():
    """{(criterion id, level): the rubric level's label, translated}, in one query."""
    return {
        (r.criterion_id, r.level): r.tr("label")
        for r in RubricLevel.objects.only("criterion_id", "level", "label", "translations")
    }
