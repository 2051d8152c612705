from django.test import RequestFactory

from ovp_assess.client_ip import client_ip


def test_client_ip_is_remote_addr_when_not_behind_a_proxy(settings):
    settings.BEHIND_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.9"


def test_client_ip_behind_proxy_takes_the_address_the_proxy_appended(settings):
    settings.BEHIND_PROXY = True
    # The client forged the first entry; our proxy appended the real one last.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7"
    )
    assert client_ip(request) == "203.0.113.7"


def test_client_ip_behind_proxy_without_header_falls_back_to_remote_addr(settings):
    settings.BEHIND_PROXY = True
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "10.0.0.2"
