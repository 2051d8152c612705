"""A bounded load test against gunicorn: page reads, concurrent draft saves, scorecards.

    .venv/bin/python ops/load.py --duration 30                    # SQLite in a temp dir
    .venv/bin/python ops/load.py --duration 30 --pgbin /usr/lib/postgresql/15/bin
    .venv/bin/python ops/load.py --duration 30 --database-url postgres://...

Sets up its own data (migrate, the report, a fictional office with several staff editors
and one draft self-assessment), serves it with gunicorn (gunicorn.conf.py) on loopback and
runs CLIENTS logged-in staff for DURATION seconds, each repeating: 80% page reads, 15%
draft saves (all on the same assessment and a few criteria, so that edit conflicts happen),
5% PDF scorecard downloads. Then it checks:

- no answer was a 5xx, and every request got an answer;
- every save was either stored (302) or refused with the conflict page (409, "Not saved:
  someone else changed this criterion"); nothing else;
- the history records added for the assessment are exactly the stored saves (same count,
  same texts), each criterion's version grew by its number of stored saves, and no refused
  text was written.

With --database-url the database must be one you can write test rows to: the script adds a
fictional office (marked "Opstown ... (fictional)") and leaves it there. Exits 1 on failure.
"""

import argparse
import random
import secrets
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    Gunicorn,
    PgCluster,
    Session,
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

MIX = {"read": 80, "save": 15, "scorecard": 5}
CONFLICT_TEXT = "Not saved: someone else changed this criterion"


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (op, path, status or error, seconds)
        self.saves = []  # (criterion number, text, outcome) outcome: stored/conflict/<other>

    def add(self, op, path, status, seconds):
        with self.lock:
            self.requests.append((op, path, status, seconds))

    def save(self, number, text, outcome):
        with self.lock:
            self.saves.append((number, text, outcome))


def _get(session, results, op, path):
    try:
        response = session.get(path)
    except Exception as exc:  # noqa: BLE001 - no answer is a failure, recorded as such
        results.add(op, path, type(exc).__name__, 0.0)
        return None
    results.add(op, path, response.status, response.ended - response.started)
    return response


def client(port, results, stop, *, name, username, password, plan, seed):
    rng = random.Random(seed)  # noqa: S311 - a workload, not a secret
    session = Session(port, timeout=120)
    session.login(username, password)
    ops, weights = list(MIX), list(MIX.values())
    seq = 0
    while not stop.is_set():
        op = rng.choices(ops, weights)[0]
        if op == "read":
            _get(session, results, "read", rng.choice(plan["reads"]))
        elif op == "scorecard":
            response = _get(session, results, "scorecard", rng.choice(plan["scorecards"]))
            is_pdf = response is not None and response.body.startswith(b"%PDF-")
            if response is not None and response.status == 200 and not is_pdf:
                results.add("scorecard", "not a PDF", "not a PDF", 0.0)
        else:
            number = rng.choice(plan["criteria"])
            path = f"/assess/{plan['assessment']}/criteria/{number}/"
            page = _get(session, results, "save-form", path)
            base = base_version(page.text) if page is not None and page.status == 200 else None
            if base is None:
                results.save(number, None, "form not loaded")
                continue
            time.sleep(rng.uniform(0, 0.3))  # typing: others may save meanwhile
            seq += 1
            text = f"load {name} save {seq} on {number}"
            try:
                response = session.post(path, entry_form(base=base, strengths=text))
            except Exception as exc:  # noqa: BLE001
                results.add("save", path, type(exc).__name__, 0.0)
                results.save(number, text, f"no answer ({type(exc).__name__})")
                continue
            results.add("save", path, response.status, response.ended - response.started)
            if response.status == 302:
                outcome = "stored"
            elif response.status == 409 and CONFLICT_TEXT in response.text:
                outcome = "conflict"
            else:
                outcome = f"HTTP {response.status}"
            results.save(number, text, outcome)


def _plan(assessment, criteria):
    from cities.models import City
    from criteria.models import Assessment, Criterion

    slugs = list(Criterion.objects.order_by("number").values_list("slug", flat=True))
    cities = list(City.objects.real().filter(in_sample=True).values_list("slug", flat=True))
    published = list(Assessment.objects.published().values_list("pk", flat=True)[:4])
    a = assessment.pk
    reads = [
        "/",
        "/criteria/",
        *[f"/criteria/{s}/" for s in slugs[:3]],
        "/cities/",
        *[f"/cities/{s}/" for s in cities[:4]],
        "/reports/matrix/?cities=bristol,cali,edmonton,rosario",
        "/assess/",
        f"/assess/{a}/",
        f"/assess/{a}/criteria/1/",
        f"/assess/{a}/history/",
    ]
    scorecards = [f"/reports/scorecards/{pk}.pdf" for pk in published]
    scorecards.append(f"/reports/scorecards/{a}.pdf")  # the draft, changed by every save
    return {
        "assessment": a,
        "criteria": list(range(1, criteria + 1)),
        "reads": reads,
        "scorecards": scorecards,
    }


def _warm_up(port, plan, username, password):
    """Every URL of the plan answers 200 once (a missing page would skew the mix)."""
    session = Session(port, timeout=120)
    session.login(username, password)
    bad = []
    for path in plan["reads"] + plan["scorecards"]:
        response = session.get(path)
        if response.status != 200:
            bad.append(f"{path} -> {response.status}")
    return bad


def _percentile(values, q):
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run(args, work):
    pg = server = None
    try:
        if args.pgbin:
            pg = PgCluster(args.pgbin, free_port(55400, 55499), work)
            say(f"initdb and start PostgreSQL on 127.0.0.1:{pg.port}")
            pg.init()
            pg.start()
            database_url = pg.createdb("ovp_load")
        else:
            database_url = args.database_url
        env = app_environment(workdir=work, database_url=database_url)
        setup_django(env)
        from django.db import connection, connections

        say(f"migrate and load the report ({connection.vendor})")
        migrate_and_load()
        password = secrets.token_urlsafe(18)
        assessment, usernames = make_office_with_staff(
            tag=secrets.token_hex(3), staff=args.staff, password=password
        )
        plan = _plan(assessment, args.criteria)
        from criteria.models import Entry

        entries = Entry.objects.filter(assessment=assessment)
        start_versions = dict(entries.values_list("criterion__number", "version"))
        before = Entry.history.filter(assessment_id=assessment.pk).order_by("-history_id")
        baseline = before.values_list("history_id", flat=True).first() or 0
        connections.close_all()

        server = Gunicorn(env=env, port=free_port(8300, 8399), workers=args.workers, workdir=work)
        server.start()
        say(f"gunicorn ({args.workers} workers) on 127.0.0.1:{server.port}")
        bad = _warm_up(server.port, plan, usernames[0], password)
        if bad:
            say("these pages do not answer 200, so the load would be meaningless:")
            for line in bad:
                say(f"  {line}")
            return 2

        results, stop = Results(), threading.Event()
        threads = [
            threading.Thread(
                target=client,
                args=(server.port, results, stop),
                kwargs={
                    "name": f"c{i}",
                    "username": usernames[i % len(usernames)],
                    "password": password,
                    "plan": plan,
                    "seed": args.seed * 1000 + i,
                },
                daemon=True,
            )
            for i in range(args.clients)
        ]
        say(f"{args.clients} clients for {args.duration:g}s")
        started = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(args.duration)
        stop.set()
        for t in threads:
            t.join(timeout=180)
        elapsed = time.monotonic() - started
        server.stop()

        connections.close_all()
        history = list(
            Entry.history.filter(assessment_id=assessment.pk, history_id__gt=baseline)
            .order_by("history_id")
            .values_list("strengths", flat=True)
        )
        end_versions = dict(entries.values_list("criterion__number", "version"))
        return report(args, results, history, start_versions, end_versions, elapsed, connection)
    except Exception:
        if server is not None:
            print("--- gunicorn log ---\n" + server.log_tail(), file=sys.stderr)
        raise
    finally:
        if server is not None:
            server.stop()
        if pg is not None:
            pg.stop()


def report(args, results, history, start_versions, end_versions, elapsed, connection):
    failures = []
    statuses = Counter(str(r[2]) for r in results.requests)
    server_errors = [r for r in results.requests if not isinstance(r[2], int) or r[2] >= 500]
    for op, path, status, _ in server_errors[:10]:
        failures.append(f"{op} {path} -> {status}")
    if len(server_errors) > 10:
        failures.append(f"... {len(server_errors) - 10} more 5xx or unanswered requests")
    other = [r for r in results.requests if r[0] in ("read", "scorecard") and r[2] != 200]
    for op, path, status, _ in other[:10]:
        if (op, path, status, _) not in server_errors:
            failures.append(f"{op} {path} -> {status} (expected 200)")

    outcomes = Counter(s[2] for s in results.saves)
    odd = {k: v for k, v in outcomes.items() if k not in ("stored", "conflict")}
    if odd:
        failures.append(f"saves neither stored nor refused as a conflict: {odd}")
    stored = [s for s in results.saves if s[2] == "stored"]
    refused = {s[1] for s in results.saves if s[2] == "conflict"}
    if len(history) != len(stored):
        failures.append(f"{len(stored)} saves stored but {len(history)} history records added")
    if sorted(history) != sorted(s[1] for s in stored):
        failures.append("the texts in the history differ from the texts of the stored saves")
    if refused & set(history):
        failures.append("a save refused as a conflict was written anyway")
    per_criterion = Counter(s[0] for s in stored)
    for number, version in sorted(end_versions.items()):
        grew = version - start_versions[number]
        if grew != per_criterion.get(number, 0):
            failures.append(
                f"criterion {number}: version grew by {grew}, "
                f"{per_criterion.get(number, 0)} saves stored"
            )
    if not stored:
        failures.append("no save was stored")

    print()
    print(f"== Load summary ({connection.vendor}, {args.workers} gunicorn workers, "
          f"{args.clients} clients, {elapsed:.1f} s)")  # fmt: skip
    total = len(results.requests)
    print(f"requests               {total} ({total / elapsed:.1f}/s)")
    print("answers                " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    by_op = defaultdict(list)
    for op, _path, status, seconds in results.requests:
        if isinstance(status, int):
            by_op[op].append(seconds * 1000)
    print(f"{'':23}{'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for op in ("read", "save-form", "save", "scorecard"):
        values = by_op.get(op, [])
        print(
            f"  {op:<21}{len(values):>7} {_percentile(values, 50):>8.0f} "
            f"{_percentile(values, 95):>8.0f} {max(values, default=0):>8.0f}"
        )
    print(
        f"saves                  {len(results.saves)}: stored {outcomes['stored']}, "
        f"conflict {outcomes['conflict']}, other {sum(odd.values())}"
    )
    print(f"history records added  {len(history)}")
    return verdict(failures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds of load")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="use this database (default: SQLite in a temp dir)")
    where.add_argument("--pgbin", help="start a throwaway PostgreSQL with these binaries")
    parser.add_argument("--clients", type=int, default=8, help="concurrent simulated users")
    parser.add_argument("--staff", type=int, default=4, help="staff accounts of the office")
    parser.add_argument("--criteria", type=int, default=3, help="criteria the staff edit")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a postgres:// URL (SQLite is the default)")
    stop_on_signals()
    try:
        with workspace("ovp-load-") as work:
            return run(args, work)
    except KeyboardInterrupt:
        print("interrupted: everything started was stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
