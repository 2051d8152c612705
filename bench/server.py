"""gunicorn as in production (gunicorn.conf.py), bound to loopback only."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from . import ROOT

PORT_RANGE = range(8200, 8300)


def free_port(ports=PORT_RANGE, host="127.0.0.1"):
    """The first port of `ports` nobody listens on."""
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def wait_for_health(port, *, timeout=60, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode} before answering")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz on port {port} within {timeout} s")


@contextmanager
def gunicorn(*, env, port, log):
    """Serve the app with `gunicorn -c gunicorn.conf.py` on 127.0.0.1:`port`; stop on exit."""
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")),
        "-c",
        "gunicorn.conf.py",
        # The command line wins over the config file: loopback only, never 0.0.0.0.
        "--bind",
        f"127.0.0.1:{port}",
        # Its control socket lives at one path per user: keep out of other servers' way.
        "--no-control-socket",
        "ovp_assess.wsgi",
    ]
    with open(log, "w") as out:
        proc = subprocess.Popen(  # noqa: S603 - the venv's gunicorn
            cmd,
            cwd=ROOT,
            env={**env, "PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_health(port, proc=proc)
        yield proc
    finally:
        stop(proc)


def stop(proc, timeout=30):
    """SIGTERM to the gunicorn master we started (it stops its workers), then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Our own process group only: the master and the workers it forked.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def worker_pids(master_pid):
    """The pids of the master's children, from /proc (Linux)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == master_pid:
            pids.append(int(entry.name))
    return sorted(pids)


def rss_mb(pid, field="VmRSS"):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def restarts(log):
    """How many times workers were recycled (max_requests) according to gunicorn's log."""
    try:
        return Path(log).read_text().count("Autorestarting worker")
    except OSError:
        return None
