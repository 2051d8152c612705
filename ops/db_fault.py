"""Restart PostgreSQL under load and show that the app recovers by itself, losing nothing.

    .venv/bin/python ops/db_fault.py --pgbin /usr/lib/postgresql/15/bin --duration 20

Starts a throwaway PostgreSQL cluster and gunicorn (2 workers, gunicorn.conf.py) on
loopback, migrates, loads the report, then runs readers (/healthz, /, /cities/) and staff
saving drafts through the real criterion form. Part-way through, `pg_ctl restart -m fast`
cuts every database connection. Passes when:

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
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    Gunicorn,
    PgCluster,
    Session,
    Stopwatch,
    app_environment,
    base_version,
    entry_form,
    free_port,
    make_office_with_staff,
    migrate_and_load,
    say,
    setup_django,
    stop_on_signals,
    verdict,
    workspace,
)

READ_PATHS = ["/healthz", "/", "/cities/"]


class Log:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (t, kind, path, status or error text, ok)
        self.saves = []  # (t, text, status or error text)

    def request(self, t, kind, path, outcome, ok):
        with self.lock:
            self.requests.append((t, kind, path, outcome, ok))

    def save(self, t, text, outcome):
        with self.lock:
            self.saves.append((t, text, outcome))


def _call(session, clock, log, kind, path, expect, post=None):
    """One request, logged; returns the response or None."""
    try:
        response = session.post(path, post) if post is not None else session.get(path)
    except Exception as exc:  # noqa: BLE001 - any failure to get an answer is an error
        log.request(clock.now(), kind, path, f"{type(exc).__name__}", False)
        return None
    log.request(clock.at(response.ended), kind, path, response.status, response.status == expect)
    return response


def reader(port, clock, log, stop):
    session = Session(port, timeout=10)
    i = 0
    while not stop.is_set():
        path = READ_PATHS[i % len(READ_PATHS)]
        _call(session, clock, log, "read", path, 200)
        i += 1


def health_prober(port, clock, log, stop):
    session = Session(port, timeout=5)
    while not stop.is_set():
        _call(session, clock, log, "health", "/healthz", 200)
        time.sleep(0.1)


def writer(port, clock, log, stop, *, username, password, assessment_id, number):
    session = Session(port, timeout=10)
    try:
        session.login(username, password)
    except Exception as exc:  # noqa: BLE001 - reported, then the summary fails
        say(f"writer {username} could not log in: {exc}")
        return
    path = f"/assess/{assessment_id}/criteria/{number}/"
    seq = 0
    while not stop.is_set():
        page = _call(session, clock, log, "write-form", path, 200)
        base = base_version(page.text) if page is not None and page.status == 200 else None
        if base is None:
            time.sleep(0.05)
            continue
        seq += 1
        text = f"db-fault {username} save {seq}"
        response = _call(
            session, clock, log, "write", path, 302, post=entry_form(base=base, strengths=text)
        )
        log.save(
            clock.now() if response is None else clock.at(response.ended),
            text,
            "no answer" if response is None else response.status,
        )


def run(args, work):
    pg = PgCluster(args.pgbin, free_port(55400, 55499), work)
    server = None
    try:
        say(f"initdb and start PostgreSQL on 127.0.0.1:{pg.port}")
        pg.init()
        pg.start()
        env = app_environment(workdir=work, database_url=pg.createdb("ovp_fault"))
        setup_django(env)
        say("migrate, load the report, create staff and a draft")
        migrate_and_load()
        password = secrets.token_urlsafe(18)
        assessment, usernames = make_office_with_staff(
            tag=secrets.token_hex(3), staff=args.writers, password=password
        )
        from django.db import connections

        connections.close_all()
        server = Gunicorn(env=env, port=free_port(8300, 8399), workers=2, workdir=work)
        server.start()
        say(f"gunicorn (2 workers) on 127.0.0.1:{server.port}")

        clock, log, stop = Stopwatch(), Log(), threading.Event()
        threads = [
            threading.Thread(target=reader, args=(server.port, clock, log, stop))
            for _ in range(args.readers)
        ]
        threads.append(threading.Thread(target=health_prober, args=(server.port, clock, log, stop)))
        threads += [
            threading.Thread(
                target=writer,
                args=(server.port, clock, log, stop),
                kwargs={
                    "username": username,
                    "password": password,
                    "assessment_id": assessment.pk,
                    "number": i + 1,  # one criterion each: no edit conflicts here
                },
            )
            for i, username in enumerate(usernames)
        ]
        for t in threads:
            t.daemon = True
            t.start()
        time.sleep(args.duration * args.outage_at)
        outage_start = clock.now()
        if args.down_for:
            say(f"pg_ctl stop -m fast, {args.down_for}s down, start")
            pg.stop(mode="fast", check=True)
            time.sleep(args.down_for)
            pg.start()
        else:
            say("pg_ctl restart -m fast")
            pg.restart()
        outage_end = clock.now()
        say(f"PostgreSQL back after {outage_end - outage_start:.2f}s")
        time.sleep(max(0.0, args.duration - clock.now()))
        stop.set()
        for t in threads:
            t.join(timeout=15)
        server.stop()

        connections.close_all()
        from criteria.models import Entry

        stored = set(
            Entry.history.filter(assessment_id=assessment.pk).values_list("strengths", flat=True)
        )
        return evaluate(args, log, stored, outage_start, outage_end)
    except Exception:
        if server is not None:
            print("--- gunicorn log ---\n" + server.log_tail(), file=sys.stderr)
        print("--- postgres log ---\n" + pg.log_tail(), file=sys.stderr)
        raise
    finally:
        if server is not None:
            server.stop()
        pg.stop()


def evaluate(args, log, stored, outage_start, outage_end):
    window_end = outage_end + args.recover
    failures = []
    errors = [r for r in log.requests if not r[4]]
    outside = [r for r in errors if not (outage_start <= r[0] <= window_end)]
    for t, kind, path, outcome, _ok in outside[:10]:
        failures.append(f"error outside the outage window: {t:.2f}s {kind} {path} -> {outcome}")
    if len(outside) > 10:
        failures.append(f"... and {len(outside) - 10} more errors outside the outage window")

    healthy = [r[0] for r in log.requests if r[1] == "health" and r[4] and r[0] > outage_end]
    recovery = (healthy[0] - outage_end) if healthy else None
    if recovery is None or recovery > args.recover:
        failures.append(f"/healthz not back to 200 within {args.recover}s of the restart")

    acknowledged = [s for s in log.saves if s[2] == 302]
    lost = [s for s in acknowledged if s[1] not in stored]
    for t, text, _ in lost[:10]:
        failures.append(f"save answered 302 at {t:.2f}s but not in the database: {text!r}")
    if not any(s[0] < outage_start for s in acknowledged):
        failures.append("no save succeeded before the restart")
    if not any(s[0] > outage_end for s in acknowledged):
        failures.append("no save succeeded after the restart")
    unanswered_but_stored = [s for s in log.saves if s[2] != 302 and s[1] in stored]

    by_phase = Counter()
    for t, _kind, _path, _outcome, ok in log.requests:
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
    failed = len(log.saves) - len(acknowledged)
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
