"""What a browser measures: Lighthouse (npm, tools/lighthouse) on Debian's Chromium.

`ensure_installed` installs the pinned Lighthouse with `npm ci`; `measure` runs it once per
page with its default mobile profile (simulated throttling) and returns each category's
score and the audits that lost points; `targets` turns the scores into the bench's targets.
Nothing downloads a browser: Lighthouse is pointed at /usr/bin/chromium (CHROME_PATH).

By hand, against a server that is already running:

    .venv/bin/python -m bench.lighthouse --base-url http://127.0.0.1:8000 \\
        --page home=/ --page form=/assess/1/criteria/1/ --cookie form=sessionid=... \\
        --public home --out var/lighthouse
"""

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from . import ROOT

TOOL_DIR = ROOT / "tools" / "lighthouse"
LIGHTHOUSE_BIN = TOOL_DIR / "node_modules" / ".bin" / "lighthouse"
DEFAULT_CHROME = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PERFORMANCE_MIN = 95
# A page's run: ~15-25 s on two cores; a hung Chromium must not hang the bench.
PAGE_TIMEOUT_S = 180
# Runs that failed with one of these (or Lighthouse's "Please run Lighthouse again") are
# repeated, up to ATTEMPTS in all: on two busy cores a trace is sometimes lost (NO_NAVSTART).
TRANSIENT_CODES = ("NO_NAVSTART", "NO_TRACING_STARTED", "PROTOCOL_TIMEOUT")
ATTEMPTS = 3
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def _installed_at():
    """When node_modules was last installed (npm writes its hidden lock there), or None."""
    for path in (TOOL_DIR / "node_modules" / ".package-lock.json", LIGHTHOUSE_BIN):
        if path.exists():
            return path.stat().st_mtime
    return None


def ensure_installed(*, say):
    """`npm ci` in tools/lighthouse when node_modules is missing or older than the lock."""
    installed = _installed_at()
    lock = TOOL_DIR / "package-lock.json"
    if installed is not None and installed >= lock.stat().st_mtime and LIGHTHOUSE_BIN.exists():
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError(
            "Lighthouse needs Node.js and npm: run `sudo apt-get install nodejs npm`"
        )
    say("Installing Lighthouse (npm ci --prefix tools/lighthouse)")
    proc = subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
        [npm, "ci", "--prefix", str(TOOL_DIR), "--no-audit", "--no-fund"],
        cwd=ROOT,
        env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"npm ci failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    if not LIGHTHOUSE_BIN.exists():
        raise RuntimeError(f"npm ci did not install {LIGHTHOUSE_BIN.relative_to(ROOT)}")


def chrome_path():
    path = os.environ.get("CHROME_PATH") or DEFAULT_CHROME
    if not Path(path).exists():
        raise RuntimeError(f"no Chromium at {path}: run `sudo apt-get install chromium`")
    return path


def score_100(score):
    """A category score (0-1) as Lighthouse shows it: rounded half up to 0-100."""
    return math.floor(score * 100 + 0.5)


def read_report(lhr):
    """{category: 0-100, "failing": [audit ids]} from a Lighthouse JSON report, or
    {"error": ...} when a category has no score (the page did not load, for instance).

    Failing audits are those of the four categories that scored below 1 (informative and
    not-applicable audits have no score). A redirect is an error: an expired session would
    otherwise have the login page measured in place of the page asked for."""
    requested, final = lhr.get("requestedUrl"), lhr.get("finalDisplayedUrl")
    if requested and final and requested != final:
        return {"error": f"redirected to {final}"}
    categories = lhr.get("categories") or {}
    out = {}
    failing = set()
    for name in CATEGORIES:
        category = categories.get(name) or {}
        if category.get("score") is None:
            error = (lhr.get("runtimeError") or {}).get("message") or f"no {name} score"
            return {"error": error}
        out[name] = score_100(category["score"])
        for ref in category.get("auditRefs", []):
            score = (lhr.get("audits", {}).get(ref["id"]) or {}).get("score")
            if score is not None and score < 1:
                failing.add(ref["id"])
    out["failing"] = sorted(failing)
    return out


def lighthouse_command(*, url, headers_file, report_path, user_data_dir):
    flags = [*CHROME_FLAGS, f"--user-data-dir={user_data_dir}"]
    cmd = [
        str(LIGHTHOUSE_BIN),
        url,
        "--output=json",
        f"--output-path={report_path}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(flags)}",
        "--no-enable-error-reporting",
        # Unused by the scores; it makes each run and report slower and larger.
        "--disable-full-page-screenshot",
        "--quiet",
    ]
    if headers_file:
        cmd.append(f"--extra-headers={headers_file}")
    return cmd


def measure_page(*, url, headers, report_path):
    """One Lighthouse run in a fresh Chromium profile: read_report's dict."""
    with tempfile.TemporaryDirectory(prefix="ovp-lighthouse-") as work:
        # Headers (a session cookie) in a file, not on a command line that `ps` shows.
        headers_file = None
        if headers:
            headers_file = Path(work) / "headers.json"
            headers_file.write_text(json.dumps(headers))
        cmd = lighthouse_command(
            url=url,
            headers_file=headers_file,
            report_path=report_path,
            user_data_dir=Path(work) / "profile",
        )
        # A session of its own: on a timeout, Chromium goes with Lighthouse's node.
        proc = subprocess.Popen(  # noqa: S603 - our pinned Lighthouse, fixed arguments
            cmd,
            cwd=ROOT,
            env={**os.environ, "CHROME_PATH": chrome_path()},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=PAGE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"error": f"lighthouse did not finish within {PAGE_TIMEOUT_S} s"}
    if proc.returncode != 0 or not report_path.exists():
        tail = (stderr or stdout).strip().splitlines()[-5:]
        return {"error": f"lighthouse exit {proc.returncode}: {' | '.join(tail)}"}
    return read_report(json.loads(report_path.read_text()))


def measure(*, base_url, pages, out_dir, say):
    """Run Lighthouse on each page, one after the other (two cores: runs in parallel would
    measure each other). `pages` maps a name to {"path": "/...", "headers": {...}}; each
    JSON report goes to out_dir/NAME.json. Returns {name: scores or {"error": ...}}."""
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, page in pages.items():
        report_path = out_dir / f"{name}.json"
        report_path.unlink(missing_ok=True)
        say(f"  lighthouse {name}: {page['path']}")
        for attempt in range(1, ATTEMPTS + 1):
            results[name] = measure_page(
                url=base_url.rstrip("/") + page["path"],
                headers=page.get("headers") or {},
                report_path=report_path,
            )
            if attempt == ATTEMPTS or not is_transient(results[name]):
                break
            say(f"  lighthouse {name}: run {attempt} failed, once more ({results[name]['error']})")
    return results


def is_transient(result):
    """Whether a run failed the way Lighthouse says to try again (a trace lost on a busy
    machine), not because of the page."""
    error = result.get("error") or ""
    return "run Lighthouse again" in error or any(code in error for code in TRANSIENT_CODES)


def _target(page, category, measured, limit, ok):
    return {
        "target": f"lighthouse {page} {category}",
        "measured": measured,
        "limit": limit,
        "pass": ok,
    }


def targets(scores, *, public):
    """The bench's targets: performance >= 95, accessibility and best practices 100 on every
    page, SEO 100 on the `public` ones. A page that could not be measured fails."""
    out = []
    for page, result in scores.items():
        for category in CATEGORIES:
            if category == "seo" and page not in public:
                continue
            minimum = PERFORMANCE_MIN if category == "performance" else 100
            limit = f">= {minimum}" if minimum < 100 else "== 100"
            value = result.get(category)
            if "error" in result or value is None:
                out.append(_target(page, category, "error", limit, False))
            else:
                out.append(_target(page, category, str(value), limit, value >= minimum))
    return out


def format_scores(scores):
    """One line per page: its four scores and the audits that lost points, or its error."""
    lines = []
    width = max((len(name) for name in scores), default=0)
    for name, result in scores.items():
        if "error" in result:
            lines.append(f"{name:<{width}}  error: {result['error']}")
            continue
        figures = "  ".join(f"{c} {result[c]:>3}" for c in CATEGORIES)
        lines.append(f"{name:<{width}}  {figures}")
        if result.get("failing"):
            lines.append(f"{'':<{width}}  failing: {', '.join(result['failing'])}")
    return "\n".join(lines)


def _pairs(values, option):
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name or not rest:
            raise SystemExit(f"{option} takes NAME=VALUE, not {value!r}")
        out[name] = rest
    return out


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m bench.lighthouse", description=__doc__.split("\n")[0]
    )
    p.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000")
    p.add_argument("--page", action="append", default=[], help="NAME=/path (repeat)")
    p.add_argument("--cookie", action="append", default=[], help="NAME=Cookie header value")
    p.add_argument("--public", action="append", default=[], help="NAME of a page held to SEO 100")
    p.add_argument("--out", default=str(ROOT / "var" / "lighthouse"), help="JSON reports")
    args = p.parse_args(argv)
    paths = _pairs(args.page, "--page")
    cookies = _pairs(args.cookie, "--cookie")
    unknown = sorted(set(cookies) - set(paths)) + sorted(set(args.public) - set(paths))
    if not paths or unknown:
        p.error(f"no --page named {', '.join(unknown)}" if unknown else "give at least one --page")

    def say(message):
        print(message, file=sys.stderr, flush=True)

    ensure_installed(say=say)
    pages = {
        name: {"path": path, "headers": {"Cookie": cookies[name]} if name in cookies else {}}
        for name, path in paths.items()
    }
    scores = measure(base_url=args.base_url, pages=pages, out_dir=Path(args.out), say=say)
    print(format_scores(scores))
    if args.public:
        for t in targets(scores, public=set(args.public)):
            verdict = "PASS" if t["pass"] else "FAIL"
            print(f"{verdict}  {t['target']}: {t['measured']} ({t['limit']})")
    return 0 if all("error" not in s for s in scores.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
