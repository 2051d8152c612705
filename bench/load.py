"""Load each page with locust, one page at a time, in interleaved rounds.

Run as `python -m bench.load` with {"url", "pages": {NAME: {"path", "headers"}}, "users",
"warmup", "rounds", "slice"} as JSON on standard input; prints {NAME: figures} as JSON. It is
a process of its own because locust patches the standard library (gevent) when imported.

`users` locust users (FastHttpUser, no wait between requests) ask for the current page as
fast as answers come; gunicorn's sync workers close each connection, so each request
connects anew, as a browser does. The page changes every `slice` seconds: `warmup` seconds
per page first (then locust's statistics are reset), then `rounds` rounds with the pages in
a rotating order, so that a slow moment of a noisy machine is shared by all pages and their
ratios hold. At the end of each slice the users stop asking and the answers still on their way
are awaited (and counted for their page), so that a slow page (the dashboard over 10,000
offices takes about a second) never eats into the next page's slice.

The figures are locust's: requests, failures (any answer but 200), p50, p95 and max from its
response-time histogram, and req/s over the seconds the page was loaded.
"""

import json
import math
import sys
import time

import gevent
import locust.stats
from locust import FastHttpUser, constant, task
from locust.env import Environment

from .report import round_orders


def bucket_response_time(ms):
    """Three significant digits: locust's own buckets are whole milliseconds below 100 ms,
    15% of a 3 ms /healthz, whose p50 every ratio is divided by. (locust's documented way
    to change its bucketing.)"""
    return round(ms, 2 - math.floor(math.log10(ms))) if ms > 0 else 0


if not hasattr(locust.stats, "bucket_response_time"):  # else the figures would be rounded
    raise RuntimeError("bench needs locust 2.43.4 or newer (locust.stats.bucket_response_time)")
locust.stats.bucket_response_time = bucket_response_time


def page_figures(entry, seconds):
    """req/s, p50, p95 and max in ms, requests, errors and bytes of a locust StatsEntry."""
    if not entry.num_requests or seconds <= 0:
        return {"rps": None, "p50_ms": None, "p95_ms": None, "max_ms": None, "requests": 0}
    return {
        "rps": round(entry.num_requests / seconds, 1),
        "p50_ms": round(entry.get_response_time_percentile(0.5), 2),
        "p95_ms": round(entry.get_response_time_percentile(0.95), 2),
        "max_ms": round(entry.max_response_time, 1),
        "requests": entry.num_requests,
        "errors": entry.num_failures,
        "bytes": round(entry.avg_content_length),
    }


PAUSE_S = 0.005


def measure_pages(pages, *, url, users, warmup, rounds, slice_s):
    # None between slices: the users wait instead of asking.
    current = {"name": None}
    in_flight = [0]

    class Page(FastHttpUser):
        host = url
        wait_time = constant(0)

        @task
        def get(self):
            name = current["name"]
            if name is None:
                gevent.sleep(PAUSE_S)
                return
            headers = {"Accept-Encoding": "identity", **pages[name].get("headers", {})}
            path = pages[name]["path"]
            kw = {"headers": headers, "name": name, "allow_redirects": False}
            in_flight[0] += 1
            try:
                with self.client.get(path, catch_response=True, **kw) as response:
                    if response.status_code != 200:
                        response.failure(f"HTTP {response.status_code}")
            finally:
                in_flight[0] -= 1

    env = Environment(user_classes=[Page])
    runner = env.create_local_runner()
    seconds = dict.fromkeys(pages, 0.0)

    def load(name, duration):
        current["name"] = name
        started = time.perf_counter()
        gevent.sleep(duration)
        current["name"] = None
        while in_flight[0]:
            gevent.sleep(PAUSE_S)
        seconds[name] += time.perf_counter() - started

    runner.start(users, spawn_rate=users)
    runner.spawning_greenlet.join()
    for name in pages:
        load(name, warmup)
    env.stats.reset_all()
    seconds = dict.fromkeys(pages, 0.0)
    for order in round_orders(pages, rounds):
        for name in order:
            load(name, slice_s)
    runner.quit()
    return {name: page_figures(env.stats.get(name, "GET"), seconds[name]) for name in pages}


def main():
    job = json.load(sys.stdin)
    figures = measure_pages(
        job["pages"], url=job["url"], users=job["users"], warmup=job["warmup"],
        rounds=job["rounds"], slice_s=job["slice"],
    )  # fmt: skip
    json.dump(figures, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
