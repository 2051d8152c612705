import io

import pytest
from django.conf import settings as django_settings
from django.db.utils import OperationalError
from django.http import HttpResponse
from django.test import Client, RequestFactory

from ovp_assess.middleware import DatabaseUnavailableMiddleware, MaxRequestBodyMiddleware


def test_database_errors_answer_503_with_retry_after():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/cities/")
    response = middleware.process_exception(request, OperationalError("server closed"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Temporarily unavailable" in response.content.decode()


def test_other_errors_are_left_to_django():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/cities/")
    assert middleware.process_exception(request, ValueError("bug")) is None


# --- request body limit ------------------------------------------------------------------


class UnreadableBody(io.RawIOBase):
    """A wsgi.input that fails the test when anything reads it."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


def _post_unread(client, url, length, **extra):
    return client.generic(
        "POST",
        url,
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableBody(), **extra},
    )


@pytest.mark.parametrize("url", ["/accounts/login/", "/assess/start/", "/api/cities"])
def test_anonymous_200_megabyte_post_is_refused_unread(db, url):
    # Before: CsrfViewMiddleware read the whole multipart body (files are not counted by
    # DATA_UPLOAD_MAX_MEMORY_SIZE) before any view or permission check.
    client = Client(raise_request_exception=False)
    response = _post_unread(client, url, 200 * 1024 * 1024)
    assert response.status_code == 413
    if url.startswith("/api/"):
        assert response.json() == {
            "detail": f"Request refused: the body is larger than {django_settings.MAX_REQUEST_BODY} bytes."
        }


def test_body_limit_is_a_setting(db, settings):
    settings.MAX_REQUEST_BODY = 10 * 1024 * 1024
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    assert _post_unread(client, "/accounts/login/", 11 * 1024 * 1024).status_code == 413
    # Under the limit the request goes on to the CSRF check (no token: 403); a file is not
    # counted by Django's DATA_UPLOAD_MAX_MEMORY_SIZE.
    upload = io.BytesIO(b"x" * (3 * 1024 * 1024))
    upload.name = "evidence.pdf"
    response = client.post("/accounts/login/", {"login": "x", "file": upload})
    assert response.status_code == 403


def test_chunked_body_without_a_length_is_refused_unread():
    middleware = MaxRequestBodyMiddleware(lambda request: pytest.fail("passed on"))
    request = RequestFactory().post("/accounts/login/", data=b"", content_type="text/plain")
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input"] = UnreadableBody()
    assert middleware(request).status_code == 413


@pytest.mark.parametrize(("length", "status"), [("abc", 400), ("-1", 400), ("", 200), ("0", 200)])
def test_content_length_that_is_not_a_size(length, status):
    middleware = MaxRequestBodyMiddleware(lambda request: HttpResponse("passed on"))
    request = RequestFactory().post("/accounts/login/")
    request.META["CONTENT_LENGTH"] = length
    assert middleware(request).status_code == status


def test_body_at_the_limit_passes(db, settings):
    middleware = MaxRequestBodyMiddleware(lambda request: HttpResponse("passed on"))
    request = RequestFactory().post("/accounts/login/")
    request.META["CONTENT_LENGTH"] = str(settings.MAX_REQUEST_BODY)
    assert middleware(request).status_code == 200
    request.META["CONTENT_LENGTH"] = str(settings.MAX_REQUEST_BODY + 1)
    assert middleware(request).status_code == 413


def test_body_limit_comes_before_the_csrf_check():
    order = django_settings.MIDDLEWARE
    assert order.index("ovp_assess.middleware.MaxRequestBodyMiddleware") < order.index(
        "django.middleware.csrf.CsrfViewMiddleware"
    )
