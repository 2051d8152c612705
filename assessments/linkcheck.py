"""Checking evidence links: does each still open? Plain functions, so that the
`check_evidence` command (and later a task worker) can call them.

Opening a URL that anybody typed is a request forgery risk: the link could name this
server, the cloud's metadata service (169.254.169.254) or the office network. So, on
every hop:
- only http and https, parsed with the WHATWG parser browsers use (ada-url);
- the host is resolved once, every address must be public (forms.is_public_ip: no
  loopback, private, link-local, multicast, reserved or shared ranges), and the
  connection goes to the address that was checked, never through a second lookup that
  could answer differently (DNS rebinding); https still verifies the certificate for the
  host name;
- a timeout on the connection and on every read, and one for the whole check;
- at most READ_LIMIT bytes of the body are read, and at most MAX_REDIRECTS redirects
  followed, each checked the same way.
"""

import contextlib
import datetime
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass

import ada_url
from django.db.models import Q
from django.utils import timezone

from .forms import is_public_ip
from .models import Assessment, EvidenceLink

MAX_REDIRECTS = 5
READ_LIMIT = 4096
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "OVP-Assess-evidence-check/1 (+link check; reads a few KB)"

Status = EvidenceLink.LinkStatus


@dataclass(frozen=True)
class Result:
    status: str  # an EvidenceLink.LinkStatus value
    code: int | None = None  # the last HTTP status, when there was one
    detail: str = ""


class Refused(Exception):
    """The URL (or a redirect) names something other than a public web address."""


def resolve(host, port):
    """Every address `host` resolves to (IP strings); the one DNS lookup of a hop."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def public_addresses(host, port, *, resolver=resolve, allow_addresses=frozenset()):
    """The addresses to connect to for `host`, all public, or Refused. `allow_addresses`
    names addresses to accept anyway: for tests, which serve on 127.0.0.1, only."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
        except (OSError, UnicodeError) as exc:
            raise ConnectionError(f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise ConnectionError(f"{host} has no address")
    for ip in addresses:
        if str(ip) not in allow_addresses and not is_public_ip(ip):
            raise Refused(f"{host} is {ip}, not a public address")
    return [str(ip) for ip in addresses]


def _target(url):
    """(scheme, host, port, path with query) of `url`, or Refused."""
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        raise Refused("not a URL") from None
    scheme = parsed.protocol.rstrip(":")
    if scheme not in ("http", "https"):
        raise Refused(f"{scheme}: is not a web address")
    if parsed.username or parsed.password:
        raise Refused("user name or password in the URL")
    host = parsed.hostname.strip("[]")
    port = int(parsed.port) if parsed.port else (443 if scheme == "https" else 80)
    return scheme, host, port, (parsed.pathname or "/") + parsed.search


def _request(scheme, host, port, path, address, *, timeout, deadline):
    """One GET to `address` (already checked) for `host`; returns (status, location)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("out of time")
    sock = socket.create_connection((address, port), timeout=min(timeout, remaining))
    # The whole check's deadline: a server that sends a byte now and then cannot hold it.
    timer = threading.Timer(remaining, _shut, args=(sock,))
    timer.start()
    try:
        if scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.sock = sock
        default = 443 if scheme == "https" else 80
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host if port == default else f"{_bracket(host)}:{port}")
        conn.putheader("User-Agent", USER_AGENT)
        conn.putheader("Accept", "*/*")
        conn.putheader("Connection", "close")
        conn.endheaders()
        response = conn.getresponse()
        response.read(READ_LIMIT)
        return response.status, response.getheader("Location")
    finally:
        timer.cancel()
        sock.close()


def _bracket(host):
    return f"[{host}]" if ":" in host else host


def _shut(sock):
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def check_url(url, *, timeout=10.0, total=None, resolver=resolve, allow_addresses=frozenset()):
    """Open `url` safely (see the module's docstring) and say how it went: ok (2xx after
    at most MAX_REDIRECTS redirects), broken (another HTTP status), unreachable (no
    answer, no such host, TLS failure, timeout) or refused (not a public web address)."""
    deadline = time.monotonic() + (total if total is not None else 3 * timeout)
    code = None
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            scheme, host, port, path = _target(url)
            addresses = public_addresses(
                host, port, resolver=resolver, allow_addresses=allow_addresses
            )
            code, location = _request(
                scheme, host, port, path, addresses[0], timeout=timeout, deadline=deadline
            )
        except Refused as exc:
            return Result(Status.REFUSED, code, str(exc))
        except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as exc:
            return Result(Status.UNREACHABLE, code, str(exc) or type(exc).__name__)
        if code in REDIRECTS and location:
            try:
                url = ada_url.join_url(url, location)
            except ValueError:
                return Result(Status.BROKEN, code, "a redirect to something that is not a URL")
            continue
        if 200 <= code < 300:
            return Result(Status.OK, code)
        return Result(Status.BROKEN, code)
    return Result(Status.BROKEN, code, f"more than {MAX_REDIRECTS} redirects")


def links_to_check(*, older_than_days=None, assessment_id=None, now=None):
    """The evidence links (not files) of current assessments to check: never checked, or
    last checked more than `older_than_days` ago; of one assessment when given."""
    links = EvidenceLink.objects.exclude(url="").exclude(
        entry__assessment__status=Assessment.Status.WITHDRAWN
    )
    if assessment_id is not None:
        links = links.filter(entry__assessment_id=assessment_id)
    if older_than_days is not None:
        cutoff = (now or timezone.now()) - datetime.timedelta(days=older_than_days)
        links = links.filter(Q(link_checked_at__isnull=True) | Q(link_checked_at__lt=cutoff))
    return links.order_by("pk")


def check_links(*, links, timeout=10.0, check=None, now=None, **kwargs):
    """Check every link of `links` (each URL once) and record the result and the time on
    it, without a new version or history record: a check is not an edit. Returns a
    Counter of statuses."""
    check = check or check_url
    results = {}
    counts = Counter()
    for link in links.only("pk", "url"):
        if link.url not in results:
            results[link.url] = check(link.url, timeout=timeout, **kwargs)
        result = results[link.url]
        EvidenceLink.objects.filter(pk=link.pk).update(
            link_status=result.status,
            link_status_code=result.code,
            link_checked_at=now or timezone.now(),
        )
        counts[result.status] += 1
    return counts
