"""The bench names the forms, views and URLs it measures: a rename breaks it loudly."""

import pytest
from django.urls import resolve

from bench import queries
from reports.forms import DashboardForm, MatrixForm


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
