"""The bench names the forms, views and URLs it measures: a rename breaks it loudly."""

import pytest
from django.core.management import call_command
from django.urls import resolve

from bench import queries
from reports.forms import DashboardForm, MatrixForm
from reports.management.commands.synth import respondent_token


def test_form_query_takes_the_form_fields():
    query = queries.form_query(DashboardForm, {"include_demo": "on", "include_synthetic": "on"})
    assert query == "?include_demo=on&include_synthetic=on"


def test_form_query_refuses_a_field_the_form_does_not_have():
    with pytest.raises(RuntimeError, match="MatrixForm has no field include_fictional"):
        queries.form_query(MatrixForm, {"cities": "cali", "include_fictional": "on"})


@pytest.mark.django_db
def test_plan_serves_each_page_with_the_view_it_names():
    pages, _problems = queries.plan()
    views = {name: resolve(page["path"].split("?")[0]).func for name, page in pages.items()}
    assert views["healthz"].__name__ == "healthz"
    assert views["matrix20"].__module__ == "reports.views"
    assert views["dashboard1000"].__name__ == "dashboard"
    assert pages["matrix20"]["path"].startswith("/reports/matrix/?cities=cali%2C")
    assert pages["dashboard1000"]["path"].endswith("?include_demo=on&include_synthetic=on")


@pytest.mark.django_db
def test_plan_fails_when_a_page_is_served_by_another_view(monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "matrix", views.dashboard)  # as if the view had been renamed
    with pytest.raises(RuntimeError, match="matrix20: /reports/matrix/.* is not served by"):
        queries.plan()


@pytest.mark.django_db
def test_plan_reaches_the_bench_office_pages_that_synth_made(report, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]  # the bench's host
    call_command("synth", "--offices", "2", "--cycles", "2", "--seed", "3")

    pages, problems = queries.plan(3)
    views = {name: resolve(page["path"].split("?")[0]).func for name, page in pages.items()}
    assert [views[n].__name__ for n in ("team", "plan", "perspectives", "respond", "register")] == [
        "team",
        "plan",
        "overview",
        "answer",
        "register",
    ]
    assert pages["respond"]["path"] == f"/respond/{respondent_token(seed=3)}/"
    assert pages["team"]["users"] == ["synthetic-lead"]
    assert problems == ["form: no draft self-assessment that staff-cali or bench-staff may edit"]
    wanted = ("team", "plan", "perspectives", "respond", "register", "embed")
    counted, _clients = queries.count({n: pages[n] for n in wanted})
    assert {n: counted[n]["status"] for n in wanted} == dict.fromkeys(wanted, 200)
    assert counted["team"]["user"] == "synthetic-lead"
    assert counted["respond"]["user"] is None


@pytest.mark.django_db
def test_plan_says_when_there_is_no_bench_office(report):
    pages, problems = queries.plan()
    assert "team" not in pages
    assert "respond" not in pages
    assert "register" in pages
    assert (
        problems[1]
        == "team, plan, perspectives, respond: no bench office (synth synthetic-ovp-0001)"
    )
