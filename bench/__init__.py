"""`make bench`: OVP Assess measured against the tools it stands on.

`python -m bench` builds a database (report, demo and synthetic data), serves it with
gunicorn as in production, loads it from loopback for a fixed time, renders scorecards,
measures bytes and memory, prints a table and writes var/bench.json. See docs/bench.md.

The modules that run inside Django (queries, pdf, memory) are started as subprocesses with
the same environment as the gunicorn workers, so that the bench process itself never
imports the app.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
