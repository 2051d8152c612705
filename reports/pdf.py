"""Render HTML to PDF with WeasyPrint, locked down and limited in time.

WeasyPrint may only read our own stylesheets and fonts from disk: the URL fetcher below
refuses every other URL (network, other files, data: URIs, redirects), so nothing a user
types can make the renderer fetch anything. Imported lazily by the views, because
importing WeasyPrint costs a few hundred milliseconds.
"""

import signal
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = (Path(settings.BASE_DIR) / "static").resolve()
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

# Reused across renders: building it again costs time and fontconfig state is per process.
_font_config = None


class RenderTimeout(Exception):
    """The render took longer than settings.PDF_RENDER_TIMEOUT."""


class StaticOnlyFetcher(URLFetcher):
    """Serve our static CSS and fonts from disk; refuse everything else.

    `attempts` records every URL asked for and `refused` those turned down, for tests.
    """

    def __init__(self):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.attempts = []
        self.refused = []

    def fetch(self, url, headers=None):
        self.attempts.append(url)
        path = self._allowed_path(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"Refused to fetch {url!r}: only our own static files are served")
        return URLFetcherResponse(
            url, path.read_bytes(), headers={"Content-Type": MIME_TYPES[path.suffix]}
        )

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


# One render at a time per process: the shared font configuration is not thread-safe.
_lock = threading.Lock()


def _weasyprint(html, fetcher):
    global _font_config
    with _lock:
        if _font_config is None:
            _font_config = FontConfiguration()
        try:
            # Tagged PDF: headings, tables and reading order reach screen readers.
            return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(
                font_config=_font_config, pdf_tags=True
            )
        except RenderTimeout:
            _font_config = None  # interrupted half-way: start afresh next time
            raise


def render_pdf(*, html, fetcher=None, timeout=None):
    """PDF bytes for `html`; raises RenderTimeout when it takes longer than `timeout` s."""
    fetcher = fetcher or StaticOnlyFetcher()
    timeout = settings.PDF_RENDER_TIMEOUT if timeout is None else timeout
    return run_with_timeout(lambda: _weasyprint(html, fetcher), timeout)


def run_with_timeout(func, timeout):
    """Call func() and give up after `timeout` seconds.

    In the main thread (gunicorn's sync workers) a timer signal interrupts the render, so
    the worker is free again. Elsewhere (the threaded dev server) the render runs in a
    helper thread that we stop waiting for; Python cannot kill it, but the request is
    answered and the thread ends when the render does.
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
