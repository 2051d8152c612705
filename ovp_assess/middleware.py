from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render


class RejectBadQueryMiddleware:
    """Answer 400 to query strings no form of ours could accept.

    A NUL byte cannot be stored by PostgreSQL and an over-long value is never a real
    filter, so both are refused here, before any view or database sees them, identically
    on SQLite and PostgreSQL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_QUERY_VALUE_LENGTH
        for key, values in request.GET.lists():
            for value in [key, *values]:
                if "\x00" in value or len(value) > limit:
                    message = "Bad request: a query parameter holds a NUL byte or is too long."
                    if request.path.startswith("/api/"):  # the API answers in JSON
                        return JsonResponse(
                            {"detail": message},
                            status=400,
                            content_type="application/json; charset=utf-8",
                        )
                    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when the database is out of reach, not a 500.

    During a restart or failover every request fails until the connection comes back
    (CONN_HEALTH_CHECKS reconnects by itself); clients and load balancers should retry
    rather than report a bug. The page is plain: base.html would query the database again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            response = render(request, "503.html", status=503)
            response["Retry-After"] = "5"
            return response
        return None
