"""Checking evidence links without becoming a way into the network: a local HTTP server
stands in for the web (127.0.0.1 is let through by `allow_addresses`, a keyword only tests
pass); nothing here reaches the internet."""

import datetime
import http.server
import io
import socket
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from assessments import linkcheck, tasks
from assessments.models import EvidenceLink

from .. import factories

LOCAL = frozenset({"127.0.0.1"})
Status = EvidenceLink.LinkStatus


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get("Host")))
        routes = {
            "/ok": (200, {}),
            "/missing": (404, {}),
            "/error": (500, {}),
            "/moved": (301, {"Location": "/ok"}),
            "/loop": (302, {"Location": "/loop"}),
            "/to-private": (302, {"Location": "http://10.0.0.1/admin"}),
            "/to-loopback": (302, {"Location": "http://127.0.0.2/"}),
            "/to-metadata": (307, {"Location": "http://169.254.169.254/latest/meta-data/"}),
            "/to-file": (302, {"Location": "file:///etc/passwd"}),
            "/big": (200, {}),
        }
        if self.path == "/slow":
            time.sleep(3)
        status, headers = routes.get(self.path, (404, {}))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.path == "/big":
            try:
                for _ in range(1000):  # 64 MB unless the client stops reading
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(server, path):
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def _check(url, **kw):
    kw.setdefault("allow_addresses", LOCAL)
    kw.setdefault("timeout", 2)
    return linkcheck.check_url(url, **kw)


def test_check_url_ok_and_broken(server):
    assert _check(_url(server, "/ok")) == linkcheck.Result(Status.OK, 200)
    assert _check(_url(server, "/missing")) == linkcheck.Result(Status.BROKEN, 404)
    assert _check(_url(server, "/error")) == linkcheck.Result(Status.BROKEN, 500)
    assert server.requests[0] == ("/ok", f"127.0.0.1:{server.server_address[1]}")


def test_check_url_follows_a_redirect(server):
    assert _check(_url(server, "/moved")) == linkcheck.Result(Status.OK, 200)
    assert [path for path, _host in server.requests] == ["/moved", "/ok"]


def test_check_url_follows_at_most_five_redirects(server):
    result = _check(_url(server, "/loop"))
    assert result == linkcheck.Result(Status.BROKEN, 302, "more than 5 redirects")
    assert len(server.requests) == 6


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/to-private", "10.0.0.1 is 10.0.0.1, not a public address"),
        ("/to-loopback", "127.0.0.2 is 127.0.0.2, not a public address"),
        ("/to-metadata", "169.254.169.254 is 169.254.169.254, not a public address"),
        ("/to-file", "file: is not a web address"),
    ],
)
def test_check_url_redirect_to_a_private_address_is_refused(server, path, detail):
    assert _check(_url(server, path)) == linkcheck.Result(Status.REFUSED, 302 if path != "/to-metadata" else 307, detail)  # fmt: skip
    assert len(server.requests) == 1  # nothing was sent to where it points


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[64:ff9b::a00:1]/",
        "http://0x7f.1/",
        "http://2130706433/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "ftp://example.org/",
        "javascript:alert(1)",
        "http://user:pass@example.org/",
    ],
)
def test_check_url_refuses_what_is_not_public(url):
    def resolver(host, port):
        return {"localhost": ["127.0.0.1", "::1"]}.get(host, [])

    # Without allow_addresses, as the command runs; the resolver never reaches DNS.
    result = linkcheck.check_url(url, timeout=1, resolver=resolver)
    assert result.status == Status.REFUSED


def test_check_url_one_lookup_per_hop_and_connects_to_the_checked_address(server):
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])  # a rebinding name: public, then private
    calls = []

    def resolver(host, port):
        calls.append(host)
        return next(answers)

    port = server.server_address[1]
    result = _check(f"http://rebind.example:{port}/ok", resolver=resolver)

    assert result == linkcheck.Result(Status.OK, 200)
    assert calls == ["rebind.example"]
    assert server.requests == [("/ok", f"rebind.example:{port}")]


def test_check_url_a_name_with_any_private_address_is_refused():
    def resolver(host, port):
        return ["93.184.215.14", "10.0.0.1"]

    result = linkcheck.check_url("http://mixed.example/", timeout=1, resolver=resolver)
    assert result == linkcheck.Result(Status.REFUSED, None, "mixed.example is 10.0.0.1, not a public address")  # fmt: skip


def test_check_url_unknown_host_is_unreachable():
    def resolver(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = linkcheck.check_url("http://no-such-host.example/", timeout=1, resolver=resolver)
    assert result.status == Status.UNREACHABLE


def test_check_url_closed_port_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert _check(f"http://127.0.0.1:{port}/").status == Status.UNREACHABLE


def test_check_url_times_out(server):
    started = time.monotonic()
    result = _check(_url(server, "/slow"), timeout=0.5)
    assert result.status == Status.UNREACHABLE
    assert time.monotonic() - started < 2


def test_check_url_total_deadline_holds_against_a_slow_drip():
    # A server that sends one header byte every 0.2 s: each read is within the timeout,
    # the whole check is not.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def drip():
        conn, _ = listener.accept()
        with conn:
            try:
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 1000:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.2)
            except OSError:
                pass

    threading.Thread(target=drip, daemon=True).start()
    started = time.monotonic()
    port = listener.getsockname()[1]
    result = _check(f"http://127.0.0.1:{port}/", timeout=1, total=1.5)
    listener.close()
    assert result.status == Status.UNREACHABLE
    assert time.monotonic() - started < 3


def test_check_url_reads_only_a_few_kilobytes(server):
    started = time.monotonic()
    assert _check(_url(server, "/big")) == linkcheck.Result(Status.OK, 200)
    assert time.monotonic() - started < 2


# --- recording, and the command -----------------------------------------------------------


@pytest.fixture
def links(office, server):
    assessment = factories.make_assessment(office, cycle=2025)
    entries = list(assessment.entries.all())
    made = {
        "ok": EvidenceLink.objects.create(entry=entries[0], url=_url(server, "/ok"), title="a"),
        "missing": EvidenceLink.objects.create(
            entry=entries[1], url=_url(server, "/missing"), title="b"
        ),
        "private": EvidenceLink.objects.create(entry=entries[2], url="http://10.0.0.1/", title="c"),
    }
    factories.make_evidence_file(entries[3])  # files are not checked
    return assessment, made


@pytest.mark.django_db
def test_check_links_records_result_and_time_without_a_new_version(links):
    assessment, made = links
    now = timezone.now()
    history = EvidenceLink.history.count()

    counts = linkcheck.check_links(
        links=linkcheck.links_to_check(), timeout=2, now=now, allow_addresses=LOCAL
    )

    assert counts == {Status.OK: 1, Status.BROKEN: 1, Status.REFUSED: 1}
    fresh = {key: EvidenceLink.objects.get(pk=link.pk) for key, link in made.items()}
    got = {k: (v.link_status, v.link_status_code, v.link_checked_at) for k, v in fresh.items()}
    assert got == {
        "ok": (Status.OK, 200, now),
        "missing": (Status.BROKEN, 404, now),
        "private": (Status.REFUSED, None, now),
    }
    assert EvidenceLink.history.count() == history
    assessment.refresh_from_db()
    assert assessment.version == 1


@pytest.mark.django_db
def test_links_to_check_older_than_and_assessment(links, office):
    assessment, made = links
    now = timezone.now()
    EvidenceLink.objects.filter(pk=made["ok"].pk).update(
        link_checked_at=now - datetime.timedelta(days=2)
    )
    EvidenceLink.objects.filter(pk=made["missing"].pk).update(
        link_checked_at=now - datetime.timedelta(days=10)
    )
    picked = linkcheck.links_to_check(older_than_days=7, now=now)
    assert list(picked) == [made["missing"], made["private"]]
    other = factories.make_assessment(office, cycle=2024)
    assert list(linkcheck.links_to_check(assessment_id=other.pk)) == []
    assert len(linkcheck.links_to_check(assessment_id=assessment.pk)) == 3


@pytest.mark.django_db
def test_check_evidence_command_prints_a_summary(links, monkeypatch):
    assessment, made = links
    original = linkcheck.check_url
    monkeypatch.setattr(
        linkcheck, "check_url", lambda url, **kw: original(url, **kw, allow_addresses=LOCAL)
    )
    out = io.StringIO()

    call_command("check_evidence", "--timeout", "2", "--assessment", str(assessment.pk), stdout=out)

    assert out.getvalue() == "Checked 3 links: 1 ok, 1 broken, 1 refused.\n"
    out = io.StringIO()
    call_command("check_evidence", "--older-than", "1", stdout=out)
    assert out.getvalue() == "Checked 0 links.\n"


@pytest.mark.django_db
def test_check_evidence_command_bad_arguments():
    with pytest.raises(CommandError, match="There is no assessment 999999."):
        call_command("check_evidence", "--assessment", "999999")
    with pytest.raises(CommandError):
        call_command("check_evidence", "--timeout", "0")


@pytest.mark.django_db
def test_check_evidence_links_task_does_what_the_command_does(links, monkeypatch):
    original = linkcheck.check_url
    monkeypatch.setattr(
        linkcheck, "check_url", lambda url, **kw: original(url, **kw, allow_addresses=LOCAL)
    )
    result = tasks.check_evidence_links.enqueue(timeout=2)  # the immediate backend in tests
    assert result.return_value == {"ok": 1, "broken": 1, "refused": 1}
    again = tasks.check_evidence_links.enqueue(older_than_days=1, timeout=2)
    assert again.return_value == {}


@pytest.mark.django_db
def test_a_crashing_link_check_is_retried_then_kept_as_failed(monkeypatch, settings):
    settings.TASK_ATTEMPTS = 3
    calls = []

    def crash(**kwargs):
        calls.append(kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(linkcheck, "links_to_check", crash)
    result = tasks.check_evidence_links.enqueue(timeout=2)  # immediate: retries run at once
    assert len(calls) == 3  # the first try and two retries, then no more
    assert result.status == "FAILED"
    assert result.errors[0].exception_class_path == "builtins.RuntimeError"
