"""Render HTML to PDF with WeasyPrint in a separate, limited process.

Why a separate process: one document of long texts (e.g. every field `"x\\n" * 2500`) kept
WeasyPrint busy for minutes and grew the web worker to over a gigabyte, which it kept. A
signal cannot stop WeasyPrint inside its C libraries, and Python never gives such memory
back, so every render now happens in a child process that is thrown away afterwards:

- **Process model.** Each web process starts, on its first render, a multiprocessing
  'forkserver' that imports WeasyPrint once (about 1.5 s, once per web process; see
  `start_renderer`). Every render is a fresh child forked from it in a few milliseconds:
  the web process itself never imports WeasyPrint and its memory does not grow with a
  document. The child gets the HTML, renders it and sends the PDF back over a pipe. The
  forkserver also renders one small document of ours before it forks (warm_up), so that
  children start with WeasyPrint's, cffi's and the fonts' one-time work done.
- **Time.** The child stops itself after `timeout` seconds (settings.PDF_RENDER_TIMEOUT,
  a timer signal) and says so; if it has not answered `KILL_GRACE` seconds later (stuck in
  C code), the web process kills it. RLIMIT_CPU and PR_SET_PDEATHSIG end a child whose
  web process died.
- **Memory.** The child limits its own address space (RLIMIT_AS,
  settings.PDF_RENDER_MEMORY_MB); beyond it allocations fail and the render ends, and a
  child that starts beyond it fails at once (_check_address_space). The
  address space runs 100 to 200 MB above what is really used, so the web process also
  kills a child whose resident memory passes settings.PDF_RENDER_RSS_MB (looked at every
  POLL seconds).
- **Concurrency.** At most settings.PDF_RENDER_CONCURRENCY renders run at once on one
  machine, across all web processes: a render holds an exclusive flock on one of that many
  slot files under settings.PDF_CACHE_DIR. A request that finds every slot busy for
  settings.PDF_RENDER_SLOT_WAIT seconds gets RenderBusy instead of queueing.
- **Fetching.** WeasyPrint may only read our own stylesheets and fonts from disk: the URL
  fetcher below, used in the child, refuses every other URL (network, other files, data:
  URIs, redirects), so nothing a user types can make the renderer fetch anything.

This module imports no WeasyPrint and reads no settings at import time, so that the
forkserver can preload it without setting Django up.
"""

import fcntl
import gc
import math
import os
import resource
import signal
import ssl
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

# The project's root, as settings.BASE_DIR: read from this file so that the forkserver
# needs no settings.
STATIC_DIR = (Path(__file__).resolve().parent.parent / "static").resolve()
# Only these folders and file types are ever read.
ALLOWED_DIRS = (STATIC_DIR / "css", STATIC_DIR / "fonts")
MIME_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
BASE_URL = STATIC_DIR.as_uri() + "/"

# How long the web process waits past the time limit for the child to stop itself and say
# so, before it kills the child.
KILL_GRACE = 0.5
# How often the web process looks at a running child (answer, memory, CPU time).
POLL = 0.05
# What the forkserver imports once, so that each child starts with WeasyPrint loaded;
# reports.pdf_warm_up, last, renders a small document once so that each child starts warm.
PRELOAD = [
    "__main__",
    "reports.pdf",
    "weasyprint",
    "weasyprint.text.fonts",
    "ctypes",
    "reports.pdf_warm_up",
]


class RenderFailed(Exception):
    """The document could not be rendered within the limits. `reason` says which limit.

    `seconds` is how long the render ran, `peak_mb` the child's peak resident memory and
    `cpu_seconds` the CPU time it got (None when unknown).
    """

    reason = "error"

    def __init__(self, detail="", *, seconds=None, peak_mb=None, cpu_seconds=None):
        super().__init__(detail or self.reason)
        self.detail = detail
        self.seconds = seconds
        self.peak_mb = peak_mb
        self.cpu_seconds = cpu_seconds


class RenderTimeout(RenderFailed):
    """The render took longer than its time limit (settings.PDF_RENDER_TIMEOUT)."""

    reason = "timeout"


class RenderOutOfMemory(RenderFailed):
    """The render needed more memory than settings.PDF_RENDER_MEMORY_MB."""

    reason = "memory"


FAILURES = {cls.reason: cls for cls in (RenderFailed, RenderTimeout, RenderOutOfMemory)}


class RenderBusy(Exception):
    """Every render slot of this machine stayed busy: nothing was rendered. Try later."""


@dataclass
class RenderReport:
    """What the last render in this process did: for the benchmark and tests."""

    outcome: str  # "ok", or a RenderFailed reason
    seconds: float
    peak_mb: float | None = None  # peak resident memory (VmHWM)
    address_space_mb: float | None = None  # peak address space (VmPeak), what RLIMIT_AS caps
    cpu_seconds: float | None = None
    attempts: list = field(default_factory=list)
    refused: list = field(default_factory=list)


# Renders started by this process (one child each), and the report of the last one.
render_count = 0
last_render = None


class StaticOnlyFetcher:
    """Serve our static CSS and fonts from disk; refuse everything else.

    `attempts` records every URL asked for and `refused` those turned down, for tests. The
    fetcher given to render_pdf() is a record: the child's own fetcher (the same rules on
    WeasyPrint's URLFetcher, see _child_fetcher) does the fetching, and its attempts and
    refusals are copied into the record. Defined without WeasyPrint, which the web process
    never imports.
    """

    _fail_on_errors = False  # as weasyprint.urls.URLFetcher: a refusal is a warning

    def __init__(self):
        self.attempts = []
        self.refused = []

    def fetch(self, url, headers=None):
        self.attempts.append(url)
        path = self._allowed_path(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"Refused to fetch {url!r}: only our own static files are served")
        from weasyprint.urls import URLFetcherResponse

        return URLFetcherResponse(
            url, path.read_bytes(), headers={"Content-Type": MIME_TYPES[path.suffix]}
        )

    def __call__(self, url):
        # WeasyPrint calls the fetcher; fetch() answers as weasyprint.urls.URLFetcher would.
        return self.fetch(url)

    @staticmethod
    def _allowed_path(url):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()  # resolves "..", symlinks
        if path.suffix.lower() not in MIME_TYPES or not path.is_file():
            return None
        if not any(path.is_relative_to(folder) for folder in ALLOWED_DIRS):
            return None
        return path


def _child_fetcher():
    """A StaticOnlyFetcher that is also WeasyPrint's URLFetcher, as its API asks for."""
    from weasyprint.urls import URLFetcher

    class ChildFetcher(StaticOnlyFetcher, URLFetcher):
        def __init__(self):
            # A bare TLS context: the default one loads the system's certificates (tens of
            # milliseconds per render), and nothing is ever fetched over the network.
            no_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            URLFetcher.__init__(
                self, ssl_context=no_tls, allowed_protocols=("file",), allow_redirects=False
            )
            StaticOnlyFetcher.__init__(self)

    return ChildFetcher()


def _weasyprint(html, fetcher, font_config=None):
    from weasyprint import HTML

    # Tagged PDF: headings, tables and reading order reach screen readers.
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(
        font_config=font_config or _load_fonts(), pdf_tags=True
    )


def _load_fonts():
    """WeasyPrint's font configuration, with fontconfig's default one loaded first.

    A child calls this before it limits its memory: fontconfig rewrites its cache files,
    which every process on the machine shares, when it cannot read them, and under a
    memory limit it wrote them with fonts missing (seen here: the next renders lost their
    fonts). Pango loads the default configuration in a thread of its own; loading it here
    first leaves that thread nothing to do.
    """
    import ctypes

    from weasyprint.text.fonts import FontConfiguration

    with suppress(OSError):  # another name elsewhere: Pango's thread loads it as before
        ctypes.CDLL("libfontconfig.so.1").FcInit()
    return FontConfiguration()


# --- the forkserver's warm-up ----------------------------------------------------------------

# A small document like a scorecard: our stylesheets, the page margins' strings, headings,
# lists, tables, links, bold and italic text, inline SVG with text, rectangles, a polygon
# and a path. See warm_up.
WARM_UP_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Warm-up</title><meta name="author" content="OVP Assess">
<link rel="stylesheet" href="css/levels.css"><link rel="stylesheet" href="css/scorecard.css">
</head><body class="paper-a4">
<div class="margin-strings" data-page="Page" data-of="of">Cite as: Office, City 2024</div>
<div class="margin-strings first-footer">OVP Assess · https://example.org/s/1/</div>
<header class="cover"><p class="brand">OVP Assess scorecard</p><h1>Office (OF)</h1>
<p class="subtitle">City, Country <span class="badge badge-fictional">Demo</span></p>
<dl class="facts"><div><dt>Cycle</dt><dd>2024</dd></div></dl>
<p class="review">Reviewed and published on 1 March 2024.</p>
<section class="key-messages"><h2>Key messages</h2><ul><li>Strongest: 1. Mandate (4/4).</li>
<li>Weakest: 6. Budget (1/4, Emerging).</li></ul></section>
<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" class="levels-chart" role="img"
 viewBox="0 0 700 60" width="700" height="60" font-family="Noto Sans, DejaVu Sans, sans-serif"
 aria-label="Levels"><title>Levels</title>
<line x1="250" y1="6" x2="250" y2="40" stroke="#ccc" stroke-width="1"/>
<text x="242" y="23" font-size="12" fill="#1a1a1a" text-anchor="end">1. Mandate</text>
<rect x="250" y="12" width="225" height="22" fill="#2e7d32"/>
<text x="481" y="27" font-size="12" font-weight="bold" fill="#1a1a1a">3/4 Established</text>
<text x="258" y="50" font-size="9" font-style="italic" fill="#555">Unrated</text>
<polygon points="245,2 255,2 250,10" fill="#000000"/></svg>
<figcaption>Level of each criterion, from 0 to 4.</figcaption></figure>
<div class="permalink"><div class="qr"><svg viewBox="0 0 20 20" class="segno">
<path fill="#fff" d="M0 0h20v20h-20z"/><path class="qrline" stroke="#000"
 d="M2 2.5h7m1 0h4m-12 1h1m5 0h1"/></svg></div>
<p><strong>Permanent address</strong><br><a href="https://example.org/s/1/">example.org</a><br>
<span class="qr-note">Scan the code.</span></p></div></header>
<section class="criteria after-chart"><h2>The nine criteria</h2>
<table class="criteria-table"><caption>Criteria, strengths and opportunities</caption>
<thead><tr><th scope="col" class="col-criterion">Criterion and level</th>
<th scope="col">Current strengths</th><th scope="col">Opportunities</th></tr></thead>
<tbody><tr><th scope="row" class="col-criterion"><span class="criterion-title">1. Mandate</span>
<span class="badge level-badge level-3">3/4 Established</span>
<span class="descriptor">A public mandate, known to all.</span></th>
<td><div>Strengths, on two lines<br>and more — “quoted”, naïve, 2024–2025.</div></td>
<td><div>Opportunities</div><p class="evidence-title">Evidence</p><ul class="evidence">
<li><a href="https://example.org/e">Report</a> <span class="url">https://example.org/e</span></li>
</ul></td></tr></tbody></table></section>
<section class="weakest"><h2>Where to start</h2><article class="weak">
<h3>6. Budget <span class="badge level-badge level-1">1/4 Emerging</span></h3>
<h4>Key takeaways</h4><ul><li>A takeaway.</li></ul><ul class="examples"><li><strong>Example</strong>
(Office, City). A summary. <span class="cite">Report, 2020</span></li></ul></article></section>
<section class="changes"><h2>Change since 2023</h2><table class="changes-table">
<caption>Levels in 2023 and 2024</caption><thead><tr><th scope="col">Criterion</th>
<th scope="col" class="num">2023</th></tr></thead><tbody><tr><th scope="row">1. Mandate</th>
<td class="num">3/4</td></tr></tbody></table></section>
<p class="citation"><em>Cite as</em>: Office, City.</p>
</body></html>"""

# The font configuration the forkserver warmed up (warm_up): each render child uses its own
# copy of it, inherited through fork.
_warm_fonts = None


def warm_up(*, timeout=10):
    """Render WARM_UP_HTML once in this process and keep its font configuration.

    Called in the forkserver only, through PRELOAD (reports.pdf_warm_up), before it forks
    any child. A child of a cold forkserver redid, on every scorecard, work that a process
    does once: cffi parsing the C types WeasyPrint allocates, looking up the libraries'
    functions, Pango and HarfBuzz loading the fonts, WeasyPrint's lazy imports and caches.
    Each child now starts with that done, and with the font configuration loaded.

    The forkserver renders nothing else and only forks afterwards: every child gets its
    own copy of this state, so nothing one render does reaches another. The document is
    ours and fixed, read through the same locked-down fetcher, with no limits applied (as
    _load_fonts asks: fontconfig's caches are written, if needed, here). Any failure leaves
    the forkserver as before: its children then load their fonts themselves.
    """
    global _warm_fonts
    try:
        fonts = _load_fonts()
        run_with_timeout(lambda: _weasyprint(WARM_UP_HTML, _child_fetcher(), fonts), timeout)
    except Exception:  # a cold start is still a start
        return False
    _warm_fonts = fonts
    # What is left stays as it is in every child: the children's garbage collector need
    # not go through it (nor copy its pages on write).
    gc.collect()
    gc.freeze()
    return True


# --- the web process's side ------------------------------------------------------------------


def render_pdf(*, html, fetcher=None, timeout=None, memory_mb=None, rss_mb=None):
    """PDF bytes for `html`, rendered in a child process within the limits.

    Raises RenderTimeout after `timeout` seconds (default settings.PDF_RENDER_TIMEOUT),
    RenderOutOfMemory beyond `memory_mb` of address space (settings.PDF_RENDER_MEMORY_MB)
    or `rss_mb` of resident memory (settings.PDF_RENDER_RSS_MB), RenderFailed when
    WeasyPrint fails otherwise, and RenderBusy when no render slot frees up in time.
    """
    from django.conf import settings

    fetcher = fetcher if fetcher is not None else StaticOnlyFetcher()
    timeout = settings.PDF_RENDER_TIMEOUT if timeout is None else timeout
    memory_mb = settings.PDF_RENDER_MEMORY_MB if memory_mb is None else memory_mb
    rss_mb = settings.PDF_RENDER_RSS_MB if rss_mb is None else rss_mb
    if timeout <= 0:
        raise RenderTimeout("no time left", seconds=0.0)
    with render_slot():
        data, report = _run_child(html=html, timeout=timeout, memory_mb=memory_mb, rss_mb=rss_mb)
    fetcher.attempts.extend(report.attempts)
    fetcher.refused.extend(report.refused)
    return data


def start_renderer():
    """Start this process's forkserver now rather than on the first render.

    For a gunicorn `post_fork` hook: the forkserver imports WeasyPrint in the background,
    so the worker's first scorecard does not wait for it. Never call it in a process that
    forks web workers afterwards (the gunicorn master): each process needs its own.
    """
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


_ctx = None


def _context():
    global _ctx
    if _ctx is None:
        import multiprocessing

        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        _ctx = ctx
    return _ctx


@contextmanager
def render_slot(*, wait=None):
    """Hold one of settings.PDF_RENDER_CONCURRENCY render slots of this machine.

    A slot is an exclusive flock on a file under PDF_CACHE_DIR/.render-slots; the kernel
    releases it when the holder closes the file or dies. Waits up to `wait` seconds
    (settings.PDF_RENDER_SLOT_WAIT) for a free slot, then raises RenderBusy.
    """
    from django.conf import settings

    folder = Path(settings.PDF_CACHE_DIR) / ".render-slots"
    private_dir(folder)
    count = max(1, int(settings.PDF_RENDER_CONCURRENCY))
    wait = settings.PDF_RENDER_SLOT_WAIT if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        for number in range(count):
            fd = os.open(folder / f"slot-{number}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # taken
                os.close(fd)
                continue
            except BaseException:
                os.close(fd)
                raise
            try:
                yield number
            finally:
                os.close(fd)  # releases the lock
            return
        if time.monotonic() >= deadline:
            raise RenderBusy
        time.sleep(min(POLL, max(deadline - time.monotonic(), 0)))


def private_dir(folder, *, root=None):
    """Create `folder` readable by this user only (0700), and every folder from `root` to it.

    `root` defaults to settings.PDF_CACHE_DIR. Existing folders are tightened to 0700.
    """
    from django.conf import settings

    root = Path(settings.PDF_CACHE_DIR if root is None else root)
    folder = Path(folder)
    if not folder.is_relative_to(root):
        root = folder
    root.parent.mkdir(parents=True, exist_ok=True)
    path = root
    for part in ("", *folder.relative_to(root).parts):
        path = path / part if part else path
        path.mkdir(mode=0o700, exist_ok=True)
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    return folder


def _run_child(*, html, timeout, memory_mb, rss_mb):
    """(PDF bytes, RenderReport) of one render in a fresh child; raises RenderFailed."""
    global render_count, last_render
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_child_main,
        args=(sender, html, timeout, memory_mb),
        name="pdf-render",
        daemon=True,
    )
    child.start()  # waits for the forkserver the first time (WeasyPrint's import)
    started = time.monotonic()
    sender.close()
    render_count += 1
    usage = _Usage(child.pid)
    message, data, too_big = None, None, False
    try:
        hard_deadline = started + timeout + KILL_GRACE
        while message is None:
            usage.read()
            if usage.rss_mb is not None and usage.rss_mb > rss_mb:
                too_big = True
                break
            left = hard_deadline - time.monotonic()
            if left <= 0:
                break
            if receiver.poll(min(POLL, left)):
                message = receiver.recv()
                if message["outcome"] == "ok":
                    data = receiver.recv_bytes()
            elif not child.is_alive() and not receiver.poll(0):
                break
    except (EOFError, OSError):
        message = None  # the child died while sending
    finally:
        seconds = time.monotonic() - started
        if child.is_alive():
            usage.read()
            child.kill()
        child.join()
        exitcode = child.exitcode
        child.close()
        receiver.close()

    if too_big:
        message = {"outcome": "memory", "detail": f"resident memory over {rss_mb} MB"}
    elif message is None:
        message = {"outcome": "error", "detail": ""}
    outcome, detail = _classify(
        message,
        exitcode=exitcode,
        seconds=seconds,
        timeout=timeout,
        usage=usage,
        memory_mb=memory_mb,
    )
    report = RenderReport(
        outcome=outcome,
        seconds=round(seconds, 3),
        peak_mb=_max(message.get("peak_mb"), usage.peak_mb),
        address_space_mb=_max(usage.vm_peak_mb),
        cpu_seconds=_max(message.get("cpu_seconds"), usage.cpu_seconds),
        attempts=message.get("attempts", []),
        refused=message.get("refused", []),
    )
    last_render = report
    if outcome != "ok":
        raise FAILURES[outcome](
            detail, seconds=seconds, peak_mb=report.peak_mb, cpu_seconds=report.cpu_seconds
        )
    return data, report


def _classify(message, *, exitcode, seconds, timeout, usage, memory_mb):
    """(outcome, detail) of a render, from what the child said and how it ended.

    A child that reached its address-space limit failed for memory, whatever it said: there
    WeasyPrint's libraries fail in many ways (errors, crashes, or loops until the timer).
    """
    outcome, detail = message["outcome"], message.get("detail", "")
    if outcome == "ok":
        return outcome, detail
    if usage.vm_peak_mb is not None and usage.vm_peak_mb >= 0.95 * memory_mb:
        return "memory", detail or f"reached the {memory_mb} MB limit (exit code {exitcode})"
    if outcome != "error" or detail:
        return outcome, detail
    # The child said nothing: it was killed, or crashed.
    if seconds >= timeout or exitcode == -signal.SIGXCPU:
        return "timeout", f"stopped after {seconds:.1f} s"
    return "error", f"the renderer ended unexpectedly (exit code {exitcode})"


def _max(*values):
    known = [v for v in values if v is not None]
    return round(max(known), 1) if known else None


class _Usage:
    """The child's memory (now and peak) and CPU time, read from /proc while it runs (Linux)."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_mb = None
        self.vm_peak_mb = None
        self.rss_mb = None
        self.cpu_seconds = None

    @staticmethod
    def status_mb(pid, name):
        """One memory figure of /proc/PID/status (e.g. "VmSize") in MB, or None."""
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key == name:
                return int(value.split()[0]) / 1024
        return None

    def read(self):
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return
        for line in status.splitlines():
            name, _, value = line.partition(":")
            if name == "VmRSS":
                self.rss_mb = int(value.split()[0]) / 1024
            elif name in ("VmHWM", "VmPeak"):
                mb = int(value.split()[0]) / 1024
                attr = "peak_mb" if name == "VmHWM" else "vm_peak_mb"
                setattr(self, attr, max(getattr(self, attr) or 0, mb))
        # utime and stime are fields 14 and 15, after the command name in parentheses.
        fields = stat.rpartition(")")[2].split()
        ticks = int(fields[11]) + int(fields[12])
        self.cpu_seconds = ticks / os.sysconf("SC_CLK_TCK")


# --- the child's side ------------------------------------------------------------------------


def _child_main(conn, html, timeout, memory_mb):
    """Render `html` under the limits and send {"outcome", ...} (then the PDF) to `conn`."""
    # Before the limits (see _load_fonts): the forkserver's, warm, or a new one.
    font_config = _warm_fonts if _warm_fonts is not None else _load_fonts()
    _limit_self(timeout=timeout, memory_mb=memory_mb)
    fetcher = _child_fetcher()
    data, detail = None, ""
    try:
        _check_address_space(memory_mb)
        data = run_with_timeout(lambda: _weasyprint(html, fetcher, font_config), timeout)
        outcome = "ok"
    except RenderTimeout:
        outcome = "timeout"
    except MemoryError as exc:
        data = None
        outcome, detail = "memory", str(exc)
    except Exception as exc:  # any other failure of WeasyPrint: reported, not raised
        outcome, detail = "error", f"{type(exc).__name__}: {exc}"[:500]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    try:
        conn.send(
            {
                "outcome": outcome,
                "detail": detail,
                "peak_mb": usage.ru_maxrss / 1024,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "attempts": fetcher.attempts,
                "refused": fetcher.refused,
            }
        )
        if data is not None:
            conn.send_bytes(data)
    except MemoryError:
        os._exit(3)
    conn.close()


def _check_address_space(memory_mb):
    """Raise MemoryError when this child already has `memory_mb` of address space or more.

    RLIMIT_AS only stops growth: a child forked from the warm forkserver (warm_up) could
    render a small document without allocating anything new, and so without ever meeting
    a limit it was over from the start. Such a render fails as over the limit instead.
    """
    size_mb = _Usage.status_mb(os.getpid(), "VmSize")
    if size_mb is not None and size_mb >= memory_mb:
        raise MemoryError(f"{size_mb:.0f} MB of address space from the start, over {memory_mb} MB")


def _limit_self(*, timeout, memory_mb):
    limit = int(memory_mb * 1024 * 1024)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # A backstop for a child whose web process is gone: the kernel ends it.
    cpu = math.ceil(timeout + KILL_GRACE) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    # Web requests go first when renders and requests compete for the CPU.
    os.nice(5)
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: RLIMIT_CPU still ends it
        pass


def run_with_timeout(func, timeout):
    """Call func() and give up after `timeout` seconds.

    In the main thread (a render child) a timer signal interrupts the render. Elsewhere the
    call runs in a helper thread that we stop waiting for; Python cannot kill it, but the
    caller goes on and the thread ends when the call does.
    """
    if threading.current_thread() is threading.main_thread():
        return _with_alarm(func, timeout)
    return _with_thread(func, timeout)


def _with_alarm(func, timeout):
    def on_alarm(signum, frame):
        raise RenderTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(timeout, 0.001))  # 0 would mean "no timer"
    try:
        return func()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _with_thread(func, timeout):
    result = {}

    def target():
        try:
            result["value"] = func()
        except BaseException as exc:  # handed back to the caller below
            result["error"] = exc

    worker = threading.Thread(target=target, name="scorecard-render", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise RenderTimeout
    if "error" in result:
        raise result["error"]
    return result["value"]
