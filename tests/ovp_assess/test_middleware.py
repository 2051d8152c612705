from django.db.utils import OperationalError
from django.test import RequestFactory

from ovp_assess.middleware import DatabaseUnavailableMiddleware


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
