from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cities.models import City, Office
from criteria.models import Criterion


@require_safe
def home(request):
    context = {
        "criteria": Criterion.objects.only(
            "number", "slug", "title", "short_title", "translations"
        ),
        "sample_cities": City.objects.filter(in_sample=True).count(),
        "sample_offices": Office.objects.filter(in_sample=True).count(),
    }
    return render(request, "home.html", context)


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
