"""A throwaway PostgreSQL cluster on 127.0.0.1, for .ci/run, ops/load.py and ops/db_fault.py.

Standard library only, so that .ci/run can start it before `make test` makes the virtualenv:

    python3 -m ops.pg start --dir DIR --port 54329 --db ovp_assess   # prints its DATABASE_URL
    python3 -m ops.pg stop --dir DIR

initdb refuses to run as root, so as root the cluster belongs to the `postgres` user. Made
for tests: trust authentication on loopback, fsync and full-page writes off.
"""

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

HOST = "127.0.0.1"
PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")


class Cluster:
    def __init__(self, directory, *, port=None, pgbin=PGBIN):
        self.dir = Path(directory)
        self.data = self.dir / "data"
        self.log = self.dir / "pg.log"
        self.port = port
        self.pgbin = Path(pgbin)
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args, check=True):
        cmd = [str(self.pgbin / args[0]), *map(str, args[1:])]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        # A file, not a pipe: the server started by pg_ctl inherits it and would hold a pipe.
        with open(self.dir / "pg_ctl.out", "a+") as out:
            result = subprocess.run(cmd, stdout=out, stderr=out, timeout=120, check=False)  # noqa: S603
            if check and result.returncode:
                out.seek(0)
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.read()[-2000:]}")
        return result

    def start(self):
        """initdb (the first time), then start and wait until it accepts connections."""
        if not (self.data / "PG_VERSION").exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            if self.user:
                shutil.chown(self.dir, self.user)
            self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8")  # fmt: skip
        options = (
            f"-c listen_addresses={HOST} -p {self.port} -k {self.dir} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-o", options, "start")

    def restart(self):
        """`pg_ctl restart -m fast`: every connection is cut, the server comes back."""
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-m", "fast", "-w", "restart")

    def stop(self, mode="immediate", check=False):
        if self.data.exists():
            self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=check)

    def createdb(self, name):
        """Create database `name`; its DATABASE_URL."""
        self._run("createdb", "-h", HOST, "-p", self.port, "-U", "postgres", name)
        return f"postgres://postgres@{HOST}:{self.port}/{name}"

    def log_tail(self, lines=20):
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m ops.pg", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", required=True, help="the cluster's directory (made if missing)")
    parser.add_argument("--port", type=int, default=54329)
    parser.add_argument("--pgbin", default=PGBIN, help="PostgreSQL's binaries (or $PGBIN)")
    parser.add_argument("--db", default="ovp_assess", help="database to create at start")
    args = parser.parse_args(argv)
    cluster = Cluster(args.dir, port=args.port, pgbin=args.pgbin)
    if args.action == "stop":
        cluster.stop()
        return 0
    try:
        cluster.start()
        print(cluster.createdb(args.db))
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"{exc}\n{cluster.log_tail()}", file=sys.stderr)
        cluster.stop()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
