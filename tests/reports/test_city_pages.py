"""The public city pages: list with filters and sorting, detail with offices, facts, charts."""

import re
from decimal import Decimal

import pytest
from django.utils.html import escape

from assessments.models import Assessment
from cities.forms import CityFilterForm
from cities.models import City, Country, Origin, SourcedFact
from reports import city_queries as queries
from reports.city_views import format_value
from tests import factories

pytestmark = pytest.mark.django_db

ALL_REAL = [
    "bristol",
    "brussels",
    "cali",
    "chicago",
    "chihuahua",
    "edmonton",
    "feira-de-santana",
    "godoy-cruz",
    "leon",
    "los-angeles",
    "mechelen",
    "medellin",
    "oakland",
    "palmira",
    "pelotas",
    "penalolen",
    "philadelphia",
    "rosario",
    "san-pedro-sula",
    "stuttgart",
]
PERSONAS = [None, "staff"]


@pytest.fixture(params=PERSONAS, ids=["anonymous", "staff"])
def visitor(request):
    """A client as an anonymous visitor or as a logged-in member of a (demo) office."""
    from django.test import Client

    client = Client()
    user = request.getfixturevalue(request.param) if request.param else None
    if user is not None:
        client.force_login(user)
    client.user = user
    return client


def compare_table(html):
    """The city page's table of sources side by side."""
    start = html.index('<table class="table table-bordered compare-table')
    return html[start : html.index("</table>", start)]


def column_headers(table):
    """The text of the table's column headers, whitespace collapsed."""
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", h).split()) for h in headers]


def listed(response):
    """City slugs in the order the list page shows them."""
    return re.findall(
        r'<th scope="row"><a href="/cities/([a-z0-9-]+)/">', response.content.decode()
    )


# --- Plain functions ---------------------------------------------------------------------


def test_format_value_drops_useless_decimals_and_groups_thousands():
    assert format_value(Decimal("2300000.00")) == "2,300,000"
    assert format_value(Decimal("43.10")) == "43.1"
    assert format_value(Decimal("0.50")) == "0.5"
    assert format_value(Decimal("287")) == "287"
    assert format_value(Decimal("1994.00"), "year") == "1994"


def test_city_list_query_excludes_fictional_unless_asked(report):
    demo = factories.make_city(name="Zdemo")
    assert [c.slug for c in queries.city_list()] == ALL_REAL
    assert [c.slug for c in queries.city_list(include_fictional=True)] == [*ALL_REAL, demo.slug]


def test_city_list_query_counts_offices_without_duplicating_rows(report):
    cities = queries.city_list(institutional_home="department", sort="-offices")
    rows = [(c.slug, c.offices_count) for c in cities]
    # Cali has three offices (two secretariats and the ecosystem of its chart), Medellín two.
    # Only these three cities have an office the report places in a city department.
    assert rows == [("cali", 3), ("medellin", 2), ("oakland", 1)]
    assert len(rows) == len({slug for slug, _ in rows}) == 3


def test_city_list_query_sorts_unknown_population_last_both_ways(report):
    assert [c.slug for c in queries.city_list(sort="population")][:2] == ["cali", "bristol"]
    assert [c.slug for c in queries.city_list(sort="-population")][:2] == ["cali", "bristol"]


def test_city_list_query_unknown_sort_falls_back_to_name(report):
    assert [c.slug for c in queries.city_list(sort="evil")] == ALL_REAL


def test_filter_form_reports_bad_values_and_keeps_good_ones(report):
    form = CityFilterForm({"region": "nowhere", "sort": "evil", "sample": "yes"})
    filters = form.filters()
    assert sorted(form.errors) == ["region", "sort"]
    assert filters == {
        "country": None,
        "region": None,
        "institutional_home": None,
        "in_sample": True,
        "include_fictional": False,
        "sort": "name",
    }


def test_filter_form_offers_fictional_countries_only_when_asked(report):
    demo = factories.make_country(name="Zland")
    assert demo not in CityFilterForm({}).fields["country"].queryset
    form = CityFilterForm({"include_fictional": "on", "country": demo.slug})
    assert form.filters()["country"] == demo


def test_unbound_filter_form_gives_defaults(report):
    assert CityFilterForm().filters()["sort"] == "name"


# --- List page ---------------------------------------------------------------------------


def test_city_list_shows_all_report_cities(report, visitor):
    response = visitor.get("/cities/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Cities</h1>" in html
    assert listed(response) == ALL_REAL
    assert "20 cities match the filters." in html
    assert "2,300,000" in html  # Cali's population
    assert "Demo, fictional" not in html
    assert ("Log out" in html) is (visitor.user is not None)


def test_city_list_filters_by_country(report, visitor):
    response = visitor.get("/cities/?country=colombia")
    assert listed(response) == ["cali", "medellin", "palmira"]
    assert '<option value="colombia" selected>Colombia</option>' in response.content.decode()


def test_city_list_filters_by_region(report, visitor):
    response = visitor.get("/cities/?region=western-europe")
    assert listed(response) == ["bristol", "brussels", "mechelen", "stuttgart"]


def test_city_list_filters_by_institutional_home(report, visitor):
    response = visitor.get("/cities/?institutional_home=civil-society")
    assert listed(response) == ["bristol", "edmonton"]
    response = visitor.get("/cities/?institutional_home=mayor")
    assert listed(response) == ["chicago"]
    # The report places no office in a public health department.
    response = visitor.get("/cities/?institutional_home=public-health")
    assert listed(response) == []


def test_city_list_filters_by_sample_membership(report, visitor):
    assert len(listed(visitor.get("/cities/?sample=yes"))) == 18
    assert listed(visitor.get("/cities/?sample=no")) == ["bristol", "rosario"]


def test_city_list_combines_filters(report, visitor):
    response = visitor.get("/cities/?region=latin-america&sample=no")
    assert listed(response) == ["rosario"]
    response = visitor.get("/cities/?region=north-america&institutional_home=civil-society")
    assert listed(response) == ["edmonton"]


def test_city_list_with_no_match_says_so(report, visitor):
    response = visitor.get("/cities/?country=germany&sample=no")
    assert listed(response) == []
    assert "No city matches these filters." in response.content.decode()


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("name", ["bristol", "brussels"]),
        ("-name", ["stuttgart", "san-pedro-sula"]),
        ("country", ["godoy-cruz", "rosario"]),  # Argentina
        ("-country", ["chicago", "los-angeles"]),  # United States
        ("population", ["cali", "bristol"]),
        ("-offices", ["cali", "bristol"]),
        ("offices", ["brussels", "chihuahua"]),
    ],
)
def test_city_list_sorts_by_column(report, visitor, sort, first):
    response = visitor.get(f"/cities/?sort={sort}")
    assert listed(response)[:2] == first
    assert len(listed(response)) == 20


def test_city_list_sort_links_flip_the_active_column(report, client):
    html = client.get("/cities/?sort=population&region=latin-america").content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="?sort=-population&amp;region=latin-america"' in html
    assert 'href="?sort=name&amp;region=latin-america"' in html
    html = client.get("/cities/?sort=-population").content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="?sort=population"' in html


def test_city_list_bad_filter_values_show_a_message_and_the_rest(report, visitor):
    response = visitor.get("/cities/?region=nowhere&sort=evil&sample=no")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters were not understood and were ignored." in html
    assert "Select a valid choice. nowhere is not one of the available choices." in html
    assert "Select a valid choice. evil is not one of the available choices." in html
    assert listed(response) == ["bristol", "rosario"]  # the good filter still applies
    assert '<input type="hidden" name="sort" value="name">' in html


def test_city_list_unknown_country_shows_a_message(report, client):
    response = client.get("/cities/?country=atlantis")
    assert response.status_code == 200
    assert 'href="#id_country">Country</a>' in response.content.decode()
    assert listed(response) == ALL_REAL


def test_city_list_bad_checkbox_value_is_harmless(report, client):
    response = client.get("/cities/?include_fictional=%27%3B--&sample=maybe")
    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()


def test_city_list_shows_fictional_cities_with_badge_only_when_asked(report, visitor):
    demo = factories.make_city(name="Zdemo City")
    synthetic = factories.make_city(name="Zsynth City", origin=Origin.SYNTHETIC)
    assert demo.slug not in listed(visitor.get("/cities/"))
    response = visitor.get("/cities/?include_fictional=on")
    # The staff persona's own office is in a demo city too: it sorts among the others.
    fictional = list(City.objects.exclude(origin="report").values_list("slug", flat=True))
    assert listed(response) == [*ALL_REAL, *fictional]
    assert fictional[-2:] == [demo.slug, synthetic.slug]
    html = response.content.decode()
    assert html.count("Demo, fictional") == len(fictional) - 1
    assert html.count("Synthetic, fictional") == 1


def test_city_list_refuses_post(report, client):
    assert client.post("/cities/").status_code == 405


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("n", [1, 20])
def test_city_list_query_count_is_flat(
    report, request, client_for, django_assert_num_queries, persona, n
):
    country = factories.make_country()
    for _ in range(n):
        city = factories.make_city(country=country)
        factories.make_office(city=city)
        factories.make_office(city=city)
    client = client_for(request.getfixturevalue(persona) if persona else None)
    # Anonymous: data stamp, countries for the form, cities. Staff: session, user, groups
    # and memberships (staff see more than published data, so nothing is cached for them).
    url = "/cities/?include_fictional=on&sort=-offices"
    with django_assert_num_queries(3 if persona is None else 6):
        response = client.get(url)
    assert len(listed(response)) == City.objects.count() >= 20 + n
    # A second anonymous visit is served from the page cache: the data stamp only.
    with django_assert_num_queries(1 if persona is None else 6):
        again = client.get(url)
    assert listed(again) == listed(response)


# --- Detail page -------------------------------------------------------------------------


def test_city_detail_shows_the_report_chart_like_the_report(report, visitor):
    response = visitor.get("/cities/cali/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Cali </h1>" in html
    chart = Assessment.objects.get(office__city__slug="cali", kind="research")
    entries = list(chart.entries.select_related("criterion").order_by("criterion__number"))
    table = compare_table(html)
    assert column_headers(table) == [
        "Criterion",
        "Cali violence-prevention ecosystem (both secretariats) The report's chart, 2024 "
        "published January 2024",
    ]
    assert re.findall(r">(\d\. [^<]+)</a>", table) == [
        f"{e.criterion.number}. {escape(e.criterion.short_title)}" for e in entries
    ]
    assert table.count("Unrated") == 9
    assert "/4" not in table  # no level is invented
    for entry in entries:
        assert escape(entry.strengths) in table
        assert escape(entry.opportunities) in table
    assert html.count(f'href="/reports/scorecards/{chart.pk}.pdf"') == 2  # source and history


@pytest.mark.parametrize("city", ["bristol", "edmonton", "rosario"])
def test_city_detail_shows_a_chart_for_each_adaptation_city(report, client, city):
    html = client.get(f"/cities/{city}/").content.decode()
    assert "<strong>The report's chart</strong> lists what already works" in html
    assert html.count("Unrated") == 9
    assert "1. Clearly defined, public mandate" in html
    assert "9. Impact documentation" in html


def test_city_detail_without_chart_shows_no_chart(report, client):
    html = client.get("/cities/oakland/").content.decode()
    assert "Criterion by criterion" not in html
    assert "compare-table" not in html
    assert "Unrated" not in html
    assert "Department of Violence Prevention (DVP)" in html


def test_city_detail_lists_offices_with_their_details(report, visitor):
    html = visitor.get("/cities/chicago/").content.decode()
    assert 'id="office-chicago-ovr"' in html
    assert 'id="office-chicago-ovpbh"' in html
    section = html[html.index('id="office-chicago-ovr"') :]
    section = section[: section.index("</article>")]
    assert "Office of Violence Reduction (OVR)" in section
    assert '<dd class="col-sm-8 col-lg-9">Mayor&#x27;s office</dd>' in section
    # The report does not say whether the office still runs; it voices a doubt instead.
    assert '<dd class="col-sm-8 col-lg-9">Not stated in the report</dd>' in section
    assert "Operating" not in section
    assert "may raise questions about its sustainability under the incoming mayor" in section
    href = "https://www.chicago.gov/city/en/sites/public-safety-and-violence-reduction/home/VR-overview.html"
    assert f'href="{href}"' in section


def test_city_detail_lists_facts_with_values_and_citations(report, visitor):
    html = visitor.get("/cities/cali/").content.decode()
    rate = SourcedFact.objects.get(key="cali-homicide-rate-2022")
    row = html[html.index('id="fact-cali-homicide-rate-2022"') :]
    row = row[: row.index("</tr>")]
    assert escape(rate.label) in row
    assert "<td>43.1 per 100,000 residents</td>" in row
    assert "<td>2022</td>" in row
    assert f"<td>{escape(rate.citation)}</td>" in row
    assert "<td>2,300,000 people</td>" in html
    assert "<td>19,000,000 dollars ($)</td>" in html
    assert html.count('id="fact-') == SourcedFact.objects.filter(city__slug="cali").count()


def test_city_detail_links_the_office_peer_examples(report, client):
    html = client.get("/cities/oakland/").content.decode()
    assert 'href="/criteria/mandate/#example-oakland-five-goals"' in html


def test_city_detail_unknown_slug_is_404(report, visitor):
    response = visitor.get("/cities/atlantis/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_city_detail_demo_city_has_fictional_badge(report, client):
    city = factories.make_city(name="Testburg")
    html = client.get(f"/cities/{city.slug}/").content.decode()
    assert "Demo, fictional" in html
    assert "The report lists no office for this city." in html
    assert "The report gives no figures for this city." in html


def test_city_detail_published_self_assessment_shows_levels(report, client, office):
    levels = [0, 1, 2, 3, 4, 4, 3, 2, 1]
    old = factories.make_assessment(office, cycle=2024, status="published", levels=[0] * 9)
    new = factories.make_assessment(office, cycle=2025, status="published", levels=levels)
    html = client.get(office.city.get_absolute_url()).content.decode()
    assert column_headers(compare_table(html))[1:] == [
        f"{office.name} Demo, fictional Self-assessment, 2025 published"
    ]
    assert f'id="self-{new.pk}"' in html
    assert f'id="self-{old.pk}"' not in html  # only the latest per office
    table = html[html.index(f'id="self-{new.pk}"') :]
    table = table[: table.index("</table>")]
    assert re.findall(r'level-badge level-\d">([^<]+)<', table) == [
        "0/4 Absent",
        "1/4 Emerging",
        "2/4 Developing",
        "3/4 Established",
        "4/4 Exemplary",
        "4/4 Exemplary",
        "3/4 Established",
        "2/4 Developing",
        "1/4 Emerging",
    ]
    assert "Fictional test text: strengths 1" in table
    # both published cycles are listed under the office, each with its scorecard
    assert f'href="/reports/scorecards/{old.pk}.pdf"' in html
    assert f'href="/reports/scorecards/{new.pk}.pdf"' in html


def test_city_detail_shows_not_applicable_and_not_assessed(report, client, office):
    a = factories.make_assessment(office, status="published")
    entries = list(a.entries.order_by("criterion__number"))
    entries[0].applicability = "not-applicable"
    entries[0].justification = "No such service here"
    entries[1].applicability = "not-assessed"
    for e in entries[:2]:
        e.save()
    html = client.get(office.city.get_absolute_url()).content.decode()
    table = html[html.index(f'id="self-{a.pk}"') :]
    assert "Not applicable" in table
    assert "Not assessed" in table
    assert table[: table.index("</table>")].count("Unrated") == 7


def test_city_detail_draft_visible_to_office_staff_only(
    report, client_for, office, staff, viewer, other_staff, reviewer
):
    draft = factories.make_assessment(office, cycle=2026)
    link = f'href="/reports/scorecards/{draft.pk}.pdf"'
    url = office.city.get_absolute_url()
    for user in (None, other_staff):
        html = client_for(user).get(url).content.decode()
        assert link not in html
        assert "No assessment of this office is available to you yet." in html
    for user in (staff, viewer, reviewer):
        html = client_for(user).get(url).content.decode()
        assert link in html
        row = html[html.index('<th scope="row">2026</th>') :]
        assert "Self-assessment" in row[: row.index("</tr>")]
        assert "Draft" in row[: row.index("</tr>")]
        assert "compare-table" not in html  # a draft is never shown as published


def test_city_detail_submitted_assessment_hidden_from_anonymous(report, client_for, office, staff):
    submitted = factories.make_assessment(office, status="submitted")
    link = f'href="/reports/scorecards/{submitted.pk}.pdf"'
    assert link not in client_for(None).get(office.city.get_absolute_url()).content.decode()
    assert link in client_for(staff).get(office.city.get_absolute_url()).content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("n", [1, 20])
def test_city_detail_query_count_is_flat(
    report, request, client_for, django_assert_num_queries, persona, n
):
    city = factories.make_city()
    for i in range(n):
        office = factories.make_office(city=city)
        factories.make_assessment(office, cycle=2024, status="published", levels=[2] * 9)
        factories.make_assessment(office, cycle=2025, kind="research", status="published")
        factories.make_assessment(office, cycle=2026)  # a draft, hidden from anonymous
        SourcedFact.objects.create(
            key=f"test-fact-{city.slug}-{i}",
            city=city,
            office=office,
            label="Test figure",
            value=i,
            citation="Nowhere",
        )
    client = client_for(request.getfixturevalue(persona) if persona else None)
    # city, offices, examples, facts, assessments, entries, criteria, rubric labels,
    # perspectives rounds, and 4 for the peers (criteria, assessments, entries, examples);
    # logged in: + session, user, groups, and memberships for the page and for the peers.
    # + the data stamp for anonymous visitors, + groups for staff (who get no page cache);
    # + the notes of corrections in the works.
    with django_assert_num_queries(15 if persona is None else 20):
        response = client.get(city.get_absolute_url())
    with django_assert_num_queries(2 if persona is None else 20):  # city and stamp, cached
        again = client.get(city.get_absolute_url())
    assert again.content.count(b"office-card") == response.content.count(b"office-card")
    html = response.content.decode()
    assert html.count('class="card mb-3 office-card"') == n
    assert html.count('id="fact-') == n
    assert len(re.findall(r'id="self-\d+"', html)) == n
    assert len(re.findall(r'id="chart-\d+"', html)) == n


def test_city_detail_reviewer_sees_drafts_of_every_office(report, client_for, office, reviewer):
    draft = factories.make_assessment(office)
    html = client_for(reviewer).get(office.city.get_absolute_url()).content.decode()
    assert f'href="/reports/scorecards/{draft.pk}.pdf"' in html


def test_city_detail_is_read_only(report, client):
    assert client.post("/cities/cali/").status_code == 405


def test_country_region_labels_on_list(report, client):
    html = client.get("/cities/?country=canada").content.decode()
    assert "<td>North America</td>" in html
    assert Country.objects.get(slug="canada").region == "north-america"
    assert City.objects.get(slug="edmonton").country.slug == "canada"
