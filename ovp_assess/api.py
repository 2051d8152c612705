"""Read-only JSON API.

django-ninja: typed schemas give the OpenAPI document for free and it validates; it is a
small dependency next to Django REST framework, and we only need read-only GET endpoints.

Anonymous callers see published assessments only; logged-in callers (session cookie) see
what assessments.access.visible_assessments gives them. Demo and synthetic records are
included and flagged by their `origin` ("report" is the only real one).
Every list runs a fixed number of queries, whatever its length.

The API does what its OpenAPI document says (schemathesis checks it in the test suite):
every query and path value has declared limits (`limit` 1-100, `offset` 0-1,000,000,
slugs, cycles, ids), a value outside them is answered with a JSON 422, a missing object
with a JSON 404, and every operation declares these responses. Errors under /api/ are
JSON whatever raises them: this module's exception handlers, and `api_error_view` for
Django's own 400, 404 and 500 (an unknown path, a refused query string).
"""

import logging
from datetime import date, datetime
from typing import Annotated, Literal

from django.core.signals import got_request_exception
from django.db.models import Prefetch
from django.db.utils import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views import defaults
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import ConfigDict

from assessments import evidence, rounds
from assessments.access import visible_assessments
from assessments.links import site_base
from assessments.models import Assessment, Entry, PerspectiveRound
from cities.models import (
    City,
    Country,
    InstitutionalHome,
    Office,
    OfficeStatus,
    Origin,
    Region,
    SourcedFact,
    shown_origin_q,
)
from criteria.models import Criterion, PeerExample
from ovp_assess.api_page import ApiPage

MAX_PAGE = 100
# Deeper than any list will be; a bound, so that no offset overflows a database integer
# (?offset=9223372036854775808 was a 500 on every list).
MAX_OFFSET = 1_000_000
# Largest id a BigAutoField can hold.
MAX_ID = 2**63 - 1
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
SLUG_FILTER_PATTERN = r"^[-a-zA-Z0-9_]*$"  # empty: any
MAX_SLUG = 120  # the longest slug field (Office.slug)

logger = logging.getLogger(__name__)

# --- Parameters and errors ---------------------------------------------------------------

Slug = Annotated[
    str, Path(..., min_length=1, max_length=MAX_SLUG, pattern=SLUG_PATTERN, description="A slug.")
]
SlugFilter = Annotated[
    str | None,
    Query(
        None, max_length=MAX_SLUG, pattern=SLUG_FILTER_PATTERN, description="A slug; omit for any."
    ),
]
Cycle = Annotated[int | None, Query(None, ge=2000, le=2100, description="A year.")]
AssessmentId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


class BoundedLimitOffset(LimitOffsetPagination):
    """limit/offset with both ends declared and enforced (422 outside them)."""

    class Input(Schema):
        limit: int = Field(MAX_PAGE, ge=1, le=MAX_PAGE, description="Items per page.")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")


class ErrorOut(Schema):
    detail: str


class ValidationErrorItem(Schema):
    """One refused value, as pydantic describes it (more keys may come with it)."""

    model_config = ConfigDict(extra="allow")

    type: str
    loc: list[str | int]
    msg: str


class ValidationErrorOut(Schema):
    detail: list[ValidationErrorItem]


ERRORS = {
    400: ErrorOut,  # a query string no filter could take (NUL byte, over-long value)
    # A request line over 4,094 bytes, refused by gunicorn before the app (no JSON body).
    414: None,
    422: ValidationErrorOut,
}
DETAIL_ERRORS = {**ERRORS, 404: ErrorOut}


def _list(schema):
    return {200: list[schema], **ERRORS}


def _detail(schema):
    return {200: schema, **DETAIL_ERRORS}


JSON = "application/json; charset=utf-8"  # as django-ninja answers


def json_error(status, detail, **headers):
    response = JsonResponse({"detail": detail}, status=status, content_type=JSON)
    for name, value in headers.items():
        response[name] = value
    return response


def _server_error(request, exc):
    # As Django does for a view's exception: log it and tell the signal's listeners (the
    # test client re-raises it from there), then answer in JSON rather than with the HTML
    # 500 page.
    logger.error("API error: %s %s", request.method, request.path, exc_info=exc)
    got_request_exception.send(sender=None, request=request)
    return json_error(500, "Server error")


def _database_unavailable(request, exc):
    # As DatabaseUnavailableMiddleware does for pages: a restart, not a bug.
    return json_error(
        503, "Service unavailable: the database is out of reach.", **{"Retry-After": "5"}
    )


def api_error_view(status, html_view):
    """A Django error handler (handler400/404/500) that answers JSON under /api/."""
    messages = {400: "Bad request", 404: "Not Found", 500: "Server error"}

    def view(request, *args, **kwargs):
        if request.path.startswith("/api/"):
            return json_error(status, messages[status])
        return html_view(request, *args, **kwargs)

    return view


page_not_found = api_error_view(404, defaults.page_not_found)
bad_request = api_error_view(400, defaults.bad_request)
server_error = api_error_view(500, defaults.server_error)


api = NinjaAPI(
    title="OVP Assess API",
    version="1.0",
    description=(
        "Read-only data of OVP Assess. Anonymous callers see published assessments only; "
        "logged-in callers (session cookie) also what their office or role may see."
    ),
    urls_namespace="api",
    # The page for people at /api/: the OpenAPI document rendered by us (no CDN, no script).
    docs=ApiPage(),
    docs_url="/",
    openapi_url="/openapi.json",
)
api.add_exception_handler(Exception, _server_error)
api.add_exception_handler(OperationalError, _database_unavailable)
api.add_exception_handler(InterfaceError, _database_unavailable)


# --- Schemas -----------------------------------------------------------------------------


class RubricLevelOut(Schema):
    level: int
    label: str
    descriptor: str
    translations: dict


class QuestionOut(Schema):
    order: int
    text: str
    translations: dict


class PeerExampleOut(Schema):
    key: str
    title: str
    summary: str
    citation: str
    office: str
    city: str
    origin: str
    translations: dict

    @staticmethod
    def resolve_office(obj):
        return obj.office.slug

    @staticmethod
    def resolve_city(obj):
        return obj.office.city.slug

    @staticmethod
    def resolve_origin(obj):
        return obj.office.shown_origin


class CriterionOut(Schema):
    number: int
    slug: str
    title: str
    short_title: str
    definition: str
    why_it_matters: str
    takeaways: str
    tradeoffs: str
    citation: str
    translations: dict
    levels: list[RubricLevelOut]
    questions: list[QuestionOut]
    examples: list[PeerExampleOut]


class FactOut(Schema):
    key: str
    label: str
    value: float
    unit: str
    year: str
    citation: str
    note: str
    office: str | None

    @staticmethod
    def resolve_office(obj):
        return obj.office.slug if obj.office_id else None


class CountryOut(Schema):
    slug: str
    name: str
    region: Region
    origin: Origin
    # National context: figures about the country as a whole, never about one of its cities.
    facts: list[FactOut]


class OfficeOut(Schema):
    slug: str
    name: str
    acronym: str
    website: str
    year_founded: int | None
    institutional_home: InstitutionalHome
    civilian_led: bool
    status: OfficeStatus
    in_sample: bool
    description: str
    citation: str
    city: str
    origin: Origin
    url: str

    @staticmethod
    def resolve_city(obj):
        return obj.city.slug

    @staticmethod
    def resolve_origin(obj):
        return obj.shown_origin

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class CityOfficeOut(Schema):
    slug: str
    name: str
    acronym: str
    institutional_home: InstitutionalHome
    status: OfficeStatus
    in_sample: bool


class CityOut(Schema):
    slug: str
    name: str
    country: str
    region: Region
    population: int | None
    in_sample: bool
    adaptation_city: bool
    origin: Origin
    summary: str
    citation: str
    url: str
    offices: list[CityOfficeOut]
    facts: list[FactOut]

    @staticmethod
    def resolve_country(obj):
        return obj.country.slug

    @staticmethod
    def resolve_region(obj):
        return obj.country.region

    @staticmethod
    def resolve_url(obj):
        return obj.get_absolute_url()


class EvidenceOut(Schema):
    """A link, or an uploaded file: then `url` is its download address and the file's
    name, type (by content) and size in bytes are given."""

    kind: Literal["link", "file"]
    url: str
    title: str
    checked_on: date | None
    file_name: str | None
    file_type: str | None
    file_size: int | None

    @staticmethod
    def resolve_kind(obj):
        return "file" if obj.file else "link"

    @staticmethod
    def resolve_url(obj, context):
        # A file's download on the host that answered, unless SITE_URL says otherwise.
        base = site_base(context.get("request"))
        return evidence.download_url(obj, base=base) if obj.file else obj.url

    @staticmethod
    def resolve_file_name(obj):
        return obj.file_name if obj.file else None

    @staticmethod
    def resolve_file_type(obj):
        return obj.file_type if obj.file else None

    @staticmethod
    def resolve_file_size(obj):
        return obj.file_size if obj.file else None


class EntryOut(Schema):
    criterion: int
    criterion_slug: str
    level: int | None
    applicability: Entry.Applicability
    justification: str
    strengths: str
    opportunities: str
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_criterion(obj):
        return obj.criterion.number

    @staticmethod
    def resolve_criterion_slug(obj):
        return obj.criterion.slug

    @staticmethod
    def resolve_justification(obj):
        # A draft keeps a reason typed before the office chose "it applies" after all; it is
        # the reason only while the criterion does not apply.
        return obj.justification if obj.not_applicable else ""


class AssessmentOut(Schema):
    id: int
    office: str
    city: str
    origin: Origin
    cycle: int
    kind: Assessment.Kind
    status: Assessment.Status
    version: int
    title: str
    citation: str
    source_url: str
    # Research assessments are dated by their source (the report's month of publication,
    # given as its first day); published_at then holds that same date, not the load date.
    source_date: date | None
    published_at: datetime | None
    updated_at: datetime
    # Corrections: the id of the assessment this one corrects (it replaced it when published,
    # on published_at) and the reviewer's public note; on a published assessment that is
    # being corrected, the note of the correction in the works ("" when none).
    corrects: int | None = Field(None, alias="corrects_id")
    correction_note: str
    correction_pending: str
    entries: list[EntryOut]

    @staticmethod
    def resolve_correction_pending(obj):
        pending = getattr(obj, "pending_corrections", [])
        return pending[0].correction_note if pending else ""

    @staticmethod
    def resolve_office(obj):
        return obj.office.slug

    @staticmethod
    def resolve_city(obj):
        return obj.office.city.slug

    @staticmethod
    def resolve_origin(obj):
        return obj.office.shown_origin


class PerspectiveFigureOut(Schema):
    group: str = Field(description='A group shown apart, or "all respondents".')
    overall: bool = Field(description="True for the all-respondents figures.")
    answers: int
    dont_know: int
    median: float | None
    low: int | None
    high: int | None
    q1: float | None
    q3: float | None


class PerspectiveCriterionOut(Schema):
    number: int
    title: str
    divergent: bool
    figures: list[PerspectiveFigureOut]


class PerspectiveGroupOut(Schema):
    name: str
    respondents: int
    shown: bool


class PerspectivesOut(Schema):
    """A closed perspectives round's figures: groups and cells with fewer answers than
    min_group are left out (assessments/perspectives.py), and no single answer is given."""

    closed_on: date
    min_group: int
    respondents: int
    groups: list[PerspectiveGroupOut]
    criteria: list[PerspectiveCriterionOut]


class AssessmentDetailOut(AssessmentOut):
    perspectives: PerspectivesOut | None = Field(
        description="Published self-assessments whose office heard other voices: the figures."
    )

    @staticmethod
    def resolve_perspectives(obj):
        if obj.status != Assessment.Status.PUBLISHED:
            return None
        return rounds.public_figures(round_=PerspectiveRound.objects.filter(assessment=obj).first())


# --- Querysets (fixed number of queries per page) ----------------------------------------


def _filter(qs, **lookups):
    """qs filtered on the lookups the caller gave a value for (None or "" means any)."""
    return qs.filter(**{k: v for k, v in lookups.items() if v is not None and v != ""})


def _criteria():
    return Criterion.objects.order_by("number").prefetch_related(
        "levels",
        "questions",
        Prefetch("examples", queryset=PeerExample.objects.select_related("office__city")),
    )


def _countries():
    return Country.objects.prefetch_related("facts").order_by("name", "pk")


def _cities():
    return (
        City.objects.select_related("country")
        .prefetch_related(
            Prefetch("offices", queryset=Office.objects.order_by("name")),
            Prefetch("facts", queryset=SourcedFact.objects.select_related("office")),
        )
        .order_by("name", "pk")
    )


def _offices():
    return Office.objects.select_related("city").order_by("city__name", "name", "pk")


def _assessments(user):
    return (
        visible_assessments(user)
        .select_related("office__city")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=Entry.objects.select_related("criterion").prefetch_related("evidence"),
            ),
            # Only the note of a correction in the works, which is public by design.
            Prefetch(
                "corrections",
                queryset=Assessment.objects.open_corrections().only("corrects", "correction_note"),
                to_attr="pending_corrections",
            ),
        )
        .order_by("office__city__name", "office__name", "-cycle", "kind", "pk")
    )


# --- Endpoints ---------------------------------------------------------------------------


@api.get("/criteria", response=_list(CriterionOut), tags=["criteria"])
@paginate(BoundedLimitOffset)
def list_criteria(request):
    """The nine criteria with their rubric levels, guiding questions and peer examples."""
    return _criteria()


@api.get("/criteria/{slug}", response=_detail(CriterionOut), tags=["criteria"])
def get_criterion(request, slug: Slug):
    return get_object_or_404(_criteria(), slug=slug)


@api.get("/countries", response=_list(CountryOut), tags=["cities"])
@paginate(BoundedLimitOffset)
def list_countries(request, region: Region | None = None, origin: Origin | None = None):
    """Countries, each with the figures the report gives about it as a whole."""
    return _filter(_countries(), region=region, origin=origin)


@api.get("/countries/{slug}", response=_detail(CountryOut), tags=["cities"])
def get_country(request, slug: Slug):
    return get_object_or_404(_countries(), slug=slug)


@api.get("/cities", response=_list(CityOut), tags=["cities"])
@paginate(BoundedLimitOffset)
def list_cities(
    request,
    country: SlugFilter = None,
    region: Region | None = None,
    in_sample: bool | None = None,
    origin: Origin | None = None,
):
    """Cities with their offices and the figures the report gives about them (figures about
    their country as a whole are under /countries)."""
    return _filter(
        _cities(),
        country__slug=country,
        country__region=region,
        in_sample=in_sample,
        origin=origin,
    )


@api.get("/cities/{slug}", response=_detail(CityOut), tags=["cities"])
def get_city(request, slug: Slug):
    return get_object_or_404(_cities(), slug=slug)


@api.get("/offices", response=_list(OfficeOut), tags=["cities"])
@paginate(BoundedLimitOffset)
def list_offices(
    request,
    city: SlugFilter = None,
    institutional_home: InstitutionalHome | None = None,
    in_sample: bool | None = None,
    origin: Origin | None = None,
):
    qs = _offices() if origin is None else _offices().filter(shown_origin_q(origin))
    return _filter(
        qs,
        city__slug=city,
        institutional_home=institutional_home,
        in_sample=in_sample,
    )


@api.get("/offices/{slug}", response=_detail(OfficeOut), tags=["cities"])
def get_office(request, slug: Slug):
    return get_object_or_404(_offices(), slug=slug)


@api.get("/assessments", response=_list(AssessmentOut), tags=["assessments"])
@paginate(BoundedLimitOffset)
def list_assessments(
    request,
    city: SlugFilter = None,
    office: SlugFilter = None,
    cycle: Cycle = None,
    kind: Assessment.Kind | None = None,
    status: Assessment.Status | None = None,
    origin: Origin | None = None,
):
    """Assessments with their entries and evidence links: published ones for anonymous
    callers; drafts and submitted ones too for the office's staff and reviewers."""
    qs = _assessments(request.user)
    if origin is not None:
        qs = qs.filter(shown_origin_q(origin, "office__"))
    return _filter(
        qs,
        office__city__slug=city,
        office__slug=office,
        cycle=cycle,
        kind=kind,
        status=status,
    )


@api.get(
    "/assessments/{int:assessment_id}", response=_detail(AssessmentDetailOut), tags=["assessments"]
)
def get_assessment(request, assessment_id: AssessmentId):
    return get_object_or_404(_assessments(request.user), pk=assessment_id)
