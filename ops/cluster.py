"""Two app nodes on one database, one Redis and one set of files: do they agree?

    .venv/bin/python ops/cluster.py [--pgbin /usr/lib/postgresql/15/bin] [--load-seconds 12]

Starts PostgreSQL (with --pgbin; SQLite otherwise), Redis, an S3-compatible object store
(moto's server; `--storage local` shares one folder instead), two gunicorn nodes (A and B,
two workers each, each with a local folder of its own, as compose.yaml runs them) and the
task worker, then checks, over HTTP as users would:

1. a publication made through node A shows on node B's public pages at once;
2. an admin edit of a city made on A shows on B at once;
3. failed logins made on A and on B count together (the lockout comes after the limit);
4. a scorecard requested on both nodes at once is rendered once (the renders' log lines);
5. Redis stopped in the middle of a load on both nodes gives no 5xx, /healthz says
   "degraded" meanwhile, and both nodes use Redis again by themselves once it is back;
6. the task worker ran the publication's notification mail.

Prints the figures (requests, 5xx while Redis was down, renders per scorecard version) and
PASSED or FAILED (exit 1). Run by .ci/run and by `make test` (docs/cluster.md).
"""

import argparse
import contextlib
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops import common, redis_server  # noqa: E402
from ops.pg import Cluster  # noqa: E402
from ops.server import HOST, ROOT, free_port, gunicorn  # noqa: E402

PASSWORD = "cluster-check-password-1"  # noqa: S105 - a throwaway account in a throwaway DB
FAIL_LIMIT = 5
RENDER_LINE = re.compile(r"scorecard rendered key=(\S+)")


def session():
    import requests

    s = requests.Session()
    s.trust_env = False  # no proxy from the environment between us and loopback
    return s


def csrf_token(html):
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not found:
        raise RuntimeError("no CSRF token in the form")
    return found.group(1)


def post_form(s, url, data, *, form_page=None):
    """POST `data` to `url` with the CSRF token of the form on `form_page` (else `url`)."""
    page = s.get(form_page or url, timeout=30)
    page.raise_for_status()
    headers = {"Referer": form_page or url}
    return s.post(
        url,
        data={"csrfmiddlewaretoken": csrf_token(page.text), **data},
        headers=headers,
        timeout=60,
        allow_redirects=False,
    )


def login(s, base, username, password):
    r = post_form(s, f"{base}/accounts/login/", {"login": username, "password": password})
    return r.status_code


def make_data():
    """Fictional data through the app's own functions: an office with a submitted
    assessment, a reviewer, an administrator, and two accounts for the lockout check."""
    from django.contrib.auth.models import Group, User

    from assessments import workflow
    from assessments.access import REVIEWERS
    from assessments.models import Entry

    assessment, (editor,) = common.make_office_with_staff(tag="a", staff=1, password=PASSWORD)
    Entry.objects.filter(assessment=assessment).update(
        applicability=Entry.Applicability.ASSESSED,
        level=2,
        strengths="Cluster check strengths (fictional).",
        opportunities="Cluster check opportunities (fictional).",
        confirmed=True,
    )
    # An address, so that the publication notifies the office by mail (through the worker).
    User.objects.filter(username=editor).update(email="editor@example.invalid")
    missing = workflow.submit(assessment=assessment, user=User.objects.get(username=editor))
    if missing:
        raise RuntimeError(f"the check's assessment is incomplete: {missing}")
    reviewer = User.objects.create_user("cluster-reviewer", password=PASSWORD)
    reviewer.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    User.objects.create_superuser("cluster-admin", "admin@example.invalid", PASSWORD)
    User.objects.create_user("cluster-locked", password=PASSWORD)
    office = assessment.office
    return {
        "assessment": assessment.pk,
        "office_name": office.name,
        "city_id": office.city_id,
        "city_slug": office.city.slug,
    }


def check_publication(a, b, data, failures, figures):
    """Published on A, seen on B's public pages at once (they were cached before)."""
    anon = session()
    city_b = f"{b}/cities/{data['city_slug']}/"
    before = anon.get(city_b, timeout=30)
    home_b = anon.get(f"{b}/cities/", timeout=30)  # cached too
    reviewer = session()
    if login(reviewer, a, "cluster-reviewer", PASSWORD) != 302:
        failures.append("the reviewer could not sign in on node A")
        return
    pk = data["assessment"]
    r = post_form(
        reviewer,
        f"{a}/assess/{pk}/review/publish/",
        {"text": "Published by the cluster check.", "confirm": "on"},
        form_page=f"{a}/assess/{pk}/review/",
    )
    if r.status_code != 302:
        failures.append(f"publishing on node A answered {r.status_code}")
        return
    after = anon.get(city_b, timeout=30)
    marker = "Cluster check strengths (fictional)."
    figures["publication"] = {
        "before_on_B": marker in before.text,
        "after_on_B": marker in after.text,
        "cities_status": home_b.status_code,
    }
    if marker in before.text or marker not in after.text:
        failures.append(
            "node B did not show the publication made on node A at once "
            f"(before: {marker in before.text}, after: {marker in after.text})"
        )


def check_admin_edit(a, b, data, failures, figures):
    anon = session()
    city_b = f"{b}/cities/{data['city_slug']}/"
    anon.get(city_b, timeout=30)  # cached on B now
    admin = session()
    if login(admin, a, "cluster-admin", PASSWORD) != 302:
        failures.append("the administrator could not sign in on node A")
        return
    url = f"{a}/admin/cities/city/{data['city_id']}/change/"
    page = admin.get(url, timeout=30)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
    fields.update(
        {
            name: value
            for name, value in re.findall(
                r'<select[^>]*name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected',
                page.text,
                flags=re.S,
            )
        }
    )
    new_name = "Opstown Renamed On A (fictional)"
    fields["name"] = new_name
    fields.pop("_addanother", None), fields.pop("_continue", None)
    r = admin.post(url, data={**fields, "_save": "Save"}, headers={"Referer": url}, timeout=30)
    if r.status_code not in (200, 302) or "errornote" in r.text:
        failures.append(f"the admin edit on node A failed ({r.status_code})")
        return
    seen = new_name in anon.get(city_b, timeout=30).text
    figures["admin_edit_seen_on_B"] = seen
    if not seen:
        failures.append("node B did not show the city renamed in the admin on node A")


def check_failed_logins(a, b, failures, figures):
    """FAIL_LIMIT - 1 failures split over A and B, then one more: locked on both."""
    statuses = []
    for i in range(FAIL_LIMIT):
        base = a if i % 2 == 0 else b
        statuses.append(login(session(), base, "cluster-locked", "wrong password"))
    right_a = login(session(), a, "cluster-locked", PASSWORD)
    right_b = login(session(), b, "cluster-locked", PASSWORD)
    figures["failed_logins"] = {"statuses": statuses, "then_right_a": right_a, "right_b": right_b}
    if right_a == 302 or right_b == 302:
        failures.append(
            f"{FAIL_LIMIT} failed logins split over A and B did not lock the account "
            f"(a right password then answered {right_a} on A and {right_b} on B)"
        )


def check_scorecard_once(a, b, data, logs, failures, figures):
    url = f"/reports/scorecards/{data['assessment']}.pdf"
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(
                lambda base: session().get(base + url, timeout=60),
                [a, b, a, b, a, b],
            )
        )
    statuses = [r.status_code for r in results]
    bodies = {r.content for r in results if r.status_code == 200}
    renders = Counter()
    for log in logs:
        renders.update(RENDER_LINE.findall(Path(log).read_text(errors="replace")))
    figures["scorecard"] = {
        "statuses": statuses,
        "distinct_pdfs": len(bodies),
        "renders_per_version": dict(renders),
    }
    if set(statuses) != {200}:
        failures.append(f"scorecard requests answered {statuses}")
    if len(bodies) != 1:
        failures.append(f"the two nodes served {len(bodies)} different scorecards")
    if not renders or set(renders.values()) != {1}:
        failures.append(f"scorecard renders per version: {dict(renders)} (expected one each)")


def check_redis_outage(a, b, redis, data, failures, figures, *, seconds):
    """Load both nodes; stop Redis a third of the way in, start it at two thirds."""
    paths = ["/", "/cities/", f"/cities/{data['city_slug']}/", "/reports/matrix/",
             "/reports/dashboard/", "/criteria/"]  # fmt: skip
    stop = threading.Event()
    window = {"down": None, "up": None}
    counts = Counter()
    lock = threading.Lock()

    def user(base):
        s = session()
        i = 0
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            t = time.monotonic()
            try:
                status = s.get(base + path, timeout=30).status_code
            except Exception:  # noqa: BLE001 - a refused or broken request counts as a failure
                status = 599
            down = (
                window["down"] is not None
                and window["down"] <= t
                and (window["up"] is None or t < window["up"])
            )
            with lock:
                counts["requests"] += 1
                counts["during_outage"] += down
                if status >= 500:
                    counts["5xx"] += 1
                    counts["5xx_during_outage"] += down

    threads = [threading.Thread(target=user, args=(base,)) for base in (a, b, a, b)]
    for t in threads:
        t.start()
    try:
        time.sleep(seconds / 3)
        redis.stop()
        window["down"] = time.monotonic()
        time.sleep(1)
        degraded = [session().get(f"{n}/healthz", timeout=10) for n in (a, b)]
        time.sleep(max(0, seconds / 3 - 1))
        redis.start()
        window["up"] = time.monotonic()
        time.sleep(seconds / 3)
    finally:
        stop.set()
        for t in threads:
            t.join()
    # Each node tries Redis again within CACHE_RETRY_AFTER seconds of its last failure.
    recovered = {}
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(recovered) < 2:
        for name, base in (("A", a), ("B", b)):
            if session().get(f"{base}/healthz", timeout=10).text == "ok":
                recovered[name] = True
        time.sleep(0.5)
    for path in paths:  # the pages go back into Redis
        session().get(a + path, timeout=30)
    keys = redis.dbsize()
    figures["redis_outage"] = {
        "requests": counts["requests"],
        "requests_while_down": counts["during_outage"],
        "5xx": counts["5xx"],
        "5xx_while_down": counts["5xx_during_outage"],
        "healthz_while_down": [(r.status_code, r.text.split(" (")[0]) for r in degraded],
        "recovered": sorted(recovered),
        "redis_keys_after": keys,
    }
    if counts["5xx"]:
        failures.append(f"{counts['5xx']} answers of 5xx during the Redis outage run")
    if not counts["during_outage"]:
        failures.append("no request was made while Redis was down")
    if [r.status_code for r in degraded] != [200, 200] or not all(
        r.text.startswith("degraded") for r in degraded
    ):
        failures.append(
            f"/healthz while Redis was down: {figures['redis_outage']['healthz_while_down']}"
        )
    if sorted(recovered) != ["A", "B"]:
        failures.append(f"nodes back on Redis after it returned: {sorted(recovered)}")
    if not keys:
        failures.append("Redis holds no key after it came back: the nodes do not use it")


def check_worker(failures, figures):
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + 30
    done = 0
    while time.monotonic() < deadline:
        done = DBTaskResult.objects.filter(status="SUCCESSFUL").count()
        if done:
            break
        time.sleep(0.5)
    figures["tasks_done_by_worker"] = done
    if not done:
        failures.append("the task worker ran no task (the publication's mail)")


class Redis:
    def __init__(self, directory):
        self.dir = directory
        self.port = redis_server.free_port()
        self.proc = None

    def start(self):
        self.proc = redis_server.start(self.port, self.dir)

    def stop(self):
        if self.proc:
            redis_server.stop(self.proc)
            self.proc = None

    def dbsize(self):
        import socket

        with socket.create_connection((HOST, self.port), timeout=2) as s:
            s.sendall(b"DBSIZE\r\n")
            return int(s.recv(64).decode().strip().lstrip(":"))


@contextlib.contextmanager
def object_store(work):
    """moto's S3-compatible server on loopback with one bucket: the nodes' shared files."""
    import boto3

    port = free_port()
    log = open(work / "s3.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(  # noqa: S603 - moto's server from our virtualenv
        [str(Path(sys.executable).parent / "moto_server"), "-H", HOST, "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    env = {"S3_BUCKET": "ovp-cluster", "S3_ENDPOINT_URL": f"http://{HOST}:{port}",
           "S3_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "cluster",
           "AWS_SECRET_ACCESS_KEY": "cluster-check"}  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                boto3.client(
                    "s3",
                    endpoint_url=env["S3_ENDPOINT_URL"],
                    region_name=env["S3_REGION"],
                    aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                ).create_bucket(Bucket=env["S3_BUCKET"])
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def task_worker(env, log):
    with open(log, "w") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pgbin", help="PostgreSQL's bin directory (else SQLite)")
    p.add_argument("--load-seconds", type=float, default=12)
    p.add_argument(
        "--storage",
        choices=["s3", "local"],
        default="s3",
        help="the nodes' shared files: an S3-compatible server (moto), or one local folder",
    )
    args = p.parse_args(argv)
    common.stop_on_signals()
    failures, figures = [], {}
    with common.workspace("ovp-cluster-") as work, contextlib.ExitStack() as stack:
        database_url = None
        if args.pgbin:
            pg = Cluster(work / "pg", port=free_port(), pgbin=args.pgbin)
            pg.start()
            stack.callback(pg.stop)
            database_url = pg.createdb("ovp_assess")
        redis = Redis(work)
        redis.start()
        stack.callback(redis.stop)
        env = common.app_environment(workdir=work, database_url=database_url)
        shared = work / "shared"
        if args.storage == "s3":
            env.update(STORAGE_BACKEND="s3", **stack.enter_context(object_store(work)))
        env.update(
            CACHE_URL=f"redis://{HOST}:{redis.port}/0",
            CACHE_RETRY_AFTER="1",
            # The scorecard prints its permanent address: one address for the whole site,
            # else each node's own host and port would make two documents of one version.
            SITE_URL="https://ovp-assess.example.org",
            LOG_LEVEL="INFO",
            MEDIA_DIR=str(shared / "media"),
            PDF_CACHE_DIR=str(shared / "scorecards"),
            OPEN_DATA_DIR=str(shared / "opendata"),
            AXES_FAILURE_LIMIT=str(FAIL_LIMIT),
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        common.say(
            f"Database: {'PostgreSQL' if database_url else 'SQLite'}; Redis :{redis.port}; "
            f"files: {'S3 (moto server)' if args.storage == 's3' else 'one local folder'}"
        )
        common.setup_django(env)
        common.migrate_and_load()
        data = make_data()
        logs = [work / "node-a.log", work / "node-b.log"]
        nodes = []
        for name, log in zip("ab", logs, strict=True):
            node_env = dict(env)
            if args.storage == "s3":  # nothing on a disk the other node could read
                var = work / f"node-{name}"
                node_env.update(OVP_VAR_DIR=str(var), PDF_CACHE_DIR=str(var / "scorecards"))
            nodes.append(stack.enter_context(gunicorn(env=node_env, log=log, workers=2)))
        node_a, node_b = nodes
        stack.enter_context(task_worker(env, work / "worker.log"))
        a, b = node_a.url, node_b.url
        common.say(f"Node A {a}, node B {b}, task worker running")
        f, g = failures, figures
        steps = [
            ("publication on A seen on B", lambda: check_publication(a, b, data, f, g)),
            ("admin edit on A seen on B", lambda: check_admin_edit(a, b, data, f, g)),
            ("failed logins counted together", lambda: check_failed_logins(a, b, f, g)),
            ("one render per scorecard version",
             lambda: check_scorecard_once(a, b, data, logs, f, g)),
            ("Redis stopped and started under load",
             lambda: check_redis_outage(a, b, redis, data, f, g, seconds=args.load_seconds)),
            ("the task worker", lambda: check_worker(f, g)),
        ]  # fmt: skip
        for name, step in steps:
            common.say(name)
            before = len(failures)
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - report and go on with the next check
                failures.append(f"{name}: {type(exc).__name__}: {exc}")
            common.say(f"  {'ok' if len(failures) == before else 'FAILED'}")
        for name, value in figures.items():
            print(f"{name}: {value}")
        if failures:
            for log in (*logs, work / "worker.log"):
                print(f"--- tail of {log.name}")
                print("\n".join(log.read_text(errors="replace").splitlines()[-15:]))
    return common.verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
