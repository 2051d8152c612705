"""The benchmark databases: report data, demo data and N synthetic offices.

A database is rebuilt only when what goes into it changed: the fixtures, the migrations,
the management commands and the modules that make demo and synthetic data (hashed), or the
synth arguments. SQLite databases are built under a temporary name and renamed when done,
so that an interrupted build is never reused. A larger database built in the same run starts
from a copy of a smaller one (`grow_from`) and only adds the offices it lacks: synth is
idempotent and office N is the same whatever the number of offices, so the result holds the
same data as a build from scratch, without migrating and seeding again.
"""

import hashlib
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from . import ROOT

# Files whose content decides what the database holds.
INPUT_GLOBS = [
    "fixtures/**/*",
    "*/migrations/*.py",
    "*/management/commands/*.py",
    "ovp_assess/report_data.py",
    "*/synth*.py",
    "*/demo*.py",
    "*/seed*.py",
]
STATIC_GLOBS = ["static/**/*", "ovp_assess/settings.py"]


def files_hash(root, globs, *, extra=()):
    """sha256 over the relative paths and contents of the files matching `globs`, plus `extra`.

    Deterministic: files are sorted, and directories, caches and compiled files skipped.
    """
    root = Path(root)
    digest = hashlib.sha256()
    paths = set()
    for pattern in globs:
        for path in root.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                paths.add(path)
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    for item in extra:
        digest.update(repr(item).encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def manage(args, *, env, log, check=True):
    """Run `python manage.py ARGS` with `env`, appending its output to `log`."""
    cmd = [sys.executable, "manage.py", *args]
    with open(log, "a") as out:
        out.write(f"$ {' '.join(args)}\n")
        out.flush()
        proc = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if check and proc.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed (exit {proc.returncode}); see {log}")
    return proc.returncode


def available_commands(env):
    out = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "help", "--commands"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def _data_steps(commands, *, offices, cycles, seed):
    steps = [["load_report"]]
    missing = []
    if "seed_demo" in commands:
        # A random password nobody needs: the bench logs in through sessions it creates.
        steps.append(["seed_demo", "--password", secrets.token_urlsafe(24)])
    else:
        missing.append("seed_demo")
    if "synth" in commands:
        steps.append(
            ["synth", "--offices", str(offices), "--cycles", str(cycles), "--seed", str(seed)]
        )
    else:
        missing.append("synth")
    return steps, missing


def build_steps(steps, *, grow_from):
    """The steps to run on a copy of `grow_from` (a database of fewer offices built with the
    same inputs), or all of them with `migrate` first when there is none."""
    if grow_from is None:
        return [["migrate", "--noinput"], *steps]
    return [step for step in steps if step[0] == "synth"]


def build_sqlite(path, *, env, offices, cycles, seed, rebuild, log, say, commands, grow_from=None):
    """Build (or reuse) the SQLite database at `path`. Returns (reused, missing commands).

    `grow_from`: a database of fewer offices just built by this run, copied and grown.
    """
    path = Path(path)
    steps, missing = _data_steps(commands, offices=offices, cycles=cycles, seed=seed)
    key = files_hash(ROOT, INPUT_GLOBS, extra=(offices, cycles, seed, sorted(c for c in commands)))
    stamp = path.with_name(path.name + ".stamp")
    if not rebuild and path.exists() and stamp.exists() and stamp.read_text().strip() == key:
        return True, missing

    building = path.with_name(path.stem + ".building" + path.suffix)
    for p in (building, path, stamp):
        for suffix in ("", "-wal", "-shm"):
            Path(str(p) + suffix).unlink(missing_ok=True)
    build_env = {**env, "SQLITE_PATH": str(building), "DEBUG": "1"}
    if grow_from is not None:
        shutil.copyfile(grow_from, building)
        say(f"  {path.name}: copied {Path(grow_from).name}")
    for step in build_steps(steps, grow_from=grow_from):
        started = time.perf_counter()
        manage(step, env=build_env, log=log)
        say(f"  {path.name}: {step[0]} {time.perf_counter() - started:.1f} s")
    # Fold the WAL back into the file so that the rename moves the whole database.
    con = sqlite3.connect(building)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    building.rename(path)
    stamp.write_text(key + "\n")
    return False, missing


def build_postgres(url, *, env, offices, cycles, seed, rebuild, log, say, stamp_dir, commands):
    """Fill the PostgreSQL database at `url` (emptied first). Returns (reused, missing)."""
    steps, missing = _data_steps(commands, offices=offices, cycles=cycles, seed=seed)
    key = files_hash(ROOT, INPUT_GLOBS, extra=(offices, cycles, seed, sorted(commands), url))
    stamp = Path(stamp_dir) / ("pg-" + hashlib.sha256(url.encode()).hexdigest()[:12] + ".stamp")
    if not rebuild and stamp.exists() and stamp.read_text().strip() == key:
        return True, missing
    stamp.unlink(missing_ok=True)
    build_env = {**env, "DATABASE_URL": url, "DEBUG": "1"}
    for step in [["migrate", "--noinput"], ["flush", "--noinput"], *steps]:
        started = time.perf_counter()
        manage(step, env=build_env, log=log)
        say(f"  postgres: {step[0]} {time.perf_counter() - started:.1f} s")
    stamp.write_text(key + "\n")
    return False, missing


def collectstatic(*, env, static_root, rebuild, log, say):
    """Hashed, compressed static files as production serves them (WhiteNoise manifest)."""
    key = files_hash(ROOT, STATIC_GLOBS)
    stamp = Path(static_root).with_name("static.stamp")
    manifest = Path(static_root) / "staticfiles.json"
    if not rebuild and manifest.exists() and stamp.exists() and stamp.read_text().strip() == key:
        return True
    started = time.perf_counter()
    manage(
        ["collectstatic", "--noinput", "--clear"],
        env={**env, "DEBUG": "0", "STATIC_MANIFEST": "1"},
        log=log,
    )
    stamp.write_text(key + "\n")
    say(f"  collectstatic {time.perf_counter() - started:.1f} s")
    return False


def clean_env():
    """The bench's own environment without settings that would point it elsewhere."""
    env = dict(os.environ)
    for name in (
        "DATABASE_URL",
        "SQLITE_PATH",
        "OVP_VAR_DIR",
        "PDF_CACHE_DIR",
        "DEBUG",
        "STATIC_MANIFEST",
        "SECURE_SSL_REDIRECT",
        "BEHIND_PROXY",
        "GUNICORN_ACCESS_LOG",
    ):
        env.pop(name, None)
    env["DJANGO_SETTINGS_MODULE"] = "ovp_assess.settings"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env
