from django.conf import settings
from django.http import HttpResponseBadRequest


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
                    return HttpResponseBadRequest(
                        "Bad request: a query parameter holds a NUL byte or is too long.",
                        content_type="text/plain; charset=utf-8",
                    )
        return self.get_response(request)
