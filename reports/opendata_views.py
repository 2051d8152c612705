"""/data/: the open-data package (reports.opendata), for people and for programs.

The files are the same for everyone (published data only, whoever asks) and are served
from storage (reports.opendata_cache) with an ETag and Last-Modified, `Cache-Control: public,
no-cache` (revalidate, then 304), and `Access-Control-Allow-Origin: *` so that tools in a
browser may read them from another site. When the storage does not answer: 503 with
Retry-After (reports.scorecard_views.store_unavailable).
"""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from . import opendata, opendata_cache, storage
from .scorecard_views import store_unavailable

TABLES = {table.name: table for table in opendata.TABLES}


@require_safe
def index(request):
    try:
        stored = opendata_cache.current_package()
    except storage.UNAVAILABLE:
        return store_unavailable(request)
    tables = [
        {
            "table": table,
            "rows": stored.rows.get(table.name, 0),
            "url": reverse("opendata:table", args=[table.name]),
        }
        for table in opendata.TABLES
    ]
    return render(
        request,
        "reports/open_data.html",
        {
            "tables": tables,
            "created": stored.created,
            "license": opendata.LICENSE,
            "citation": opendata.citation(created=stored.created),
            "descriptor_url": reverse("opendata:descriptor"),
            "descriptor_name": opendata.DESCRIPTOR,
            "zip_url": reverse("opendata:zip"),
        },
    )


def _serve(request, name, content_type, *, attachment=False):
    try:
        stored = opendata_cache.current_package()
        etag = f'"{stored.etag}"'
        modified = int(stored.built.timestamp())
        response = get_conditional_response(request, etag=etag, last_modified=modified)
        fh = None if response is not None else storage.opendata().open(stored.name(name), "rb")
    except storage.UNAVAILABLE:
        return store_unavailable(request)
    if response is None:
        response = FileResponse(
            fh,
            content_type=content_type,
            as_attachment=attachment,
            filename=name,
        )
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(modified)
    response.headers["Cache-Control"] = "public, no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def descriptor(request):
    return _serve(request, opendata.DESCRIPTOR, "application/json")


@require_safe
def table(request, name):
    if name not in TABLES:
        raise Http404
    return _serve(request, TABLES[name].path, "text/csv; charset=utf-8")


@require_safe
def package_zip(request):
    return _serve(request, opendata.ZIP_NAME, "application/zip", attachment=True)
