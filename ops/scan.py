"""Run the security scanners against a local instance of OVP Assess, on loopback only.

    python ops/scan.py                       # start a throwaway instance, run every tool
    python ops/scan.py --tools schemathesis,sqlmap --time-per-tool 120
    python ops/scan.py --url http://127.0.0.1:8000   # an instance you started (make run)

Tools: schemathesis (the API against its OpenAPI document), wapiti (web application
crawler and attacks), nikto (web server checks), sqlmap (SQL injection in query
parameters). A tool that is not installed is skipped with a message saying how to install
it. Each tool runs at most --time-per-tool seconds and is then stopped.

Safety: the target must be 127.0.0.1, localhost or [::1]; anything else is refused. The
instance this script starts listens on 127.0.0.1 only, has its own SQLite database and
var/ folder in a temporary directory (nothing of yours is touched), production settings
(DEBUG off) and no demo accounts, and is stopped at the end. The tools' own calls to the
internet are switched off where they have any: wapiti's modules that need its external
endpoint or download data (ssrf, xxe, wapp, nikto) are not run and its endpoints point
at the target; no tool is asked to update itself. Reports go to --out (var/scan/).

Exit status: 0 when every tool that ran finished without findings, 1 when one reported
findings or failed, 2 when the target was refused or the instance did not start.
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TOOLS = ("schemathesis", "wapiti", "nikto", "sqlmap")
INSTALL = {
    "schemathesis": "pip install schemathesis (it is in the project's test extra)",
    "wapiti": "apt-get install wapiti, or pip install wapiti3",
    "nikto": "apt-get install nikto (Debian non-free), or from its upstream repository",
    "sqlmap": "apt-get install sqlmap, or pip install sqlmap",
}
# GET addresses with query parameters for sqlmap: the filters of pages and of the API.
SQLMAP_TARGETS = [
    "/cities/?country=canada&region=north-america&sort=name",
    "/reports/matrix/?cities=cali&cycle=2024&kind=research",
    "/reports/dashboard/?region=latin-america&sort=name&page=1",
    "/api/cities?country=canada&region=north-america&limit=5&offset=0",
    "/api/offices?city=cali&limit=5",
    "/api/assessments?city=cali&office=x&cycle=2024&limit=5",
    "/api/criteria/mandate",
]


def say(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def loopback_url(url):
    """`url` without its last slash, or None when it is not on this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK:
        return None
    return url.rstrip("/")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find(tool):
    """The tool's command, or None. schemathesis is looked for beside this Python first."""
    if tool == "schemathesis":
        beside = Path(sys.executable).parent / "schemathesis"
        if beside.exists():
            return str(beside)
    return shutil.which(tool)


# --- a throwaway instance ------------------------------------------------------------------


class Instance:
    """OVP Assess under gunicorn on 127.0.0.1, with its own database, in a temporary dir."""

    def __init__(self, workdir):
        self.dir = Path(workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.dir / "gunicorn.log"
        self.process = None
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_MANIFEST": "0",
            "OVP_VAR_DIR": str(self.dir / "var"),
            "SQLITE_PATH": str(self.dir / "scan.sqlite3"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_SETTINGS_MODULE": "ovp_assess.settings",
        }
        self.env.pop("DATABASE_URL", None)

    def manage(self, *args):
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=600,
        )

    def start(self):
        say("preparing a throwaway instance (migrate, report data, static files)")
        self.manage("migrate", "--noinput")
        self.manage("load_report")
        self.manage("collectstatic", "--noinput")
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn and arguments
                [
                    str(gunicorn),
                    "-c",
                    str(ROOT / "gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "2",
                    "ovp_assess.wsgi:application",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        say(f"instance on {self.url}")
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the instance did not answer on {self.url}; see {self.log}")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


# --- the tools -----------------------------------------------------------------------------


def commands(tool, exe, url, out, seconds):
    """The command line(s) of `tool` against `url`, writing its report under `out`."""
    parts = urlsplit(url)
    if tool == "schemathesis":
        # gunicorn refuses a request line over 4,094 bytes with 414 before the app: for
        # invalid data that is a refusal too (the document declares it).
        config = out / "schemathesis.toml"
        config.write_text(
            "[checks.negative_data_rejection]\n"
            'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "414", '
            '"415", "422", "428", "429"]\n'
        )
        return [
            [
                exe, "--config-file", str(config),
                "run", f"{url}/api/openapi.json",
                "--checks", "all",
                "--max-examples", "25",
                "--max-time", str(max(seconds - 10, 10)),
                "--request-timeout", "10",
                "--report", "junit",
                "--report-dir", str(out / "schemathesis"),
                "--no-color",
            ]
        ]  # fmt: skip
    if tool == "wapiti":
        modules = (
            "backup,blindsql,cookieflags,crlf,csp,csrf,exec,file,htaccess,http_headers,"
            "methods,permanentxss,redirect,shellshock,sql,xss"
        )
        # The filter pages have many links with many parameters: a bounded crawl (depth,
        # links per page, pages per folder; `next` removed, or the login page links to
        # itself for ever) leaves the attacks most of the time.
        return [
            [
                exe, "-u", f"{url}/",
                "--scope", "folder",
                "-m", modules,
                "--external-endpoint", f"{url}/",
                "--internal-endpoint", f"{url}/",
                "-r", "next",
                "-d", "3",
                "--max-links-per-page", "30",
                "--max-files-per-dir", "40",
                "--max-scan-time", str(max(seconds * 4 // 5, 30)),
                "--max-attack-time", str(max(seconds // 30, 5)),
                "--flush-session",
                "--store-session", str(out / "wapiti-session"),
                "--no-bugreport",
                "-f", "txt",
                "-o", str(out / "wapiti.txt"),
                "-v", "1",
            ]
        ]  # fmt: skip
    if tool == "nikto":
        return [
            [
                exe, "-h", parts.hostname, "-p", str(parts.port or 80),
                "-maxtime", f"{max(seconds - 10, 10)}s",
                "-nointeractive",
                "-Format", "txt",
                "-output", str(out / "nikto.txt"),
            ]
        ]  # fmt: skip
    if tool == "sqlmap":
        targets = out / "sqlmap-targets.txt"
        targets.write_text("".join(f"{url}{path}\n" for path in SQLMAP_TARGETS))
        return [
            [
                exe, "-m", str(targets),
                "--batch",
                "--level", "1",
                "--risk", "1",
                "--timeout", "10",
                "--output-dir", str(out / "sqlmap"),
                "--disable-coloring",
            ]
        ]  # fmt: skip
    raise ValueError(tool)


def findings(tool, output, out):
    """Did `tool` report something? Read from its output and report files."""
    text = output
    if tool == "wapiti":
        report = out / "wapiti.txt"
        if not report.exists():
            return False
        # The report's summaries list every category with a count ("  SQL Injection :   0").
        counts = re.findall(r"^\s*(.+?)\s*:\s+(\d+)\s*$", report.read_text(errors="replace"), re.M)
        found = [f"{name}: {count}" for name, count in counts if int(count)]
        if found:
            say("wapiti reported " + "; ".join(found) + f" (details in {report})")
        return bool(found)
    if tool == "sqlmap":
        return "is vulnerable" in text or "sqlmap identified the following injection" in text
    if tool == "nikto":
        # "+ 8102 requests: 0 error(s) and 6 item(s) reported on remote host"
        return any(int(n) for n in re.findall(r"(\d+) item\(s\) reported", text))
    return False


def run_tool(tool, url, out, seconds):
    exe = find(tool)
    if exe is None:
        say(f"SKIP {tool}: not installed ({INSTALL[tool]})")
        return "skipped"
    status = "clean"
    for command in commands(tool, exe, url, out, seconds):
        say(f"RUN {tool} (at most {seconds}s): {' '.join(command)}")
        log = out / f"{tool}.log"
        started = time.monotonic()
        try:
            result = subprocess.run(  # noqa: S603 - installed tools, our arguments
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                timeout=seconds,
                stdin=subprocess.DEVNULL,
                cwd=out,
            )
            output, code = result.stdout, result.returncode
        except subprocess.TimeoutExpired as exc:
            output = exc.stdout or ""
            if isinstance(output, bytes):
                output = output.decode(errors="replace")
            code = "timeout"
        log.write_text(output)
        elapsed = time.monotonic() - started
        found = findings(tool, output, out)
        if tool == "schemathesis":
            found = code not in (0, "timeout")
        tail = "\n".join(output.strip().splitlines()[-8:])
        say(f"{tool}: exit {code} after {elapsed:.0f}s; log {log}\n{tail}")
        if found:
            status = "findings"
        elif code == "timeout":
            status = "stopped at the time limit" if status == "clean" else status
        elif code != 0:
            status = f"failed (exit {code})"
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running instance on this machine (default: start one)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools")
    parser.add_argument("--time-per-tool", type=int, default=300, help="seconds per tool")
    parser.add_argument("--out", default=str(ROOT / "var" / "scan"), help="report folder")
    args = parser.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))} (known: {', '.join(TOOLS)})")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)

    instance = None
    with tempfile.TemporaryDirectory(prefix="ovp-scan-") as workdir:
        try:
            if args.url:
                url = loopback_url(args.url)
                if url is None:
                    say(f"REFUSED {args.url!r}: not on this machine (127.0.0.1, localhost, [::1])")
                    return 2
            else:
                instance = Instance(workdir)
                try:
                    instance.start()
                except (RuntimeError, subprocess.CalledProcessError) as exc:
                    say(f"FAILED to start the instance: {exc}")
                    return 2
                url = instance.url
            results = {tool: run_tool(tool, url, out, args.time_per_tool) for tool in tools}
        finally:
            if instance is not None:
                instance.stop()
    print("== Scan summary (" + url + ")")
    for tool, status in results.items():
        print(f"  {tool:13} {status}")
    bad = [s for s in results.values() if s == "findings" or s.startswith("failed")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
