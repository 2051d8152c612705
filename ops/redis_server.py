"""A throwaway redis-server for ops/cluster.py and the tests (Debian's redis-server,
installed by `make test` like the other Debian packages)."""

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_binary():
    path = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(path):
        raise RuntimeError(
            "redis-server is missing: `make test` installs it as root, else run "
            "`sudo apt-get install -y redis-server`"
        )
    return path


def start(port, directory):
    """A redis-server on 127.0.0.1:port that keeps nothing on disk; waits until it answers."""
    proc = subprocess.Popen(  # noqa: S603 - Debian's redis-server
        [
            redis_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--protected-mode",
            "yes",
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"redis-server did not answer on port {port}")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running(directory, port=None):
    port = port or free_port()
    proc = start(port, directory)
    try:
        yield port, proc
    finally:
        stop(proc)
