"""gunicorn as in production (gunicorn.conf.py), on a loopback port the kernel picks.

Used by `make bench`, ops/load.py and ops/db_fault.py. Standard library only.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port():
    """A loopback port nothing listens on: the kernel's pick for port 0."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, proc, port, log):
        self.proc = proc
        self.port = port
        self.log = Path(log)
        self.url = f"http://{HOST}:{port}"

    def wait_healthy(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log_tail()}")
            # http.client, not urllib: no proxy from the environment between us and loopback.
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s")

    def stop(self, timeout=35):
        """SIGTERM to the master (it stops its workers), then SIGKILL to its process group."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def worker_pids(self):
        """The pids of the master's children, from /proc (Linux)."""
        pids = []
        for entry in Path("/proc").iterdir():
            with contextlib.suppress(OSError, ValueError):
                # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ")".
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def restarts(self):
        """How many times workers were recycled (max_requests), from gunicorn's log."""
        with contextlib.suppress(OSError):
            return self.log.read_text().count("Autorestarting worker")
        return None

    def log_tail(self, lines=30):
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


@contextlib.contextmanager
def gunicorn(*, env, log, workers=None, timeout=60):
    """`gunicorn -c gunicorn.conf.py ovp_assess.wsgi` on 127.0.0.1 (never 0.0.0.0) until the
    block ends. `workers` overrides WEB_CONCURRENCY."""
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
           "--bind", f"{HOST}:{port}", "--no-control-socket", "ovp_assess.wsgi"]  # fmt: skip
    if workers:
        cmd[-1:-1] = ["--workers", str(workers)]
    with open(log, "w") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            cmd, cwd=ROOT, env={**env, "PORT": str(port)}, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = Gunicorn(proc, port, log)
    try:
        server.wait_healthy(timeout)
        yield server
    finally:
        server.stop()


def rss_mb(pid, field="VmRSS"):
    """A memory figure of a process from /proc/PID/status, in MB (None if unknown)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return None
