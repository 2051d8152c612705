"""ops/pg.py (the PostgreSQL of .ci/run, ops/load.py and ops/db_fault.py) and ops/server.py."""

import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from ops import pg, server

ROOT = Path(__file__).resolve().parents[2]
PGBIN = Path(pg.PGBIN)


def test_pg_and_server_need_only_the_standard_library():
    # .ci/run starts PostgreSQL with the system's python3, before .venv exists: -S leaves
    # site-packages out.
    code = "import ops.pg, ops.server, sys; print(sorted(m for m in sys.modules if m == 'django'))"
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_free_port_is_a_loopback_port_nobody_listens_on():
    port = server.free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


@pytest.mark.skipif(not (PGBIN / "initdb").exists(), reason=f"no PostgreSQL in {PGBIN}")
def test_pg_start_prints_a_database_url_and_stop_stops_it():
    # As .ci/run does it: a fresh mktemp directory (mode 0700) for the cluster.
    cluster_dir = tempfile.mkdtemp(prefix="ovp-test-pg.")
    port = server.free_port()
    cli = [sys.executable, "-m", "ops.pg"]
    start = [*cli, "start", "--dir", cluster_dir, "--port", str(port), "--db", "ci_check"]
    try:
        url = subprocess.run(
            start, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
        ).stdout.strip()
        assert url == f"postgres://postgres@127.0.0.1:{port}/ci_check"
        with psycopg.connect(url) as conn:
            assert conn.execute("show listen_addresses").fetchone() == ("127.0.0.1",)
            assert conn.execute("show fsync").fetchone() == ("off",)
    finally:
        subprocess.run([*cli, "stop", "--dir", cluster_dir], cwd=ROOT, timeout=120, check=True)
        shutil.rmtree(cluster_dir)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
