"""Hostile scorecards: how long until the request is answered, and what the render costs.

`measure_scorecard()` builds, in the database the caller has set up (migrated, report data
loaded), one published self-assessment per hostile text through the app's own workflow:
the staff form validates every criterion (assessments.forms.EntryForm), then
assessments.workflow saves, submits and publishes it. It then asks for each scorecard
through the whole request path (Django's test client, middleware and view, so the render
runs in the separate render process, as in production) and measures:

- the time until the request is answered, first (a render) and again (the remembered
  failure, or the cached PDF);
- the render's peak memory (the render child's peak resident memory, VmHWM);
- this process's memory (the web process) before and after: it must stay flat.

A text that the form refuses is reported as refused and not rendered: once the fields have
limits on lines and word length, the worst accepted texts are smaller. Adjust
HOSTILE_TEXTS to the worst texts the form accepts.

Everything is done in a transaction that is rolled back, with a throwaway scorecard cache.

`python -m bench.hostile` does it in a throwaway SQLite database (or, with DATABASE_URL, in
that database, which must be migrated and loaded) and prints JSON:

    DJANGO_SETTINGS_MODULE=ovp_assess.settings python -m bench.hostile [--timeout S]
        [--memory-mb MB] [--rss-mb MB]
"""

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

# The worst cases of the hardening issue (finding 1), each filling every text field of all
# nine criteria; each is cut to the longest text a field takes (settings.MAX_TEXT_LENGTH).
HOSTILE_TEXTS = [
    ("many short lines", "x\n" * 2500),
    ("one 5,000-character word", "x" * 5000),
    ("combining marks", ("a" + "\u0301" * 9) * 500),
    ("right-to-left with emoji", "مرحبا بالعالم 🎉👩🏽‍⚕️ " * 250),
    # The worst texts the form accepts (60 lines, 200-character words, 20 emoji).
    ("60 lines, at the limit", "a line of words\n" * 60),
    ("200-character words, at the limit", ("x" * 199 + " ") * 25),
    ("combining marks, in 190-character words", (("a" + "\u0301" * 9) * 19 + " ") * 26),
    ("right-to-left with 20 emoji", "🎉👩🏽 " * 5 + "مرحبا بالعالم " * 350),
]
# The targets: a hostile scorecard is answered within TARGET_SECONDS and its render stays
# under TARGET_MB; the web process grows by less than WEB_GROWTH_MB.
TARGET_SECONDS = 3.0
TARGET_MB = 300
WEB_GROWTH_MB = 25


def status_mb(field, pid="self"):
    """A memory figure from /proc/PID/status, in MB (None off Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def measure_scorecard(*, texts=None, language="en"):
    """Figures of the hostile scorecards (see the module's docstring), as a dict.

    `texts` is [(name, text)], default HOSTILE_TEXTS. Call with Django set up and the
    report data loaded.
    """
    from django.conf import settings
    from django.core.signals import request_finished
    from django.db import close_old_connections, transaction
    from django.test import override_settings

    texts = HOSTILE_TEXTS if texts is None else texts
    # As Django's TestCase: the end of a request must not close the connection that holds
    # the transaction.
    connected = request_finished.disconnect(close_old_connections)
    try:
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with (
            tempfile.TemporaryDirectory(prefix="ovp-hostile-") as cache_dir,
            override_settings(PDF_CACHE_DIR=Path(cache_dir), ALLOWED_HOSTS=hosts),
            transaction.atomic(),
        ):
            result = _measure(texts=texts, language=language)
            transaction.set_rollback(True)
    finally:
        if connected:
            request_finished.connect(close_old_connections)
    return result


def _measure(*, texts, language):
    from django.conf import settings
    from django.test import Client

    from reports import pdf

    # A worker's first render starts its render process (WeasyPrint's import): measured
    # apart, so that the hostile figures are those of a warm worker.
    t0 = time.perf_counter()
    pdf.render_pdf(html="<p>warm</p>")
    renderer_start_s = time.perf_counter() - t0

    people = _people()
    client = Client(raise_request_exception=False)  # anonymous: the scorecards are published
    # A worker has served requests before: its first one loads URLs, templates, catalogs.
    for path in ("/healthz", "/reports/scorecards/0.pdf", "/"):
        client.get(path, secure=True)
    web_before = status_mb("VmRSS")
    cases = []
    for n, (name, text) in enumerate(texts, start=1):
        text = text[: settings.MAX_TEXT_LENGTH]
        case = {"name": name, "chars": len(text)}
        assessment, errors = _build(text=text, number=n, **people)
        if errors:
            case.update(accepted=False, errors=errors)
            cases.append(case)
            continue
        case["accepted"] = True
        url = f"/reports/scorecards/{assessment.pk}.pdf?lang={language}"
        for attempt in ("first", "again"):
            renders = pdf.render_count
            started = time.perf_counter()
            response = client.get(url, secure=True)  # as behind the HTTPS proxy
            if response.streaming:
                b"".join(response.streaming_content)  # closes it, as a WSGI server would
            _check(url, response)
            figures = {
                "status": response.status_code,
                "seconds": round(time.perf_counter() - started, 2),
                "rendered": pdf.render_count > renders,
            }
            if figures["rendered"] and pdf.last_render is not None:
                figures.update(
                    outcome=pdf.last_render.outcome,
                    render_seconds=pdf.last_render.seconds,
                    peak_mb=pdf.last_render.peak_mb,
                    address_space_mb=pdf.last_render.address_space_mb,
                    cpu_seconds=pdf.last_render.cpu_seconds,
                )
            case[attempt] = figures
        cases.append(case)
    web_after = status_mb("VmRSS")
    return _summary(
        cases=cases,
        web={"rss_before_mb": web_before, "rss_after_mb": web_after, "hwm_mb": status_mb("VmHWM")},
        limits={
            "timeout_s": settings.PDF_RENDER_TIMEOUT,
            "memory_mb": settings.PDF_RENDER_MEMORY_MB,
            "rss_mb": settings.PDF_RENDER_RSS_MB,
            "concurrency": settings.PDF_RENDER_CONCURRENCY,
            "max_text_length": settings.MAX_TEXT_LENGTH,
        },
        renderer_start_s=renderer_start_s,
    )


def _check(url, response):
    """A scorecard answers its PDF or the page saying it could not be rendered."""
    content_type = response.get("Content-Type", "")
    if response.status_code == 200 and content_type == "application/pdf":
        return
    if response.status_code in (500, 503) and b'id="problem-message"' in response.content:
        return
    raise RuntimeError(f"{url} answered {response.status_code} {content_type}: not a scorecard")


def _people():
    from django.contrib.auth.models import Group, User

    from assessments.access import REVIEWERS
    from assessments.models import Membership
    from cities.models import City, Country, Origin

    tag = secrets.token_hex(4)
    country = Country.objects.create(
        name=f"Hostileland {tag}", slug=f"hostileland-{tag}", region="other", origin=Origin.DEMO
    )
    city = City.objects.create(
        name=f"Hostile City {tag}", slug=f"hostile-city-{tag}", country=country, origin=Origin.DEMO
    )
    staff = User.objects.create_user(f"hostile-staff-{tag}")
    reviewer = User.objects.create_user(f"hostile-reviewer-{tag}")
    reviewer.groups.add(Group.objects.get_or_create(name=REVIEWERS)[0])
    return {"city": city, "staff": staff, "reviewer": reviewer, "membership": Membership}


def _build(*, text, number, city, staff, reviewer, membership):
    """(published assessment, None), or (None, form errors) when the form refuses `text`."""
    from assessments import workflow
    from assessments.forms import EntryForm
    from assessments.models import Entry
    from cities.models import Office

    office = Office.objects.create(
        name=f"Hostile Office {number}",
        slug=f"hostile-office-{number}",
        city=city,
        institutional_home="mayor",
    )
    membership.objects.create(user=staff, office=office, role=membership.Role.EDITOR)
    assessment = workflow.start_assessment(office=office, cycle=2025, user=staff)
    entries = Entry.objects.filter(assessment=assessment).select_related("criterion")
    for entry in entries.order_by("criterion__number"):
        form = EntryForm(
            {
                "base_version": entry.version,
                "applicability": Entry.Applicability.ASSESSED,
                "level": "2",
                "justification": "",
                "strengths": text,
                "opportunities": text,
            },
            criterion=entry.criterion,
        )
        if not form.is_valid():
            return None, {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        entry.assessment = assessment
        result = workflow.save_entry(
            entry=entry,
            data={**form.cleaned_data, "evidence": []},
            base_version=form.cleaned_data["base_version"],
            user=staff,
        )
        assert result.saved, "nobody else edits this assessment"
    missing = workflow.submit(assessment=assessment, user=staff)
    assert not missing, missing
    workflow.publish(assessment=assessment, user=reviewer)
    return assessment, None


def _summary(*, cases, web, limits, renderer_start_s):
    accepted = [c for c in cases if c["accepted"]]
    slowest = max((c["first"]["seconds"] for c in accepted), default=None)
    again = max((c["again"]["seconds"] for c in accepted), default=None)
    peaks = [c["first"].get("peak_mb") for c in accepted if c["first"].get("peak_mb")]
    peak = max(peaks, default=None)
    growth = None
    if web["rss_before_mb"] is not None and web["rss_after_mb"] is not None:
        growth = round(web["rss_after_mb"] - web["rss_before_mb"], 1)

    def target(name, measured, limit, ok):
        # As bench.report: pass is None when not measured; True when every text was refused.
        return {"target": name, "measured": measured, "limit": limit, "pass": ok}

    none_accepted = not accepted
    targets = [
        target(
            "hostile scorecard answered (slowest text)",
            "all refused by the form" if none_accepted else f"{slowest:.2f} s",
            f"< {TARGET_SECONDS:g} s",
            True if none_accepted else slowest < TARGET_SECONDS,
        ),
        target(
            "hostile scorecard render peak memory",
            "all refused by the form" if none_accepted else (peak and f"{peak:.0f} MB"),
            f"< {TARGET_MB} MB",
            True if none_accepted else (None if peak is None else peak < TARGET_MB),
        ),
        target(
            "web process memory growth over the hostile scorecards",
            None if growth is None else f"{growth:+.1f} MB",
            f"< {WEB_GROWTH_MB} MB",
            None if growth is None else growth < WEB_GROWTH_MB,
        ),
    ]
    return {
        "slowest_s": slowest,
        "again_slowest_s": again,
        "peak_mb": peak,
        "web": {**web, "growth_mb": growth},
        "renderer_start_s": round(renderer_start_s, 2),
        "limits": limits,
        "cases": cases,
        "targets": targets,
        "pass": all(t["pass"] is not False for t in targets),
    }


# The revision diff's worst case (finding 2 of the hardening issue): quadratic for difflib.
HOSTILE_DIFFS = [
    ("repeated word, shifted", "x " * 2500, "y x " * 1250),
    ("no common word", "a " * 2500, "b " * 2500),
]
TARGET_DIFF_SECONDS = 1.0


def measure_diff():
    """The slowest word diff of the hostile pairs, as the "show changes" page makes it."""
    from assessments.history import word_diff

    cases = []
    for name, old, new in HOSTILE_DIFFS:
        start = time.perf_counter()
        word_diff(old, new)
        cases.append({"name": name, "seconds": round(time.perf_counter() - start, 3)})
    slowest = max(c["seconds"] for c in cases)
    target = {
        "target": "hostile revision diff answered",
        "measured": f"{slowest:.2f} s",
        "limit": f"< {TARGET_DIFF_SECONDS:g} s",
        "pass": slowest < TARGET_DIFF_SECONDS,
    }
    return {"slowest_s": slowest, "cases": cases, "target": target}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.hostile")
    parser.add_argument("--timeout", type=int, help="PDF_RENDER_TIMEOUT for this run (s)")
    parser.add_argument("--memory-mb", type=int, help="PDF_RENDER_MEMORY_MB for this run")
    parser.add_argument("--rss-mb", type=int, help="PDF_RENDER_RSS_MB for this run")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ovp_assess.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("STATIC_MANIFEST", "0")  # no collectstatic for this run
    if args.timeout is not None:
        os.environ["PDF_RENDER_TIMEOUT"] = str(args.timeout)
    if args.memory_mb is not None:
        os.environ["PDF_RENDER_MEMORY_MB"] = str(args.memory_mb)
    if args.rss_mb is not None:
        os.environ["PDF_RENDER_RSS_MB"] = str(args.rss_mb)
    with tempfile.TemporaryDirectory(prefix="ovp-hostile-db-") as folder:
        if not os.environ.get("DATABASE_URL"):
            # A throwaway SQLite database, migrated and loaded with the report's data.
            os.environ["SQLITE_PATH"] = str(Path(folder) / "hostile.sqlite3")
            os.environ.setdefault("OVP_VAR_DIR", folder)
        import django

        django.setup()
        if not os.environ.get("DATABASE_URL"):
            from django.core.management import call_command

            from assessments.report_data import load_report

            call_command("migrate", verbosity=0)
            load_report()
        result = measure_scorecard()
        result["diff"] = measure_diff()
        result["targets"].append(result["diff"]["target"])
        result["pass"] = result["pass"] and result["diff"]["target"]["pass"]
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
