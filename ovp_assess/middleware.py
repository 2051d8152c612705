from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

JSON = "application/json; charset=utf-8"  # as django-ninja answers


def _plain_or_json(request, message, status):
    """The API answers in JSON, pages in plain text."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status, content_type=JSON)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


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
                    return _plain_or_json(
                        request,
                        "Bad request: a query parameter holds a NUL byte or is too long.",
                        400,
                    )
        return self.get_response(request)


class MaxRequestBodyMiddleware:
    """Answer 413 to a request body larger than settings.MAX_REQUEST_BODY, unread.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files, so a multipart
    body of any size was read (and spooled to disk) by the CSRF check of any POST, before
    any view or permission: an anonymous 200 MB POST to the login page was read in full.
    This middleware comes before CsrfViewMiddleware and looks at Content-Length only. A
    body sent in chunks without a length cannot be checked before it is read, so it is
    refused too (Django would read none of it anyway, and no form of ours needs it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BODY
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        raw = request.META.get("CONTENT_LENGTH") or ""
        if chunked and not raw:
            return _plain_or_json(
                request,
                "Request refused: send the body with a Content-Length, not in chunks.",
                413,
            )
        try:
            length = int(raw or 0)
        except ValueError:
            length = -1
        if length < 0:
            return _plain_or_json(request, "Bad request: the Content-Length is not a number.", 400)
        if length > limit:
            return _plain_or_json(
                request, f"Request refused: the body is larger than {limit} bytes.", 413
            )
        return self.get_response(request)


class PrivateCacheMiddleware:
    """Cache-Control: private, no-store on what may show an unpublished assessment.

    The workspace under /assess/ (drafts, history, reviews) always; and any response to a
    request with a session cookie (someone who may be logged in) that sets no
    Cache-Control of its own: city pages and the API show an office's drafts to its
    staff. Neither a shared cache nor the browser's disk may keep them. Visitors without
    a session only ever see published data, which may be cached. (The cookie, not
    request.user, so that no response pays a query for the session and the user.)
    """

    PRIVATE_PREFIXES = ("/assess/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        workspace = request.path.startswith(self.PRIVATE_PREFIXES)
        session = settings.SESSION_COOKIE_NAME in request.COOKIES
        if workspace or (session and not response.has_header("Cache-Control")):
            response["Cache-Control"] = "private, no-store"
        return response


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
