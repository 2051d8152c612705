"""Read-only JSON API.

django-ninja: typed schemas give the OpenAPI document for free and it validates; it is a
small dependency next to Django REST framework, and we only need read-only GET endpoints.
"""

from ninja import NinjaAPI

api = NinjaAPI(
    title="OVP Assess API",
    version="1.0",
    description="Read-only data of OVP Assess. Anonymous callers see published assessments only.",
    urls_namespace="api",
    docs_url=None,  # the interactive docs page loads assets from a CDN; we fetch nothing remote
    openapi_url="/openapi.json",
)
