"""The API's page for people (/api/): the OpenAPI document rendered on the server into
plain HTML tables, so the page needs no script from anywhere, keeps the site's CSP and
reads well with a screen reader (Swagger UI nests buttons in buttons)."""

from django.shortcuts import render
from ninja.openapi.docs import DocsBase


def _ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def type_text(schema, components):
    """A short, readable type for a JSON schema: "integer", "string (Status: draft, …)",
    "list of Criterion"; None is left out (optional is said elsewhere)."""
    if not schema:
        return ""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        target = components.get(name, {})
        if "enum" in target:
            return f"{name}: " + ", ".join(str(v) for v in target["enum"])
        return name
    if "anyOf" in schema:
        parts = [type_text(s, components) for s in schema["anyOf"] if s.get("type") != "null"]
        return " or ".join(p for p in parts if p)
    if schema.get("type") == "array":
        return "list of " + type_text(schema.get("items", {}), components)
    if "enum" in schema:
        return ", ".join(str(v) for v in schema["enum"])
    return schema.get("type", "")


def operations(schema):
    """Each operation of the OpenAPI document `schema`, in its order, as a dict for the
    page: method, path, summary, parameters and responses."""
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            parameters = [
                {
                    "name": p["name"],
                    "where": p["in"],
                    "required": p.get("required", False),
                    "type": type_text(p.get("schema", {}), components),
                    "default": p.get("schema", {}).get("default"),
                    "description": p.get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            responses = []
            for status, answer in op.get("responses", {}).items():
                body = answer.get("content", {}).get("application/json", {}).get("schema", {})
                responses.append(
                    {
                        "status": status,
                        "description": answer.get("description", ""),
                        "type": type_text(body, components),
                    }
                )
            found.append(
                {
                    "id": op.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": parameters,
                    "responses": responses,
                }
            )
    return found


def models(schema):
    """The document's object schemas (not enums) with their fields, by name."""
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for name, body in sorted(components.items()):
        if "properties" not in body:
            continue
        required = set(body.get("required", []))
        fields = [
            {
                "name": field,
                "type": type_text(spec, components),
                "required": field in required,
                "description": spec.get("description", ""),
            }
            for field, spec in body["properties"].items()
        ]
        found.append({"name": name, "fields": fields})
    return found


class ApiPage(DocsBase):
    def render_page(self, request, api, **kwargs):
        schema = api.get_openapi_schema(path_params=kwargs)
        return render(
            request,
            "api/docs.html",
            {
                "api": api,
                "openapi_url": self.get_openapi_url(api, kwargs),
                "operations": operations(schema),
                "models": models(schema),
            },
        )
