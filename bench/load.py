"""A small closed-loop HTTP load generator: N threads, each with its own keep-alive connection.

gunicorn's sync workers answer with `Connection: close`, so http.client reconnects for each
request; that is what a browser meets too. Every request is timed from send to the last byte.
Pages are measured in interleaved rounds (a slice of each page per round, in rotating order),
so that a slow moment of a noisy machine is shared by all pages and their ratios hold.
"""

import http.client
import threading
import time

from .report import summarize


def _client(host, port, path, headers, clock, start, out):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    latencies, errors, statuses, size = [], 0, {}, 0
    start.wait()
    deadline = clock["deadline"]
    while True:
        t0 = time.perf_counter()
        if t0 >= deadline:
            break
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            errors += 1
            continue
        elapsed = time.perf_counter() - t0
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        if resp.status == 200:
            latencies.append(elapsed)
            size = len(body)
        else:
            errors += 1
    conn.close()
    out.append((latencies, errors, statuses, size))


def hammer(*, host, port, path, headers=None, duration, concurrency=4):
    """Requests `path` from `concurrency` threads for `duration` seconds.

    Returns {"latencies": [s...], "elapsed": s, "errors": n, "statuses": {code: n}, "bytes": n}.
    """
    headers = {"Accept-Encoding": "identity", **(headers or {})}
    start = threading.Event()
    out = []
    clock = {}
    threads = [
        threading.Thread(
            target=_client, args=(host, port, path, headers, clock, start, out), daemon=True
        )
        for _ in range(concurrency)
    ]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    clock["deadline"] = t0 + duration
    start.set()
    for t in threads:
        t.join(timeout=duration + 60)
    elapsed = time.perf_counter() - t0
    result = {"latencies": [], "elapsed": elapsed, "errors": 0, "statuses": {}, "bytes": 0}
    for latencies, errors, statuses, size in out:
        result["latencies"] += latencies
        result["errors"] += errors
        result["bytes"] = max(result["bytes"], size)
        for code, n in statuses.items():
            result["statuses"][code] = result["statuses"].get(code, 0) + n
    return result


def round_orders(names, rounds):
    """`rounds` orderings of `names`, each rotated by one, so no page always goes first."""
    names = list(names)
    return [names[i % len(names) :] + names[: i % len(names)] for i in range(rounds)]


def measure_pages(
    pages, *, host, port, warmup=1.0, rounds=5, slice_s=1.0, concurrency=4, say=print
):
    """Load every page of `pages` ({name: {"path", "headers"}}) and summarize each.

    Each page gets `warmup` seconds first (not counted), then `rounds` slices of `slice_s`.
    """
    for page in pages.values():
        hammer(
            host=host,
            port=port,
            path=page["path"],
            headers=page.get("headers"),
            duration=warmup,
            concurrency=concurrency,
        )
    totals = {
        name: {"latencies": [], "elapsed": 0.0, "errors": 0, "statuses": {}, "bytes": 0}
        for name in pages
    }
    for i, order in enumerate(round_orders(pages, rounds), 1):
        say(f"  round {i}/{rounds}")
        for name in order:
            r = hammer(
                host=host,
                port=port,
                path=pages[name]["path"],
                headers=pages[name].get("headers"),
                duration=slice_s,
                concurrency=concurrency,
            )
            total = totals[name]
            total["latencies"] += r["latencies"]
            total["elapsed"] += r["elapsed"]
            total["errors"] += r["errors"]
            total["bytes"] = max(total["bytes"], r["bytes"])
            for code, n in r["statuses"].items():
                total["statuses"][code] = total["statuses"].get(code, 0) + n
    results = {}
    for name, total in totals.items():
        results[name] = {
            **summarize(latencies_s=total["latencies"], elapsed_s=total["elapsed"]),
            "max_ms": round(max(total["latencies"]) * 1000, 1) if total["latencies"] else None,
            "requests": len(total["latencies"]),
            "errors": total["errors"],
            "statuses": {str(k): v for k, v in sorted(total["statuses"].items())},
            "bytes": total["bytes"],
        }
    return results
