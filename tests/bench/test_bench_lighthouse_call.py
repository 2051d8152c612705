"""How the bench calls bench/lighthouse.py (written on another branch): pages and public set."""

import argparse
import types

from bench import __main__ as bench_main


def _fake(calls):
    def ensure_installed(*, say):
        calls.append("installed")

    def measure(*, base_url, pages, out_dir, say):
        calls.append(("measure", base_url, pages, out_dir.name))
        return {name: {"performance": 100} for name in pages}

    def targets(scores, *, public):
        calls.append(("targets", sorted(scores), sorted(public)))
        return [{"target": "lh", "measured": "100", "limit": ">= 95", "pass": True}]

    return types.SimpleNamespace(
        ensure_installed=ensure_installed, measure=measure, targets=targets
    )


def _run(monkeypatch, tmp_path, *, no_lighthouse=False, module=True, embed=True):
    calls = []
    monkeypatch.setattr(bench_main, "lighthouse", _fake(calls) if module else None)
    cookie = {"Cookie": "sessionid=abc"}
    pages = {
        "home": {"path": "/", "headers": {}},
        "city": {"path": "/cities/cali/", "headers": {}},
        "matrix20": {"path": "/reports/matrix/?cities=cali", "headers": {}},
        "dashboard1000": {"path": "/reports/dashboard/", "headers": {}},
        "form": {"path": "/assess/16/criteria/1/", "headers": cookie},
        "team": {"path": "/assess/offices/1/team/", "headers": cookie},
    }
    probe = {"pages": {"embed": {"path": "/embed/scorecards/7/", "status": 200 if embed else 404}}}
    args = argparse.Namespace(no_lighthouse=no_lighthouse)
    result = bench_main.run_lighthouse(
        args, url="http://127.0.0.1:8000", pages=pages, probe=probe, bench_dir=tmp_path
    )
    return result, calls


def test_lighthouse_gets_the_six_pages_with_the_staff_cookie_and_five_public(monkeypatch, tmp_path):
    (scores, targets), calls = _run(monkeypatch, tmp_path)

    assert calls[0] == "installed"
    assert calls[1] == (
        "measure",
        "http://127.0.0.1:8000",
        {
            "home": {"path": "/", "headers": {}},
            "city": {"path": "/cities/cali/", "headers": {}},
            "matrix": {"path": "/reports/matrix/?cities=cali", "headers": {}},
            "dashboard": {"path": "/reports/dashboard/", "headers": {}},
            "form": {"path": "/assess/16/criteria/1/", "headers": {"Cookie": "sessionid=abc"}},
            "embed": {"path": "/embed/scorecards/7/", "headers": {}},
        },
        "lighthouse",
    )
    assert calls[2] == (
        "targets",
        ["city", "dashboard", "embed", "form", "home", "matrix"],
        ["city", "dashboard", "embed", "home", "matrix"],
    )
    assert targets == [{"target": "lh", "measured": "100", "limit": ">= 95", "pass": True}]
    assert scores["form"] == {"performance": 100}


def test_a_page_missing_from_the_database_is_an_error_score(monkeypatch, tmp_path):
    (scores, _targets), _calls = _run(monkeypatch, tmp_path, embed=False)
    assert scores["embed"] == {"error": "page not available in the bench database"}


def test_without_the_module_or_with_the_flag_lighthouse_is_not_measured(monkeypatch, tmp_path):
    (scores, targets), calls = _run(monkeypatch, tmp_path, module=False)
    assert (scores, calls) == ({}, [])
    assert targets == [
        {
            "target": "Lighthouse scores",
            "measured": "bench/lighthouse.py missing",
            "limit": "run",
            "pass": None,
        }
    ]
    (scores, targets), calls = _run(monkeypatch, tmp_path, no_lighthouse=True)
    assert (scores, calls) == ({}, [])
    assert targets[0]["measured"] == "skipped (--no-lighthouse)"
