"""Peak memory of a worker after N scorecard renders.

Run as `python -m bench.memory [--renders 200]` with the environment of a worker; prints JSON.
The process loads the WSGI application as a preloaded gunicorn worker does, then asks for
N different published scorecards through the real view (Django's test Client, no network)
with an empty scorecard cache, so every request renders. Peak RSS is the kernel's
high-water mark of the process (VmHWM in /proc/self/status).
"""

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def status_mb(field):
    """A memory figure of this process from /proc/self/status, in MB (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def scorecard_ids(count):
    """Published assessments with nine rated criteria: the demo ones, then `count` others."""
    from django.db.models import Count, Q

    from assessments.models import Assessment
    from cities.models import Origin

    full = (
        Assessment.objects.published()
        .annotate(rated=Count("entries", filter=Q(entries__level__isnull=False)))
        .filter(rated=9)
    )
    demo = full.filter(office__city__origin=Origin.DEMO).order_by("pk")
    others = full.exclude(office__city__origin=Origin.DEMO).order_by("pk")
    return list(demo.values_list("pk", flat=True)) + list(
        others.values_list("pk", flat=True)[:count]
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.memory")
    parser.add_argument("--renders", type=int, default=200)
    args = parser.parse_args(argv)
    cache_dir = tempfile.mkdtemp(prefix="ovp-bench-memory-")
    os.environ["PDF_CACHE_DIR"] = cache_dir
    try:
        return measure(args.renders)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)


def measure(renders):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ovp_assess.settings")
    import importlib

    importlib.import_module("ovp_assess.wsgi")  # the app, loaded as a worker loads it
    from django.test import Client
    from django.urls import reverse

    ids = scorecard_ids(renders)
    if not ids:
        json.dump({"error": "no published assessment with nine rated criteria"}, sys.stdout)
        return 0
    # The host a worker is allowed to answer for (ALLOWED_HOSTS), not "testserver".
    client = Client(
        HTTP_HOST=os.environ.get("BENCH_HOST", "127.0.0.1"), raise_request_exception=False
    )
    before = status_mb("VmRSS")
    statuses = {}
    t0 = time.perf_counter()
    for i in range(renders):
        response = client.get(reverse("reports:scorecard", args=[ids[i % len(ids)]]))
        if response.streaming:
            b"".join(response.streaming_content)
        response.close()
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    elapsed = time.perf_counter() - t0
    json.dump(
        {
            "renders": renders,
            "distinct": min(renders, len(ids)),
            "statuses": {str(k): v for k, v in statuses.items()},
            "rss_before_mb": before,
            "rss_after_mb": status_mb("VmRSS"),
            "peak_mb": status_mb("VmHWM")
            or round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "seconds": round(elapsed, 1),
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
