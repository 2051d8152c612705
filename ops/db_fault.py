"""Restart PostgreSQL under load and show that the app recovers by itself, losing nothing.

    .venv/bin/python ops/db_fault.py --pgbin /usr/lib/postgresql/15/bin --duration 20

Starts a throwaway PostgreSQL cluster (ops/pg.py) and gunicorn (2 workers, gunicorn.conf.py)
on loopback, migrates, loads the report, then runs locust headless (ops/locustfile.py):
readers (/healthz, /, /cities/), a /healthz probe, and staff saving drafts through the real
criterion form. Part-way through, `pg_ctl restart -m fast` cuts every database connection.
Passes when:

- requests failed only between the restart and RECOVER seconds after it (with --down-for,
  PostgreSQL stays stopped that long instead of restarting at once);
- /healthz answered 200 again within RECOVER seconds, with nobody restarting the app
  (CONN_HEALTH_CHECKS makes each worker drop its dead connection);
- every save that was answered as stored (HTTP 302) is in the database afterwards;
- saves succeeded before the restart and again after it.

Exits 1 on failure, 2 on a setup problem; prints a summary either way. Stops everything it
started, also on Ctrl-C.
"""

import argparse
import secrets
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops import pg, server  # noqa: E402
from ops.common import (  # noqa: E402
    app_environment,
    make_office_with_staff,
    migrate_and_load,
    run_locust,
    say,
    setup_django,
    stop_on_signals,
    verdict,
    workspace,
)


def run(args, work):
    cluster = pg.Cluster(work / "pg", port=server.free_port(), pgbin=args.pgbin)
    gunicorn = None
    try:
        say(f"initdb and start PostgreSQL on 127.0.0.1:{cluster.port}")
        cluster.start()
        env = app_environment(workdir=work, database_url=cluster.createdb("ovp_fault"))
        setup_django(env)
        say("migrate, load the report, create staff and a draft")
        migrate_and_load()
        password = secrets.token_urlsafe(18)
        assessment, usernames = make_office_with_staff(
            tag=secrets.token_hex(3), staff=args.writers, password=password
        )
        from django.db import connections

        connections.close_all()
        plan = {"assessment": assessment.pk, "usernames": usernames, "password": password,
                "readers": args.readers, "writers": args.writers}  # fmt: skip
        outage = {}

        def restart():
            time.sleep(args.duration * args.outage_at)
            outage["start"] = time.time()
            if args.down_for:
                say(f"pg_ctl stop -m fast, {args.down_for}s down, start")
                cluster.stop(mode="fast", check=True)
                time.sleep(args.down_for)
                cluster.start()
            else:
                say("pg_ctl restart -m fast")
                cluster.restart()
            outage["end"] = time.time()
            say(f"PostgreSQL back after {outage['end'] - outage['start']:.2f}s")

        with server.gunicorn(env=env, log=work / "gunicorn.log", workers=2) as gunicorn:
            say(f"gunicorn (2 workers) on 127.0.0.1:{gunicorn.port}, locust {args.duration:g} s")
            started = time.time()
            records, _stats = run_locust(
                work=work, port=gunicorn.port, plan=plan, classes=["Reader", "Health", "Writer"],
                users=args.readers + 1 + args.writers, duration=args.duration, during=restart,
            )  # fmt: skip

        connections.close_all()
        from assessments.models import Entry

        stored = set(
            Entry.history.filter(assessment_id=assessment.pk).values_list("strengths", flat=True)
        )
        # Seconds since locust was started, as the summary prints them.
        requests = [
            (t - started, name, path, status or error,
             status == (302 if name == "save" else 200) and not error)
            for t, name, path, status, error in records["requests"]
        ]  # fmt: skip
        saves = [(t - started, text, outcome) for t, _n, text, outcome in records["saves"] if text]
        return evaluate(
            args, requests, saves, stored, outage["start"] - started, outage["end"] - started
        )
    except Exception:
        if gunicorn is not None:
            print("--- gunicorn log ---\n" + gunicorn.log_tail(), file=sys.stderr)
        print("--- postgres log ---\n" + cluster.log_tail(), file=sys.stderr)
        raise
    finally:
        cluster.stop()


def evaluate(args, requests, saves, stored, outage_start, outage_end):
    """`requests` are (t, name, path, status, ok), `saves` (t, text, outcome), in seconds
    since the load began; `stored` the texts in the database afterwards."""
    window_end = outage_end + args.recover
    failures = []
    errors = [r for r in requests if not r[4]]
    outside = [r for r in errors if not (outage_start <= r[0] <= window_end)]
    for t, kind, path, outcome, _ok in outside[:10]:
        failures.append(f"error outside the outage window: {t:.2f}s {kind} {path} -> {outcome}")
    if len(outside) > 10:
        failures.append(f"... and {len(outside) - 10} more errors outside the outage window")

    healthy = [r[0] for r in requests if r[1] == "health" and r[4] and r[0] > outage_end]
    recovery = (healthy[0] - outage_end) if healthy else None
    if recovery is None or recovery > args.recover:
        failures.append(f"/healthz not back to 200 within {args.recover}s of the restart")

    acknowledged = [s for s in saves if s[2] == "stored"]
    lost = [s for s in acknowledged if s[1] not in stored]
    for t, text, _ in lost[:10]:
        failures.append(f"save answered 302 at {t:.2f}s but not in the database: {text!r}")
    if not any(s[0] < outage_start for s in acknowledged):
        failures.append("no save succeeded before the restart")
    if not any(s[0] > outage_end for s in acknowledged):
        failures.append("no save succeeded after the restart")
    unanswered_but_stored = [s for s in saves if s[2] != "stored" and s[1] in stored]

    by_phase = Counter()
    for t, _kind, _path, _outcome, ok in requests:
        phase = "before" if t < outage_start else ("outage" if t <= window_end else "after")
        by_phase[(phase, "ok" if ok else "error")] += 1
    print()
    print("== Database fault summary")
    print(f"database down          {outage_end - outage_start:6.2f} s (from {outage_start:.2f} s)")
    print(
        f"/healthz 200 again     {recovery:6.2f} s after the restart"
        if recovery is not None
        else "/healthz never 200 again"
    )
    errs = [r[0] for r in errors]
    if errs:
        first, last = min(errs), max(errs)
        print(f"errors seen from       {first:6.2f} s to {last:.2f} s ({len(errs)} in all)")
    else:
        print("errors seen            none")
    labels = {"before": "before", "outage": f"down+{args.recover:g}s", "after": "after"}
    for phase in ("before", "outage", "after"):
        print(
            f"requests {labels[phase]:<10}    ok {by_phase[(phase, 'ok')]:5d}   "
            f"error {by_phase[(phase, 'error')]:4d}"
        )
    failed = len(saves) - len(acknowledged)
    print(
        f"saves                  stored {len(acknowledged)}, failed {failed}"
        f" (of which committed anyway: {len(unanswered_but_stored)}), lost {len(lost)}"
    )
    outcomes = Counter(str(r[3]) for r in errors)
    if outcomes:
        print("error answers          " + ", ".join(f"{k}: {v}" for k, v in outcomes.items()))
    return verdict(failures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pgbin", default="/usr/lib/postgresql/15/bin")
    parser.add_argument("--duration", type=float, default=20, help="seconds of traffic")
    parser.add_argument(
        "--outage-at", type=float, default=0.4, help="when to restart, as a share of duration"
    )
    parser.add_argument(
        "--recover", type=float, default=5, help="seconds allowed to recover after the restart"
    )
    parser.add_argument(
        "--down-for",
        type=float,
        default=0,
        help="instead of a restart, stop PostgreSQL for this many seconds, then start it",
    )
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--writers", type=int, default=2)
    args = parser.parse_args()
    if not (Path(args.pgbin) / "pg_ctl").exists():
        print(f"no pg_ctl in {args.pgbin}", file=sys.stderr)
        return 2
    stop_on_signals()
    try:
        with workspace("ovp-db-fault-") as work:
            return run(args, work)
    except KeyboardInterrupt:
        print("interrupted: everything started was stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
