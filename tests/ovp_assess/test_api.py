"""The read-only JSON API: content, visibility of assessments, pagination, OpenAPI."""

import pytest
from openapi_spec_validator import validate

from assessments.models import Assessment, EvidenceLink
from cities.models import City, Office, SourcedFact
from criteria.models import Criterion, PeerExample
from tests import factories

pytestmark = pytest.mark.django_db

PERSONAS = [None, "staff"]
JSON = "application/json; charset=utf-8"


def _client(request, client_for, persona):
    return client_for(request.getfixturevalue(persona) if persona else None)


def test_openapi_document_validates(report, client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert spec["info"]["title"] == "OVP Assess API"
    assert sorted(spec["paths"]) == [
        "/api/assessments",
        "/api/assessments/{assessment_id}",
        "/api/cities",
        "/api/cities/{slug}",
        "/api/countries",
        "/api/countries/{slug}",
        "/api/criteria",
        "/api/criteria/{slug}",
        "/api/offices",
        "/api/offices/{slug}",
    ]


def test_api_has_no_interactive_docs_page(report, client):
    assert client.get("/api/docs").status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_criteria_list_has_rubric_questions_and_examples(report, request, client_for, persona):
    data = _client(request, client_for, persona).get("/api/criteria").json()
    assert data["count"] == 9
    assert [c["number"] for c in data["items"]] == list(range(1, 10))
    mandate = data["items"][0]
    criterion = Criterion.objects.get(number=1)
    assert mandate["slug"] == "mandate"
    assert mandate["title"] == criterion.title
    assert mandate["short_title"] == "Clearly defined, public mandate"
    assert [lv["level"] for lv in mandate["levels"]] == [0, 1, 2, 3, 4]
    assert mandate["levels"][4]["label"] == criterion.levels.get(level=4).label
    assert [q["text"] for q in mandate["questions"]] == [q.text for q in criterion.questions.all()]
    oakland = next(e for e in mandate["examples"] if e["key"] == "oakland-five-goals")
    assert (oakland["office"], oakland["city"], oakland["origin"]) == (
        "oakland-dvp",
        "oakland",
        "report",
    )


def test_api_criterion_detail_and_404(report, client):
    data = client.get("/api/criteria/diagnosis").json()
    assert data["number"] == 3
    assert {"chihuahua-coprev", "penalolen-human-security"} <= {
        e["office"] for e in data["examples"]
    }
    response = client.get("/api/criteria/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_api_countries_list_and_filter(report, client):
    data = client.get("/api/countries?origin=report").json()
    assert data["count"] == 11
    assert data["items"][0] == {
        "slug": "argentina",
        "name": "Argentina",
        "region": "latin-america",
        "origin": "report",
        "facts": [],  # the report gives no figure about Argentina as a whole
    }
    data = client.get("/api/countries?region=western-europe").json()
    assert [c["slug"] for c in data["items"]] == [
        "belgium",
        "germany",
        "united-kingdom",
    ]
    assert client.get("/api/countries/canada").json()["region"] == "north-america"
    assert client.get("/api/countries/atlantis").status_code == 404


def test_api_cities_list_includes_offices_and_facts(report, client):
    data = client.get("/api/cities?in_sample=true").json()
    assert data["count"] == 18
    chicago = next(c for c in data["items"] if c["slug"] == "chicago")
    assert [o["slug"] for o in chicago["offices"]] == ["chicago-ovpbh", "chicago-ovr"]
    staff = {f["key"]: (f["value"], f["office"]) for f in chicago["facts"]}
    assert staff["chicago-ovr-staff"] == (10.0, "chicago-ovr")
    assert staff["chicago-ovpbh-staff"] == (58.0, "chicago-ovpbh")
    assert chicago["url"] == "/cities/chicago/"
    assert chicago["origin"] == "report"


def test_api_city_detail(report, client):
    data = client.get("/api/cities/cali").json()
    assert data["population"] == 2300000
    assert (data["country"], data["region"]) == ("colombia", "latin-america")
    facts = {f["key"]: f for f in data["facts"]}
    assert facts["cali-homicide-rate-2022"]["value"] == 43.1
    assert facts["cali-homicide-rate-2022"]["citation"] == (
        SourcedFact.objects.get(key="cali-homicide-rate-2022").citation
    )
    assert client.get("/api/cities/atlantis").status_code == 404


def test_api_flags_fictional_records(report, client):
    office = factories.make_office(name="Zz Demo Office")
    data = client.get(f"/api/cities/{office.city.slug}").json()
    assert data["origin"] == "demo"
    data = client.get(f"/api/offices/{office.slug}").json()
    assert data["origin"] == "demo"
    real = client.get("/api/offices?origin=report").json()
    assert office.slug not in [o["slug"] for o in real["items"]]
    assert real["count"] == Office.objects.filter(city__origin="report").count()


def test_api_offices_list_and_detail(report, client):
    data = client.get("/api/offices?in_sample=true&limit=100").json()
    assert data["count"] == 21
    reach = client.get("/api/offices/reach-edmonton").json()
    assert reach["city"] == "edmonton"
    assert reach["acronym"] == "REACH"
    assert reach["institutional_home"] == "civil-society"
    assert reach["url"] == "/cities/edmonton/#office-reach-edmonton"
    assert client.get("/api/offices/nope").status_code == 404


def test_api_pagination_limits_and_offsets(report, client):
    page = client.get("/api/cities?limit=5&offset=5").json()
    assert page["count"] == City.objects.count()
    assert [c["slug"] for c in page["items"]] == list(
        City.objects.order_by("name").values_list("slug", flat=True)[5:10]
    )
    assert len(client.get("/api/cities?limit=100").json()["items"]) == City.objects.count()
    assert client.get("/api/cities?offset=1000000").json()["items"] == []
    for query in ("limit=0", "limit=101", "limit=1000", "offset=-1", "offset=1000001"):
        response = client.get(f"/api/cities?{query}")
        assert response.status_code == 422, query
        assert response["Content-Type"] == JSON


HUGE = "9223372036854775808"  # 2**63: no database integer holds it


@pytest.mark.parametrize(
    "path",
    ["/api/criteria", "/api/countries", "/api/cities", "/api/offices", "/api/assessments"],
)
@pytest.mark.parametrize("query", [f"offset={HUGE}", f"limit={HUGE}", f"offset=-{HUGE}"])
def test_api_huge_offset_or_limit_is_a_json_422(report, client, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 422
    assert response["Content-Type"] == JSON
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", query.partition("=")[0]]


@pytest.mark.parametrize(
    "query", [f"cycle={HUGE}", "cycle=1999", "cycle=2101", "city=../x", "office=" + "a" * 121]
)
def test_api_filter_values_out_of_their_limits_are_a_json_422(report, client, query):
    response = client.get(f"/api/assessments?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_api_huge_or_bad_ids_and_slugs_are_json_errors(report, client):
    response = client.get(f"/api/assessments/{HUGE}")
    assert (response.status_code, response["Content-Type"]) == (422, JSON)
    assert response.json()["detail"][0]["loc"] == ["path", "assessment_id"]
    assert client.get("/api/assessments/0").status_code == 422
    assert client.get("/api/criteria/" + "a" * 121).status_code == 422
    assert client.get("/api/criteria/a.b").status_code == 422


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/no-such-endpoint", 404),
        ("/api/assessments/-1", 404),  # the int converter does not match: Django's 404
        ("/api/cities?country=a%00b", 400),  # refused by RejectBadQueryMiddleware
        ("/api/cities?country=" + "a" * 2001, 400),
    ],
)
def test_api_errors_outside_the_views_are_json_too(report, client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"] == JSON
    assert isinstance(response.json()["detail"], str)


def test_api_server_error_is_json(report, monkeypatch):
    from django.test import Client

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("ovp_assess.api.get_object_or_404", broken)
    response = Client(raise_request_exception=False).get("/api/countries/canada")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error"}


def test_api_database_outage_is_a_json_503(report, monkeypatch):
    from django.db.utils import OperationalError
    from django.test import Client

    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("ovp_assess.api.get_object_or_404", down)
    response = Client(raise_request_exception=False).get("/api/countries/canada")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["detail"].startswith("Service unavailable")


def test_openapi_declares_every_response_and_limit(report, client):
    spec = client.get("/api/openapi.json").json()
    for path, item in spec["paths"].items():
        operation = item["get"]
        codes = set(operation["responses"])
        detail = "{" in path
        expected = {"200", "400", "414", "422"} | ({"404"} if detail else set())
        assert codes == expected, path
        for parameter in operation["parameters"]:
            schema = parameter["schema"]
            options = schema.get("anyOf", [schema])
            for option in options:
                if option.get("type") == "integer":
                    assert {"minimum", "maximum"} <= set(option), (path, parameter["name"])
                if option.get("type") == "string":
                    assert {"maxLength", "pattern"} <= set(option), (path, parameter["name"])
        if not detail:
            params = {p["name"]: p["schema"] for p in operation["parameters"]}
            assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, 100)
            assert (params["offset"]["minimum"], params["offset"]["maximum"]) == (0, 1_000_000)


def test_api_assessments_anonymous_sees_the_four_charts(report, client):
    data = client.get("/api/assessments").json()
    assert data["count"] == 4
    assert [a["city"] for a in data["items"]] == ["bristol", "cali", "edmonton", "rosario"]
    chart = data["items"][1]
    assert chart["kind"] == "research"
    assert chart["status"] == "published"
    assert [e["criterion"] for e in chart["entries"]] == list(range(1, 10))
    assert [e["level"] for e in chart["entries"]] == [None] * 9
    assert all(e["strengths"] and e["opportunities"] for e in chart["entries"])


def test_api_assessment_entries_carry_evidence_links(report, client, office):
    a = factories.make_assessment(office, status="published")
    entry = a.entries.get(criterion__number=2)
    EvidenceLink.objects.create(entry=entry, url="https://example.org/plan", title="Plan")
    upload = factories.make_evidence_file(entry, title="Budget")
    data = client.get(f"/api/assessments/{a.pk}").json()
    assert data["origin"] == "demo"
    none = {"file_name": None, "file_type": None, "file_size": None}
    # Without SITE_URL, the host that answered.
    download = f"http://testserver/assess/{a.pk}/evidence/{upload.pk}/"
    assert data["entries"][1]["evidence"] == [
        {"kind": "link", "url": "https://example.org/plan", "title": "Plan", "checked_on": None}
        | none,
        {
            "kind": "file",
            "url": download,
            "title": "Budget",
            "checked_on": None,
            "file_name": "Budget 2024.pdf",
            "file_type": "application/pdf",
            "file_size": len(factories.PDF_BYTES),
        },
    ]
    assert data["entries"][0]["evidence"] == []
    # The address answers: the assessment is published, so its files are public.
    assert client.get(download.removeprefix("http://testserver")).status_code == 200


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_api_anonymous_never_sees_unpublished(report, client, office, status):
    hidden = factories.make_assessment(office, status=status)
    data = client.get("/api/assessments?limit=100").json()
    assert hidden.pk not in [a["id"] for a in data["items"]]
    assert data["count"] == Assessment.objects.filter(status="published").count()
    assert client.get(f"/api/assessments/{hidden.pk}").status_code == 404
    assert client.get(f"/api/assessments?status={status}").json()["count"] == 0


def test_api_office_staff_see_their_draft_others_do_not(
    report, client_for, office, staff, viewer, other_staff, reviewer, researcher
):
    draft = factories.make_assessment(office)
    for user in (staff, viewer, reviewer):
        c = client_for(user)
        ids = [a["id"] for a in c.get("/api/assessments?limit=100").json()["items"]]
        assert draft.pk in ids
        detail = c.get(f"/api/assessments/{draft.pk}").json()
        assert (detail["status"], detail["office"]) == ("draft", office.slug)
    for user in (other_staff, researcher):
        c = client_for(user)
        ids = [a["id"] for a in c.get("/api/assessments?limit=100").json()["items"]]
        assert draft.pk not in ids
        assert c.get(f"/api/assessments/{draft.pk}").status_code == 404


def test_api_assessment_filters(report, client):
    assert client.get("/api/assessments?city=cali").json()["count"] == 1
    assert client.get("/api/assessments?kind=self").json()["count"] == 0
    assert client.get("/api/assessments?kind=evil").status_code == 422
    assert client.get("/api/assessments/abc").status_code == 404


def test_api_is_read_only(report, client):
    assert client.post("/api/cities").status_code == 405
    assert client.delete("/api/criteria/mandate").status_code == 405


def _grow(n):
    mandate = Criterion.objects.get(number=1)
    for i in range(n):
        city = factories.make_city()
        office = factories.make_office(city=city)
        factories.make_office(city=city)
        PeerExample.objects.create(
            key=f"api-example-{office.slug}",
            criterion=mandate,
            office=office,
            title="t",
            summary="s",
            citation="-",
        )
        SourcedFact.objects.create(
            key=f"api-fact-{city.slug}", city=city, office=office, label="x", value=i, citation="-"
        )
        a = factories.make_assessment(office, status="published", levels=[1] * 9)
        EvidenceLink.objects.create(entry=a.entries.first(), url="https://example.org", title="e")
        factories.make_assessment(office, cycle=2020)  # draft


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("n", [1, 20])
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/api/criteria", 5),  # count, criteria, levels, questions, examples
        ("/api/countries", 3),  # count, countries, their national facts
        ("/api/cities", 4),  # count, cities, offices, facts
        ("/api/offices", 2),  # count, offices
        ("/api/assessments", 5),  # count, assessments, entries, evidence, corrections
    ],
)
def test_api_list_query_count_is_flat(
    report, request, client_for, django_assert_num_queries, persona, n, path, queries
):
    _grow(n)
    client = _client(request, client_for, persona)
    # Only the assessments depend on who asks: + session, user, memberships (and groups).
    extra = 4 if persona and path == "/api/assessments" else 0
    with django_assert_num_queries(queries + extra):
        response = client.get(path + "?limit=100")
    assert response.status_code == 200
    data = response.json()
    assert len(data["items"]) == data["count"]
    if path == "/api/criteria":
        assert len(data["items"][0]["examples"]) > n
    else:
        assert data["count"] > n
