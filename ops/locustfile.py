"""The simulated people of ops/load.py and ops/db_fault.py, run by locust in its own process
(`python -m locust -f ops/locustfile.py --headless ...`; ops.common.run_locust starts it).

The script writes the plan (accounts, password, assessment, pages, user counts) to the JSON
file named by OVP_LOCUST_PLAN. When locust quits, every request (time, name, path, status,
error) and every save (time, criterion, text, outcome) go to the file named by
OVP_LOCUST_OUT, and locust's CSV statistics beside it, for the script to check against
the database.
"""

import csv
import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, constant, events, task
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

PLAN = json.loads(Path(os.environ["OVP_LOCUST_PLAN"]).read_text())
REQUESTS, SAVES = [], []
# The conflict section of the criterion page, whoever saved in between (someone else, or
# the same account in another window, which the load's shared accounts do).
CONFLICT_TEXT = 'id="conflict-heading"'
BASE_VERSION = re.compile(r'<input[^>]*name="base_version"[^>]*value="(\d+)"')
_accounts = itertools.count()


@events.request.add_listener
def _record(name, response, exception, url, **_kw):
    if name != "login":
        parts = urlsplit(url or "")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        error = None if exception is None else f"{type(exception).__name__}: {exception}"[:200]
        REQUESTS.append([time.time(), name, path, getattr(response, "status_code", 0), error])


@events.quitting.add_listener
def _write(environment, **_kw):
    out = Path(os.environ["OVP_LOCUST_OUT"])
    out.write_text(json.dumps({"requests": REQUESTS, "saves": SAVES}))
    # locust's CSV statistics, written once every user has finished its last request (the
    # --csv writer runs once a second and misses what finishes after its last turn).
    with open(out.with_suffix(".csv"), "w", newline="") as stats:
        StatsCSV(environment, PERCENTILES_TO_REPORT).requests_csv(csv.writer(stats))


def entry_form(*, base, strengths):
    """A draft save of one criterion, without evidence links, as the page's form posts it."""
    return {
        "base_version": str(base),
        "applicability": "assessed",
        "level": "2",
        "justification": "",
        "strengths": strengths,
        "opportunities": "Fictional opportunities written by an operations script.",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "50",
        "action": "save",
    }


class Staff(FastHttpUser):
    """A staff member of the office, logged in with the next account of the plan."""

    abstract = True
    wait_time = constant(0)

    def on_start(self):
        self.index = next(_accounts)
        self.username = PLAN["usernames"][self.index % len(PLAN["usernames"])]
        self.saved = 0
        self.client.get("/accounts/login/", name="login")
        login = {"login": self.username, "password": PLAN["password"]}
        response = self.post("/accounts/login/", login, name="login")
        if response.status_code != 302:
            raise RuntimeError(f"login as {self.username}: HTTP {response.status_code}")

    def get(self, path, name, **kw):
        return self.client.get(path, name=name, allow_redirects=False, **kw)

    def post(self, path, data, **kw):
        token = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")
        return self.client.post(
            path, data=urlencode({**data, "csrfmiddlewaretoken": token}), allow_redirects=False,
            headers={"Content-Type": "application/x-www-form-urlencoded"}, **kw,
        )  # fmt: skip

    def save(self, number, typing=0.0):
        """Open criterion `number`'s form, wait `typing` seconds at most, post a draft.
        False when the form did not load."""
        path = f"/assess/{PLAN['assessment']}/criteria/{number}/"
        page = self.get(path, "save-form")
        found = BASE_VERSION.search(page.text or "") if page.status_code == 200 else None
        if found is None:
            SAVES.append([time.time(), number, None, "form not loaded"])
            return False
        time.sleep(random.uniform(0, typing))  # noqa: S311 - typing: others may save meanwhile
        self.saved += 1
        text = f"{self.username} #{self.index} save {self.saved} on {number}"
        form = entry_form(base=int(found.group(1)), strengths=text)
        with self.post(path, form, name="save", catch_response=True) as response:
            status = response.status_code
            if status == 302:
                outcome = "stored"
            elif status == 409 and CONFLICT_TEXT in (response.text or ""):
                outcome = "conflict"
            else:
                outcome = f"HTTP {status}" if status else "no answer"
            if outcome in ("stored", "conflict"):
                response.success()
            else:
                response.failure(outcome)
        SAVES.append([time.time(), number, text, outcome])
        return True


class Editor(Staff):
    """ops/load.py: 80% page reads, 15% draft saves (all editors on the same few criteria,
    so that edit conflicts happen), 5% PDF scorecards."""

    @task(80)
    def read(self):
        self.get(random.choice(PLAN["reads"]), "read")  # noqa: S311 - a workload

    @task(15)
    def save_draft(self):
        self.save(random.choice(PLAN["criteria"]), typing=0.3)  # noqa: S311

    @task(5)
    def scorecard(self):
        with self.get(random.choice(PLAN["scorecards"]), "scorecard", catch_response=True) as r:  # noqa: S311
            if r.status_code == 200 and not r.content.startswith(b"%PDF-"):
                r.failure("not a PDF")


class Writer(Staff):
    """ops/db_fault.py: saves drafts of a criterion of its own (no edit conflicts)."""

    fixed_count = PLAN.get("writers", 0)

    @task
    def save_own(self):
        if not self.save(self.index + 1):
            time.sleep(0.05)  # the database is down: do not spin


class Reader(FastHttpUser):
    """ops/db_fault.py: anonymous reads, one after the other."""

    fixed_count = PLAN.get("readers", 0)
    wait_time = constant(0)

    def on_start(self):
        self.paths = itertools.cycle(["/healthz", "/", "/cities/"])

    @task
    def read(self):
        self.client.get(next(self.paths), name="read", allow_redirects=False)


class Health(FastHttpUser):
    """ops/db_fault.py: /healthz every 0.1 s."""

    fixed_count = 1
    wait_time = constant(0.1)

    @task
    def probe(self):
        self.client.get("/healthz", name="health", allow_redirects=False)
