"""The load of `make bench` is locust's (bench/load.py), and its figures are locust's stats.

bench.load runs in a process of its own, as the bench runs it: locust patches the standard
library with gevent when imported, which the test process must not get.
"""

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import ROOT

STATS = """
import json
from locust.stats import RequestStats
from bench.load import bucket_response_time, page_figures

stats = RequestStats()
entry = stats.get("home", "GET")
for ms in (1.0, 2.0, 3.0, 4.0):
    entry.log(ms, 100)
print(json.dumps({
    "figures": page_figures(entry, 2.0),
    "empty": page_figures(stats.get("form", "GET"), 5.0),
    "buckets": [bucket_response_time(ms) for ms in (3.347, 47.35, 425.4, 1234.0, 0)],
}))
"""


def _python(code, stdin=None):
    proc = subprocess.run(
        [sys.executable, "-c", code] if code else [sys.executable, "-m", "bench.load"],
        cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def from_locust():
    return _python(STATS)


def test_page_figures_give_rps_and_ms_from_locust_stats(from_locust):
    # locust's percentile is the response time that many requests finished within.
    assert from_locust["figures"] == {
        "rps": 2.0,
        "p50_ms": 3.0,
        "p95_ms": 4.0,
        "max_ms": 4.0,
        "requests": 4,
        "errors": 0,
        "bytes": 100,
    }


def test_page_figures_without_requests_are_empty(from_locust):
    assert from_locust["empty"] == {
        "rps": None,
        "p50_ms": None,
        "p95_ms": None,
        "max_ms": None,
        "requests": 0,
    }


def test_response_times_keep_three_significant_digits(from_locust):
    # locust's default would make 3.347 ms 3 ms, 15% off the /healthz floor of the ratios.
    assert from_locust["buckets"] == [3.35, 47.4, 425, 1230, 0]


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        status = 200 if self.path in ("/fast", "/slow") and self.headers["Cookie"] == "s=1" else 404
        if self.path == "/slow":
            threading.Event().wait(0.02)
        if self.path == "/slower":  # longer than a slice
            threading.Event().wait(0.5)
            status = 200
        body = b"x" * (10 if status == 200 else 1)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_load_measures_each_page_with_locust():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        pages = {
            name: {"path": f"/{name}", "headers": {"Cookie": "s=1"}}
            for name in ("fast", "slow", "missing")
        }
        job = {"url": f"http://127.0.0.1:{server.server_port}", "pages": pages, "users": 2,
               "warmup": 0.2, "rounds": 2, "slice": 0.4}  # fmt: skip
        figures = _python(None, stdin=json.dumps(job))
    finally:
        server.shutdown()
        server.server_close()
    assert set(figures) == {"fast", "slow", "missing"}
    for name in ("fast", "slow"):
        page = figures[name]
        assert page["requests"] > 0 and page["errors"] == 0 and page["bytes"] == 10
        assert 0 < page["p50_ms"] <= page["p95_ms"] <= page["max_ms"]
        # Two users for 0.8 s: req/s is per second the page was loaded, not of the whole run.
        assert page["rps"] == pytest.approx(page["requests"] / 0.8, rel=0.25)
    assert figures["slow"]["p50_ms"] >= 20 > figures["fast"]["p50_ms"]
    assert figures["missing"]["errors"] == figures["missing"]["requests"] > 0


def test_a_page_slower_than_a_slice_leaves_the_next_slice_to_the_next_page():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        pages = {
            name: {"path": f"/{name}", "headers": {"Cookie": "s=1"}} for name in ("slower", "fast")
        }
        job = {"url": f"http://127.0.0.1:{server.server_port}", "pages": pages, "users": 2,
               "warmup": 0.6, "rounds": 1, "slice": 0.2}  # fmt: skip
        figures = _python(None, stdin=json.dumps(job))
    finally:
        server.shutdown()
        server.server_close()
    # Both users' requests to /slower are awaited (and counted) before /fast's slice starts,
    # so /fast is asked for during its whole slice and /slower's answers are all counted.
    assert figures["slower"]["requests"] == 2
    assert figures["slower"]["p50_ms"] >= 500
    assert figures["fast"]["requests"] > 10
