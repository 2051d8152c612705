"""bench.lighthouse's pure functions: the targets and the reading of a report (no browser)."""

import pytest

from bench import lighthouse


def _scores(performance=100, accessibility=100, best=100, seo=100):
    return {
        "performance": performance,
        "accessibility": accessibility,
        "best-practices": best,
        "seo": seo,
        "failing": [],
    }


def test_targets_hold_every_page_to_95_and_100_and_public_pages_to_seo_100():
    scores = {"home": _scores(performance=95, seo=92), "form": _scores(seo=60)}

    assert lighthouse.targets(scores, public={"home"}) == [
        {"target": "lighthouse home performance", "measured": "95", "limit": ">= 95", "pass": True},
        {
            "target": "lighthouse home accessibility",
            "measured": "100",
            "limit": "== 100",
            "pass": True,
        },
        {
            "target": "lighthouse home best-practices",
            "measured": "100",
            "limit": "== 100",
            "pass": True,
        },
        {"target": "lighthouse home seo", "measured": "92", "limit": "== 100", "pass": False},
        {
            "target": "lighthouse form performance",
            "measured": "100",
            "limit": ">= 95",
            "pass": True,
        },
        {
            "target": "lighthouse form accessibility",
            "measured": "100",
            "limit": "== 100",
            "pass": True,
        },
        {
            "target": "lighthouse form best-practices",
            "measured": "100",
            "limit": "== 100",
            "pass": True,
        },
    ]


def test_targets_fail_below_the_limits():
    scores = {"city": _scores(performance=94, accessibility=99, best=96)}

    verdicts = {t["target"]: t["pass"] for t in lighthouse.targets(scores, public={"city"})}

    assert verdicts == {
        "lighthouse city performance": False,
        "lighthouse city accessibility": False,
        "lighthouse city best-practices": False,
        "lighthouse city seo": True,
    }


def test_a_page_with_an_error_fails_every_target_it_has():
    targets = lighthouse.targets({"embed": {"error": "NO_FCP"}}, public={"embed"})

    assert [(t["target"], t["measured"], t["pass"]) for t in targets] == [
        ("lighthouse embed performance", "error", False),
        ("lighthouse embed accessibility", "error", False),
        ("lighthouse embed best-practices", "error", False),
        ("lighthouse embed seo", "error", False),
    ]


def _lhr(**category_scores):
    audits = {
        "meta-description": {"score": 0},
        "document-title": {"score": 1},
        "largest-contentful-paint": {"score": 0.87},
        "diagnostics": {"score": None},
    }
    refs = {
        "performance": ["largest-contentful-paint", "diagnostics"],
        "seo": ["meta-description", "document-title"],
    }
    return {
        "categories": {
            name: {"score": score, "auditRefs": [{"id": i} for i in refs.get(name, [])]}
            for name, score in category_scores.items()
        },
        "audits": audits,
    }


def test_read_report_rounds_scores_as_lighthouse_shows_them_and_lists_failing_audits():
    lhr = _lhr(performance=0.945, accessibility=1, **{"best-practices": 0.96}, seo=0.9)

    assert lighthouse.read_report(lhr) == {
        "performance": 95,
        "accessibility": 100,
        "best-practices": 96,
        "seo": 90,
        "failing": ["largest-contentful-paint", "meta-description"],
    }


def test_read_report_without_a_score_gives_lighthouses_error():
    lhr = _lhr(performance=None, accessibility=1, **{"best-practices": 1}, seo=1)
    lhr["runtimeError"] = {"code": "NO_FCP", "message": "The page did not paint any content."}

    assert lighthouse.read_report(lhr) == {"error": "The page did not paint any content."}


def test_read_report_refuses_a_page_that_redirected():
    lhr = _lhr(performance=1, accessibility=1, **{"best-practices": 1}, seo=1)
    lhr["requestedUrl"] = "http://127.0.0.1:1/assess/1/criteria/1/"
    lhr["finalDisplayedUrl"] = "http://127.0.0.1:1/accounts/login/?next=/assess/1/criteria/1/"

    assert lighthouse.read_report(lhr) == {
        "error": "redirected to http://127.0.0.1:1/accounts/login/?next=/assess/1/criteria/1/"
    }


def test_lighthouse_command_passes_headers_and_a_fresh_profile():
    cmd = lighthouse.lighthouse_command(
        url="http://127.0.0.1:1/",
        headers_file="/tmp/headers.json",
        report_path="/tmp/r.json",
        user_data_dir="/tmp/profile",
    )

    assert cmd[1] == "http://127.0.0.1:1/"
    assert cmd[-1] == "--extra-headers=/tmp/headers.json"
    flags = next(c for c in cmd if c.startswith("--chrome-flags="))
    assert flags.split("=", 1)[1].split() == [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--user-data-dir=/tmp/profile",
    ]


def test_ensure_installed_names_the_debian_packages_when_npm_is_missing(monkeypatch):
    monkeypatch.setattr(lighthouse, "_installed_at", lambda: None)
    monkeypatch.setattr(lighthouse.shutil, "which", lambda name: None)

    with pytest.raises(RuntimeError) as raised:
        lighthouse.ensure_installed(say=print)

    assert str(raised.value) == (
        "Lighthouse needs Node.js and npm: run `sudo apt-get install nodejs npm`"
    )


def test_ensure_installed_leaves_a_fresh_install_alone(monkeypatch):
    lock_mtime = (lighthouse.TOOL_DIR / "package-lock.json").stat().st_mtime
    monkeypatch.setattr(lighthouse, "_installed_at", lambda: lock_mtime + 1)
    monkeypatch.setattr(lighthouse, "LIGHTHOUSE_BIN", lighthouse.TOOL_DIR / "package.json")
    monkeypatch.setattr(lighthouse.subprocess, "run", pytest.fail)

    lighthouse.ensure_installed(say=pytest.fail)


def test_a_lost_trace_is_run_again_but_not_a_missing_page():
    lost = (
        "lighthouse exit 1: Runtime error encountered: Something went wrong with recording "
        "the trace over your page load. Please run Lighthouse again. (NO_NAVSTART)"
    )
    missing = "lighthouse exit 1: Runtime error encountered: ... (Status code: 404)"

    assert [
        lighthouse.is_transient({"error": lost}),
        lighthouse.is_transient({"error": "lighthouse exit 1: PROTOCOL_TIMEOUT"}),
        lighthouse.is_transient({"error": missing}),
        lighthouse.is_transient({"error": "redirected to http://127.0.0.1:1/accounts/login/"}),
        lighthouse.is_transient(_scores()),
    ] == [True, True, False, False, False]


def test_measure_runs_a_page_again_after_a_lost_trace(monkeypatch, tmp_path):
    runs = iter([{"error": "(NO_NAVSTART) Please run Lighthouse again."}, _scores(seo=92)])
    calls = []

    def fake(*, url, headers, report_path):
        calls.append(url)
        return next(runs)

    monkeypatch.setattr(lighthouse, "measure_page", fake)
    said = []

    scores = lighthouse.measure(
        base_url="http://127.0.0.1:1/",
        pages={"home": {"path": "/", "headers": {}}},
        out_dir=tmp_path,
        say=said.append,
    )

    assert scores == {"home": _scores(seo=92)}
    assert calls == ["http://127.0.0.1:1/", "http://127.0.0.1:1/"]
    assert said[-1] == (
        "  lighthouse home: run 1 failed, once more ((NO_NAVSTART) Please run Lighthouse again.)"
    )
