"""`python -m bench` (`make bench`): one bounded run, a table and var/bench.json.

Steps: build or reuse the databases (1,000 offices, 20 for comparing query counts, and
10,000 for the scale figures); collect static files; count queries per page in-process; serve
with gunicorn as in production on loopback; load every page with locust in interleaved rounds;
measure the dashboard's bytes; run Lighthouse on six pages; stop the server; serve the
10,000-office database and load the dashboard and the matrix again; render scorecards (cold,
warm, WeasyPrint alone); measure a worker's memory after 200 scorecards; print and write the
figures and the targets.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import string
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ops import server

from . import ROOT, report, setup_db, sizes

try:  # Lighthouse scores, when bench/lighthouse.py is there
    from . import lighthouse
except ImportError:
    lighthouse = None

HOST = "127.0.0.1"
# Lighthouse page name -> the bench page whose path and cookie it uses ("embed" is counted
# in-process only).
LIGHTHOUSE_PAGES = {
    "home": "home",
    "city": "city",
    "matrix": "matrix20",
    "dashboard": "dashboard1000",
    "form": "form",
    "embed": "embed",
}
LIGHTHOUSE_PUBLIC = {"home", "city", "matrix", "dashboard", "embed"}


def say(message):
    print(message, file=sys.stderr, flush=True)


def random_secret(length=50):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def run_json(module, args, *, env, timeout, stdin=None):
    """Run `python -m bench.MODULE ARGS` (`stdin` as its input) and parse the JSON it prints."""
    proc = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"bench.{module} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return json.loads(proc.stdout)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--rebuild", action="store_true", help="rebuild the databases and static files")
    p.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL database to fill and serve instead of SQLite (it is emptied!)",
    )
    p.add_argument("--offices", type=int, default=1000)
    p.add_argument("--cycles", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--small-offices", type=int, default=20, help="offices of the comparison DB")
    p.add_argument(
        "--huge-offices", type=int, default=10000, help="offices of the scale figures' DB"
    )
    p.add_argument("--no-scale", action="store_true", help="skip the scale figures")
    p.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse")
    p.add_argument("--concurrency", type=int, default=4, help="locust users")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds per page, not counted")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--slice", type=float, default=1.0, help="seconds per page per round")
    p.add_argument("--pdf-repeat", type=int, default=7, help="warm and WeasyPrint renders")
    p.add_argument("--renders", type=int, default=200, help="scorecards for the memory figure")
    p.add_argument("--out", default=str(ROOT / "var" / "bench.json"))
    p.add_argument(
        "--strict", action="store_true", help="exit 1 when a target fails or is not measured"
    )
    return p.parse_args(argv)


def run_lighthouse(args, *, url, pages, probe, bench_dir):
    """(scores, targets) of Lighthouse on LIGHTHOUSE_PAGES served at `url`; a target that
    says why when it is skipped or bench/lighthouse.py is not there."""
    if args.no_lighthouse or lighthouse is None:
        why = "skipped (--no-lighthouse)" if args.no_lighthouse else "bench/lighthouse.py missing"
        return {}, [{"target": "Lighthouse scores", "measured": why, "limit": "run", "pass": None}]
    wanted = {}
    for name, page in LIGHTHOUSE_PAGES.items():
        if page in pages:
            wanted[name] = pages[page]
        elif (probe["pages"].get(page) or {}).get("status") == 200:
            wanted[name] = {"path": probe["pages"][page]["path"], "headers": {}}
    say(f"Lighthouse on {len(wanted)} pages")
    try:
        lighthouse.ensure_installed(say=say)
        scores = lighthouse.measure(
            base_url=url, pages=wanted, out_dir=bench_dir / "lighthouse", say=say
        )
    except Exception as exc:  # noqa: BLE001 - any failure of the tool is a figure not measured
        return {}, [
            {"target": "Lighthouse scores", "measured": f"error: {exc}", "limit": "run",
             "pass": None}
        ]  # fmt: skip
    for name in LIGHTHOUSE_PAGES:
        if name not in wanted:
            scores[name] = {"error": "page not available in the bench database"}
    public = LIGHTHOUSE_PUBLIC & set(scores)
    return scores, lighthouse.targets(scores, public=public)


def measure_scale(args, *, env, bench_dir):
    """scale_entry of the database in `env`: /healthz, the dashboard and the matrix loaded
    as the main run loads them, their queries counted in-process, the chart data's bytes."""
    names = ["healthz", *report.SCALE_PAGES]
    probe = run_json(
        "queries", ["--only", ",".join(names), "--seed", str(args.seed)], env=env, timeout=600
    )
    pages = {}
    for name in names:
        found = probe["pages"].get(name) or {}
        if found.get("status") != 200 or found.get("user"):
            raise RuntimeError(f"{name} answered {found.get('status')} in-process")
        pages[name] = {"path": found["path"], "headers": {}}
    with server.gunicorn(env=env, log=bench_dir / "gunicorn-huge.log") as gunicorn:
        duration = args.warmup + args.rounds * args.slice
        job = {"url": gunicorn.url, "pages": pages, "users": args.concurrency,
               "warmup": args.warmup, "rounds": args.rounds, "slice": args.slice}  # fmt: skip
        measured = run_json(
            "load", [], env=env, stdin=json.dumps(job), timeout=len(pages) * duration + 120
        )
        dashboard = sizes.dashboard_bytes(
            host=HOST, port=gunicorn.port, path=pages["dashboard1000"]["path"]
        )
    if "error" in dashboard:
        raise RuntimeError(f"dashboard bytes: {dashboard['error']}")
    return report.scale_entry(
        healthz_p50_ms=(measured.get("healthz") or {}).get("p50_ms"),
        pages=measured,
        queries={n: p.get("queries") for n, p in probe["pages"].items()},
        data_bytes=dashboard.get("data_bytes"),
    )


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    # Other work on the machine skews every figure: the load averages go into meta.
    load_before = os.getloadavg()
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    log = bench_dir / "build.log"
    log.write_text("")
    problems = []

    # The environment of a production worker; the databases are added per run below.
    base = setup_db.clean_env()
    base.update(
        {
            "OVP_VAR_DIR": str(bench_dir),
            "DEBUG": "0",
            "SECRET_KEY": random_secret(),
            "HTTPS": "0",
            "ALLOWED_HOSTS": HOST,
            "WEB_CONCURRENCY": "2",
        }
    )
    say("Building the benchmark data (reused when its inputs are unchanged)")
    commands = setup_db.available_commands(base)
    large_db = bench_dir / "bench.sqlite3"
    small_db = bench_dir / "small.sqlite3"
    build = {
        "env": base,
        "cycles": args.cycles,
        "seed": args.seed,
        "rebuild": args.rebuild,
        "log": log,
        "say": say,
        "commands": commands,
    }
    t0 = time.perf_counter()
    # Smallest first: each larger database built now grows a copy of the one before.
    small_reused, missing = setup_db.build_sqlite(small_db, offices=args.small_offices, **build)
    say(f"  {args.small_offices} offices: {'reused' if small_reused else 'built'}")
    if args.database_url:
        reused, missing = setup_db.build_postgres(
            args.database_url, offices=args.offices, stamp_dir=bench_dir, **build
        )
        large = {**base, "DATABASE_URL": args.database_url}
    else:
        grow = None if small_reused or args.small_offices > args.offices else small_db
        reused, missing = setup_db.build_sqlite(
            large_db, offices=args.offices, grow_from=grow, **build
        )
        large = {**base, "SQLITE_PATH": str(large_db)}
    say(f"  {args.offices} offices: {'reused' if reused else 'built'}")
    huge_db = bench_dir / "huge.sqlite3"
    huge_build_s = huge_reused = huge_grown = None
    if not args.no_scale:
        t1 = time.perf_counter()
        grow = None if reused or args.database_url or args.offices > args.huge_offices else large_db
        huge_grown = grow is not None
        huge_reused, _ = setup_db.build_sqlite(
            huge_db, offices=args.huge_offices, grow_from=grow, **build
        )
        huge_build_s = round(time.perf_counter() - t1, 1)
        say(
            f"  {args.huge_offices} offices: "
            f"{'reused' if huge_reused else f'built in {huge_build_s:.0f} s'}"
        )
    setup_db.collectstatic(
        env=base, static_root=bench_dir / "static", rebuild=args.rebuild, log=log, say=say
    )
    build_s = time.perf_counter() - t0
    problems += [f"management command {name!r} is missing" for name in missing]
    small = {**base, "SQLITE_PATH": str(small_db)}
    huge = {**base, "SQLITE_PATH": str(huge_db)}
    for env, name in ((large, "large"), (small, "small"), (huge, "huge")):
        cache = bench_dir / f"scorecards-{name}"
        shutil.rmtree(cache, ignore_errors=True)
        env["PDF_CACHE_DIR"] = str(cache)

    say("Counting queries per page (Django test client, in-process)")
    seed = ["--seed", str(args.seed)]
    small_probe = run_json("queries", seed, env=small, timeout=300)
    large_probe = run_json("queries", ["--sessions", *seed], env=large, timeout=300)
    problems += large_probe["problems"]

    pages = {}
    for name in report.PAGE_NAMES:
        probe = large_probe["pages"].get(name)
        if not probe or probe.get("status") != 200:
            if probe:
                problems.append(
                    f"{name}: {probe['path']} answered {probe.get('status')} in-process"
                )
            continue
        headers = {}
        if probe["user"]:
            headers["Cookie"] = large_probe["cookies"][probe["user"]]
        pages[name] = {"path": probe["path"], "headers": headers}

    measured, dashboard, workers = {}, {}, {}
    with server.gunicorn(env=large, log=bench_dir / "gunicorn.log") as gunicorn:
        port = gunicorn.port
        say(f"Serving with gunicorn on {HOST}:{port} (2 sync workers, preloaded)")
        for name, page in list(pages.items()):
            status, _h, _b = sizes.fetch(HOST, port, page["path"], page["headers"])
            if status != 200:
                problems.append(f"{name}: {page['path']} answered {status} from gunicorn")
                del pages[name]
        duration = args.warmup + args.rounds * args.slice
        say(f"Loading {len(pages)} pages, {duration:.0f} s each, {args.concurrency} locust users")
        job = {"url": gunicorn.url, "pages": pages, "users": args.concurrency,
               "warmup": args.warmup, "rounds": args.rounds, "slice": args.slice}  # fmt: skip
        measured = run_json(
            "load", [], env=base, stdin=json.dumps(job), timeout=len(pages) * duration + 120
        )
        if "dashboard1000" in pages:
            dashboard = sizes.dashboard_bytes(
                host=HOST,
                port=port,
                path=pages["dashboard1000"]["path"],
                headers=pages["dashboard1000"]["headers"],
            )
            if "error" in dashboard:
                problems.append(f"dashboard bytes: {dashboard['error']}")
        for pid in gunicorn.worker_pids():
            workers[pid] = {
                "rss_mb": server.rss_mb(pid),
                "peak_mb": server.rss_mb(pid, "VmHWM"),
            }
        scores, lighthouse_targets = run_lighthouse(
            args, url=gunicorn.url, pages=pages, probe=large_probe, bench_dir=bench_dir
        )

    scale = {}
    if "healthz" in measured:
        scale[str(args.offices)] = report.scale_entry(
            healthz_p50_ms=measured["healthz"].get("p50_ms"),
            pages=measured,
            queries={n: p.get("queries") for n, p in large_probe["pages"].items()},
            data_bytes=dashboard.get("data_bytes"),
        )
    if not args.no_scale:
        say(f"Scale: the dashboard and the matrix over {args.huge_offices} offices")
        try:
            scale[str(args.huge_offices)] = measure_scale(args, env=huge, bench_dir=bench_dir)
        except RuntimeError as exc:
            problems.append(f"scale: {exc}")

    pdf = {}
    scorecard_id = large_probe.get("scorecard_id")
    if scorecard_id:
        say(f"Rendering scorecard {scorecard_id}: cold, warm and WeasyPrint alone")
        try:
            pdf = run_json(
                "pdf",
                ["--id", str(scorecard_id), "--repeat", str(args.pdf_repeat)],
                env=large,
                timeout=300,
            )
        except RuntimeError as exc:
            problems.append(f"scorecard render: {exc}")
        say(f"Rendering {args.renders} scorecards in one worker-like process")
        try:
            memory = run_json("memory", ["--renders", str(args.renders)], env=large, timeout=600)
        except RuntimeError as exc:
            memory = {}
            problems.append(f"memory: {exc}")
    else:
        memory = {}
    say("Hostile documents: the worst accepted texts as scorecards, and a hostile diff")
    hostile_env = {k: v for k, v in large.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    try:
        hostile = run_json("hostile", [], env=hostile_env, timeout=900)
    except RuntimeError as exc:
        hostile = {"targets": []}
        problems.append(f"hostile documents: {exc}")
    if memory.get("error"):
        problems.append(f"memory: {memory['error']}")
    if set(memory.get("statuses", {})) - {"200"}:
        problems.append(f"memory: scorecard requests answered {memory['statuses']}")

    result = {
        "pages": {
            name: {
                **measured.get(name, {}),
                "queries": large_probe["pages"].get(name, {}).get("queries"),
            }
            for name in report.PAGE_NAMES
            if name in measured or large_probe["pages"].get(name, {}).get("queries") is not None
        },
        "pdf": pdf,
        "dashboard": dashboard,
        "worker_peak_mb": memory.get("peak_mb"),
        "scale": scale,
        "lighthouse": scores,
    }
    queries_small = {
        name: p.get("queries") for name, p in small_probe["pages"].items() if p.get("status") == 200
    }
    sizes_kw = {
        "offices": args.offices,
        "small_offices": args.small_offices,
        "renders": args.renders,
    }
    first_queries = {
        name: (p.get("queries_first"), small_probe["pages"].get(name, {}).get("queries_first"))
        for name, p in large_probe["pages"].items()
    }
    targets = (
        report.evaluate_targets(
            result,
            queries_small=queries_small,
            first_queries=first_queries,
            harfbuzz=pdf.get("harfbuzz"),
            huge_offices=None if args.no_scale else args.huge_offices,
            **sizes_kw,
        )
        + lighthouse_targets
        + hostile["targets"]
    )
    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "database": "postgresql" if args.database_url else "sqlite",
        "data": {
            "offices": args.offices,
            "cycles": args.cycles,
            "seed": args.seed,
            "small_offices": args.small_offices,
            "reused": reused,
            "build_s": round(build_s, 1),
            "huge_offices": None if args.no_scale else args.huge_offices,
            "huge_reused": huge_reused,
            "huge_build_s": huge_build_s,
            "huge_grown_from_base": huge_grown,
        },
        "load": {
            "client": "locust FastHttpUser",
            "concurrency": args.concurrency,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "slice_s": args.slice,
            "workers": 2,
        },
        "pages": {
            name: {
                "path": large_probe["pages"].get(name, {}).get("path"),
                "user": large_probe["pages"].get(name, {}).get("user"),
                "queries_first": large_probe["pages"].get(name, {}).get("queries_first"),
                "queries_small": queries_small.get(name),
                **{
                    k: measured.get(name, {}).get(k)
                    for k in ("requests", "errors", "bytes", "max_ms")
                },
            }
            for name in report.PAGE_NAMES
        },
        "pdf": {
            k: v
            for k, v in pdf.items()
            if k not in ("cold_ms", "warm_ms", "weasyprint_ms", "pages", "bytes")
        },
        "memory": memory,
        "hostile": hostile,
        "workers_after_load": workers,
        "worker_restarts": gunicorn.restarts(),
        "dashboard_scripts": dashboard.get("scripts"),
        "problems": problems,
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report.bench_json(result, targets, meta), indent=2) + "\n")

    print(report.render_report(result, targets, queries_small=queries_small, **sizes_kw))
    if huge_build_s is not None and not huge_reused:
        how = f" (a copy of the {args.offices}-office one, grown)" if huge_grown else ""
        print(f"\nBuilt the {args.huge_offices}-office database in {huge_build_s:.0f} s{how}.")
    print(
        f"\ngunicorn recycled a worker {meta['worker_restarts']} times during the load "
        "(max_requests in gunicorn.conf.py)."
    )
    if problems:
        print("\nProblems:")
        for problem in problems:
            print(f"- {problem}")
    print(
        f"\nWrote {out} in {meta['elapsed_s']:.0f} s. Load average before the run: "
        f"{load_before[0]:.2f} on {os.cpu_count()} cores (above ~0.5, other work was running "
        "and the figures are noisier)."
    )
    if args.strict and any(t["pass"] is not True for t in targets):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
