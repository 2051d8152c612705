"""/api/: the OpenAPI document as a page for people, rendered on the server."""

import pytest

from ovp_assess.api import api
from ovp_assess.api_page import models, operations, type_text

COMPONENTS = {"Status": {"enum": ["draft", "published"]}, "Office": {"properties": {}}}


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        ({"type": "integer"}, "integer"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "string"),
        ({"$ref": "#/components/schemas/Status"}, "Status: draft, published"),
        ({"type": "array", "items": {"$ref": "#/components/schemas/Office"}}, "list of Office"),
        ({}, ""),
    ],
)
def test_type_text(schema, text):
    assert type_text(schema, COMPONENTS) == text


def test_operations_list_every_path_of_the_document_in_order():
    schema = api.get_openapi_schema()
    found = operations(schema)
    assert [(op["method"], op["path"]) for op in found] == [
        (method.upper(), path) for path, methods in schema["paths"].items() for method in methods
    ]
    listing = next(op for op in found if op["path"] == "/api/assessments")
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")
    assert (limit["where"], limit["type"], limit["default"], limit["required"]) == (
        "query",
        "integer",
        100,
        False,
    )
    assert [r["status"] for r in listing["responses"]][0] == 200
    assert listing["responses"][0]["type"] == "PagedAssessmentOut"


def test_models_skip_enums_and_say_which_fields_are_always_present():
    found = {m["name"]: m for m in models(api.get_openapi_schema())}
    assert "Kind" not in found
    fields = {f["name"]: f for f in found["CriterionOut"]["fields"]}
    assert fields["slug"]["required"] is True


def test_the_page_shows_every_endpoint_without_scripts(client, db):
    response = client.get("/api/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    for path in api.get_openapi_schema()["paths"]:
        assert f"<code>GET {path}</code>" in html
    assert "<script" not in html.split("<main")[1].split("</main>")[0]


def test_the_page_is_in_the_visitors_language(client, db):
    response = client.get("/api/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "<h1>L’API d’OVP Assess</h1>" in response.content.decode()
