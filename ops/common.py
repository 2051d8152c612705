"""Shared pieces of the operations scripts (db_fault.py, load.py): a throwaway PostgreSQL
cluster, gunicorn on loopback, a small HTTP client with cookies and CSRF, and test data.

Everything here binds to 127.0.0.1 only and is stopped by the script that started it.
"""

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port(first, last):
    """A loopback TCP port in [first, last] that nothing listens on."""
    ports = list(range(first, last + 1))
    start = secrets.randbelow(len(ports))
    for port in ports[start:] + ports[:start]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {first} and {last}")


def stop_on_signals():
    """Turn SIGTERM into KeyboardInterrupt, so that `finally` blocks stop what we started."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


# --- PostgreSQL -------------------------------------------------------------------------------


class PgCluster:
    """A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1:port only.

    initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
    """

    def __init__(self, pgbin, port, workdir):
        self.pgbin = Path(pgbin)
        self.port = port
        self.dir = Path(workdir) / "pg"
        self.data = self.dir / "data"
        self.log = self.dir / "pg.log"
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"

    def _run(self, *args, check=True, timeout=120):
        cmd = [str(self.pgbin / args[0]), *map(str, args[1:])]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        # Output to a file, not a pipe: a server started by pg_ctl inherits it and would
        # keep a pipe open for ever.
        with open(self.dir / "pg_ctl.out", "a+") as out:
            result = subprocess.run(  # noqa: S603 - our own binaries and arguments
                cmd, timeout=timeout, stdout=out, stderr=out, check=False
            )
            if check and result.returncode:
                out.seek(0)
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.read()[-2000:]}")
        return result

    def init(self):
        self.dir.mkdir(parents=True)
        if self.user:
            shutil.chown(self.dir, self.user)
        self._run(
            "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )

    def start(self):
        self._run(
            "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.log,
            "-w",
            "-o",
            f"-c listen_addresses={HOST} -p {self.port} -k {self.dir} -c fsync=off "
            "-c max_connections=60",
            "start",
        )

    def restart(self):
        """`pg_ctl restart -m fast`: every connection is cut, the server comes back."""
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-m", "fast", "-w", "restart")

    def stop(self, mode="immediate", check=False):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=check)

    def createdb(self, name):
        self._run("createdb", "-h", HOST, "-p", self.port, "-U", "postgres", name)
        return f"postgres://postgres@{HOST}:{self.port}/{name}"

    def log_tail(self, lines=20):
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


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
    from ovp_assess.report_data import load_report

    call_command("migrate", interactive=False, verbosity=0)
    load_report()


def make_office_with_staff(*, tag, staff, password):
    """A fictional office with `staff` editors and a draft self-assessment, built through
    the app's own workflow. Returns (assessment, [usernames])."""
    from django.contrib.auth.models import User

    from assessments import workflow
    from cities.models import City, Country, Membership, Office, Origin

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


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py, bound to 127.0.0.1:port."""

    def __init__(self, *, env, port, workers, workdir):
        self.env = {**env, "WEB_CONCURRENCY": str(workers), "PORT": str(port)}
        self.port = port
        self.workers = workers
        self.log_path = Path(workdir) / "gunicorn.log"
        self.proc = None

    def start(self, timeout=60):
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(self.workers),
                # gunicorn 27 opens a control socket in ~/.gunicorn, shared by every
                # gunicorn of the user: ours needs none.
                "--no-control-socket",
                "ovp_assess.wsgi",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if Session(self.port, timeout=2).get("/healthz").status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout}s")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()

    def log_tail(self, lines=30):
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


@contextlib.contextmanager
def workspace(prefix):
    """A temporary directory, readable by the postgres user, removed at the end."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- HTTP client -------------------------------------------------------------------------------


class Response:
    def __init__(self, status, headers, body, started, ended):
        self.status = status
        self.headers = headers
        self.body = body
        self.started = started
        self.ended = ended

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self):
        return self.headers.get("Location", "")


class Session:
    """One browser: cookies (session, CSRF), no redirects followed, one connection a request
    (gunicorn's sync workers close each connection)."""

    def __init__(self, port, *, timeout=30):
        self.port = port
        self.timeout = timeout
        self.cookies = {}

    def _request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for header in resp.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        return Response(resp.status, resp.headers, data, started, time.monotonic())

    def get(self, path):
        return self._request("GET", path)

    def post(self, path, data):
        if "csrftoken" not in self.cookies:
            self.get(path)
        data = {**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        return self._request(
            "POST",
            path,
            body=urlencode(data),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def login(self, username, password):
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"username": username, "password": password})
        if response.status != 302:
            raise RuntimeError(f"login as {username} failed: HTTP {response.status}")


BASE_VERSION = re.compile(r'<input[^>]*name="base_version"[^>]*>')
VALUE = re.compile(r'value="(\d+)"')


def base_version(page):
    """The hidden base_version of a criterion form page, or None."""
    tag = BASE_VERSION.search(page)
    found = VALUE.search(tag.group(0)) if tag else None
    return int(found.group(1)) if found else None


def entry_form(*, base, strengths, level=2):
    """A draft save of one criterion, without evidence links, as the page's form posts it."""
    return {
        "base_version": str(base),
        "applicability": "assessed",
        "level": str(level),
        "justification": "",
        "strengths": strengths,
        "opportunities": "Fictional opportunities written by an operations script.",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "50",
        "action": "save",
    }


class Stopwatch:
    """Monotonic seconds since start, shared by the client threads."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.lock = threading.Lock()

    def now(self):
        return time.monotonic() - self.t0

    def at(self, monotonic):
        return monotonic - self.t0


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
