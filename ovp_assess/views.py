from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cities.models import City, Office
from criteria.models import Criterion
from reports.cache import public_content


@require_safe
def home(request):
    def build():
        context = {
            "criteria": Criterion.objects.only(
                "number", "slug", "title", "short_title", "translations"
            ),
            "sample_cities": City.objects.filter(in_sample=True).count(),
            "sample_offices": Office.objects.filter(in_sample=True).count(),
        }
        return render_to_string("home.html#content", context, request=request)

    # The same for every visitor: kept per language and data version (reports.cache).
    content = public_content(request, "home", "", build, everyone=True)
    return render(request, "home.html", {"content": mark_safe(content)})  # noqa: S308


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
