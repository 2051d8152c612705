"""A bounded load test against gunicorn with locust: page reads, concurrent draft saves,
scorecards.

    .venv/bin/python ops/load.py --duration 30                    # SQLite in a temp dir
    .venv/bin/python ops/load.py --duration 30 --pgbin /usr/lib/postgresql/15/bin
    .venv/bin/python ops/load.py --duration 30 --database-url postgres://...

Sets up its own data (migrate, the report, a fictional office with several staff editors
and one draft self-assessment), checks that every page of the mix answers 200 (Django's test
client), serves it with gunicorn (gunicorn.conf.py) on loopback and runs locust headless for
DURATION seconds with CLIENTS logged-in staff (ops/locustfile.py, Editor), each repeating:
80% page reads, 15% draft saves (all on the same assessment and a few criteria, so that edit
conflicts happen), 5% PDF scorecard downloads. Then it checks:

- no answer was a 5xx, and every request got an answer;
- every save was either stored (302) or refused with the conflict page (409, its
  "conflict-heading" section, whoever saved in between); nothing else;
- the history records added for the assessment are exactly the stored saves (same count,
  same texts), each criterion's version grew by its number of stored saves, and no refused
  text was written.

With --database-url the database must be one you can write test rows to: the script adds a
fictional office (marked "Opstown ... (fictional)") and leaves it there. Exits 1 on failure.
"""

import argparse
import secrets
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops import pg, server  # noqa: E402
from ops.common import (  # noqa: E402
    HOST,
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

OPS = ("read", "save-form", "save", "scorecard")


def _plan(assessment, args, usernames, password):
    from assessments.models import Assessment
    from cities.models import City
    from criteria.models import Criterion

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
        "criteria": list(range(1, args.criteria + 1)),
        "reads": reads,
        "scorecards": scorecards,
        "usernames": usernames,
        "password": password,
    }


def _pages_not_200(plan):
    """Every URL of the plan answers 200 to the first staff member (a missing page would
    skew the mix); asked through Django's test client, which also fills the scorecard cache."""
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client(HTTP_HOST=HOST, raise_request_exception=False)
    client.force_login(User.objects.get(username=plan["usernames"][0]))
    bad = []
    for path in plan["reads"] + plan["scorecards"]:
        response = client.get(path)
        response.close()
        if response.status_code != 200:
            bad.append(f"{path} -> {response.status_code}")
    return bad


def run(args, work):
    cluster = None
    if args.pgbin:
        cluster = pg.Cluster(work / "pg", port=server.free_port(), pgbin=args.pgbin)
    try:
        if cluster is not None:
            say(f"initdb and start PostgreSQL on 127.0.0.1:{cluster.port}")
            cluster.start()
            database_url = cluster.createdb("ovp_load")
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
        plan = _plan(assessment, args, usernames, password)
        bad = _pages_not_200(plan)
        if bad:
            say("these pages do not answer 200, so the load would be meaningless:")
            for line in bad:
                say(f"  {line}")
            return 2
        from assessments.models import Entry

        entries = Entry.objects.filter(assessment=assessment)
        start_versions = dict(entries.values_list("criterion__number", "version"))
        before = Entry.history.filter(assessment_id=assessment.pk).order_by("-history_id")
        baseline = before.values_list("history_id", flat=True).first() or 0
        connections.close_all()

        log = work / "gunicorn.log"
        with server.gunicorn(env=env, log=log, workers=args.workers) as gunicorn:
            say(f"gunicorn ({args.workers} workers) on 127.0.0.1:{gunicorn.port}; "
                f"locust: {args.clients} users for {args.duration:g} s")  # fmt: skip
            try:
                records, stats = run_locust(
                    work=work, port=gunicorn.port, plan=plan, classes=["Editor"],
                    users=args.clients, duration=args.duration,
                )  # fmt: skip
            except Exception:
                print("--- gunicorn log ---\n" + gunicorn.log_tail(), file=sys.stderr)
                raise

        connections.close_all()
        history = list(
            Entry.history.filter(assessment_id=assessment.pk, history_id__gt=baseline)
            .order_by("history_id")
            .values_list("strengths", flat=True)
        )
        end_versions = dict(entries.values_list("criterion__number", "version"))
        failures = check(records, history, start_versions, end_versions)
        summary(args, connection.vendor, records, stats, history)
        return verdict(failures)
    finally:
        if cluster is not None:
            cluster.stop()


def check(records, history, start_versions, end_versions):
    """What went wrong, from the locust users' records and the database afterwards.

    `records` is {"requests": [[t, name, path, status, error]], "saves": [[t, criterion,
    text, outcome]]}; `history` the texts of the history records added, in order."""
    failures = []
    requests, saves = records["requests"], records["saves"]
    unanswered = [r for r in requests if not r[3] or r[3] >= 500]
    for _t, name, path, status, error in unanswered[:10]:
        failures.append(f"{name} {path} -> {status or error}")
    if len(unanswered) > 10:
        failures.append(f"... {len(unanswered) - 10} more 5xx or unanswered requests")
    wrong = [r for r in requests if r[1] in ("read", "scorecard") and (r[3] != 200 or r[4])]
    for _t, name, path, status, error in [r for r in wrong if r not in unanswered][:10]:
        failures.append(f"{name} {path} -> {error or status} (expected 200)")

    outcomes = Counter(s[3] for s in saves)
    odd = {k: v for k, v in outcomes.items() if k not in ("stored", "conflict")}
    if odd:
        failures.append(f"saves neither stored nor refused as a conflict: {odd}")
    stored = [s for s in saves if s[3] == "stored"]
    refused = {s[2] for s in saves if s[3] == "conflict"}
    if len(history) != len(stored):
        failures.append(f"{len(stored)} saves stored but {len(history)} history records added")
    if sorted(history) != sorted(s[2] for s in stored):
        failures.append("the texts in the history differ from the texts of the stored saves")
    if refused & set(history):
        failures.append("a save refused as a conflict was written anyway")
    per_criterion = Counter(s[1] for s in stored)
    for number, version in sorted(end_versions.items()):
        grew = version - start_versions[number]
        if grew != per_criterion.get(number, 0):
            failures.append(
                f"criterion {number}: version grew by {grew}, "
                f"{per_criterion.get(number, 0)} saves stored"
            )
    if not stored:
        failures.append("no save was stored")
    return failures


def summary(args, vendor, records, stats, history):
    """Counts and latencies from locust's CSV statistics; answers and saves from the records."""
    rows = [stats.get(op, {}) for op in OPS]
    total = sum(int(r.get("Request Count", 0)) for r in rows)
    rate = sum(float(r.get("Requests/s", 0)) for r in rows)
    answers = Counter(str(r[3] or r[4]) for r in records["requests"])
    outcomes = Counter(s[3] for s in records["saves"])
    print()
    print(f"== Load summary ({vendor}, {args.workers} gunicorn workers, "
          f"{args.clients} locust users, {args.duration:g} s)")  # fmt: skip
    print(f"requests               {total} ({rate:.1f}/s)")
    print("answers                " + ", ".join(f"{k}: {v}" for k, v in sorted(answers.items())))
    print(f"{'':23}{'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for op, row in zip(OPS, rows, strict=True):
        count, p50, p95 = (row.get(k) or "0" for k in ("Request Count", "50%", "95%"))
        maximum = float(row.get("Max Response Time") or 0)
        print(f"  {op:<21}{count:>7} {p50:>8} {p95:>8} {maximum:>8.0f}")
    other = sum(v for k, v in outcomes.items() if k not in ("stored", "conflict"))
    print(
        f"saves                  {sum(outcomes.values())}: stored {outcomes['stored']}, "
        f"conflict {outcomes['conflict']}, other {other}"
    )
    print(f"history records added  {len(history)}")


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
