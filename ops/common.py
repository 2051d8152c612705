"""Shared pieces of the operations scripts (db_fault.py, load.py): the app's environment and
test data, and locust run headless. PostgreSQL is ops/pg.py, gunicorn ops/server.py.

Everything here binds to 127.0.0.1 only and is stopped by the script that started it.
"""

import contextlib
import csv
import json
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ops.server import HOST, ROOT


def say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def stop_on_signals():
    """Turn SIGTERM into KeyboardInterrupt, so that `finally` blocks stop what we started."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


# --- the app -----------------------------------------------------------------------------------


def app_environment(*, workdir, database_url=None):
    """Environment of a production-like app (DEBUG off) on loopback, data under workdir."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ovp_assess.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS=HOST,
        HTTPS="0",
        STATIC_MANIFEST="0",
        OVP_VAR_DIR=str(Path(workdir) / "var"),
        PDF_CACHE_DIR=str(Path(workdir) / "var" / "scorecards"),
        LOG_LEVEL="ERROR",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["SQLITE_PATH"] = str(Path(workdir) / "ovp.sqlite3")
    return env


def setup_django(env):
    """Configure Django in this process with the same environment gunicorn will get."""
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate_and_load():
    from django.core.management import call_command

    from assessments.report_data import load_report

    call_command("migrate", interactive=False, verbosity=0)
    load_report()


def make_office_with_staff(*, tag, staff, password):
    """A fictional office with `staff` editors and a draft self-assessment, built through
    the app's own workflow. Returns (assessment, [usernames])."""
    from django.contrib.auth.models import User

    from assessments import workflow
    from assessments.models import Membership
    from cities.models import City, Country, Office, Origin

    country, _ = Country.objects.get_or_create(
        slug="opsland",
        defaults={"name": "Opsland (fictional)", "region": "other", "origin": Origin.DEMO},
    )
    city = City.objects.create(
        country=country, name=f"Opstown {tag} (fictional)", slug=f"opstown-{tag}", origin="demo"
    )
    office = Office.objects.create(
        city=city, name=f"Opstown {tag} Office (fictional)", slug=f"opstown-{tag}-office",
        institutional_home="mayor",
    )  # fmt: skip
    usernames = []
    for i in range(staff):
        user = User.objects.create_user(f"ops-{tag}-{i}", password=password)
        Membership.objects.create(user=user, office=office, role=Membership.Role.EDITOR)
        usernames.append(user.username)
    first = User.objects.get(username=usernames[0])
    assessment = workflow.start_assessment(office=office, cycle=2025, user=first)
    return assessment, usernames


@contextlib.contextmanager
def workspace(prefix):
    """A temporary directory, readable by the postgres user, removed at the end."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- load --------------------------------------------------------------------------------------


def run_locust(*, work, port, plan, classes, users, duration, during=None):
    """Run locust headless against 127.0.0.1:`port` for `duration` seconds with the users
    of ops/locustfile.py named in `classes`; `during()` runs meanwhile. Returns (records,
    stats): what the users recorded, and the rows of locust's CSV statistics by name."""
    plan_file, out = Path(work) / "locust-plan.json", Path(work) / "locust.json"
    plan_file.touch(mode=0o600)  # it holds the staff's password
    plan_file.write_text(json.dumps(plan))
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "ops" / "locustfile.py"),
           "--headless", "--host", f"http://{HOST}:{port}", "--users", str(users),
           "--spawn-rate", str(users), "--run-time", f"{math.ceil(duration)}s",
           # A user finishes the request it is making: no save is left half-reported.
           "--stop-timeout", "60", "--only-summary",
           "--exit-code-on-error", "0", *classes]  # fmt: skip
    env = {**os.environ, "OVP_LOCUST_PLAN": str(plan_file), "OVP_LOCUST_OUT": str(out)}
    log = Path(work) / "locust.log"
    with open(log, "w") as output:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        if during is not None:
            during()
        proc.wait(timeout=duration + 120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode or not out.exists():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"locust exited with {proc.returncode}:\n{tail}")
    with open(out.with_suffix(".csv"), newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    return json.loads(out.read_text()), rows


def verdict(failures):
    """Print PASSED, or FAILED with each failure; the script's exit code."""
    print()
    if failures:
        print("FAILED")
        for line in failures:
            print(f"  - {line}")
        return 1
    print("PASSED")
    return 0
