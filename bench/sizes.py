"""Bytes sent for the dashboard: its HTML, its chart data, and its JavaScript compressed.

The page is fetched from the running server as a browser would get it; the chart data is
the content of its `json_script` tags (`<script type="application/json">`); the scripts are
every `<script src>` of the page (and the Plotly bundle a `data-plotly` attribute names,
which the dashboard loads when a chart nears the screen), fetched with `Accept-Encoding: br`
and then `gzip`, so the figures are what WhiteNoise really sends. A script the server does
not compress is compressed here (brotli quality 11, gzip level 9, as WhiteNoise does) and flagged.
"""

import gzip
import http.client
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.sources = []
        self.data = {}  # id -> raw text of each JSON script
        self._json_id = None
        self._buffer = []

    def handle_starttag(self, tag, attrs):
        if tag != "script":
            return
        attrs = dict(attrs)
        if attrs.get("src"):
            self.sources.append(attrs["src"])
            # A script the page loads later (the dashboard's Plotly, when a chart comes
            # near the screen) is still what a reader downloads: it counts.
            if attrs.get("data-plotly"):
                self.sources.append(attrs["data-plotly"])
        elif (attrs.get("type") or "").lower() == "application/json":
            self._json_id = attrs.get("id") or f"json-{len(self.data)}"
            self._buffer = []

    def handle_data(self, data):
        if self._json_id is not None:
            self._buffer.append(data)

    def handle_entityref(self, name):
        if self._json_id is not None:
            self._buffer.append(f"&{name};")

    def handle_charref(self, name):
        if self._json_id is not None:
            self._buffer.append(f"&#{name};")

    def handle_endtag(self, tag):
        if tag == "script" and self._json_id is not None:
            self.data[self._json_id] = "".join(self._buffer)
            self._json_id = None


def parse_page(html):
    """(script sources in page order, {json_script id: raw JSON text}) of an HTML page."""
    parser = _Scripts()
    parser.feed(html)
    parser.close()
    return parser.sources, parser.data


def local_sizes(data):
    """(brotli, gzip) sizes of `data` compressed as WhiteNoise compresses static files."""
    import brotli

    return len(brotli.compress(data)), len(gzip.compress(data, compresslevel=9, mtime=0))


def fetch(host, port, path, headers=None):
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def dashboard_bytes(*, host, port, path, headers=None):
    """{"html_bytes", "data_bytes", "js_br_bytes", "js_gz_bytes", "scripts": [...]}."""
    headers = dict(headers or {})
    status, _h, body = fetch(host, port, path, {**headers, "Accept-Encoding": "identity"})
    if status != 200:
        return {"error": f"{path} answered {status}"}
    sources, data = parse_page(body.decode("utf-8"))
    scripts = []
    for src in sources:
        url = urljoin(path, src)
        if urlsplit(url).netloc:  # only our own scripts: CSP forbids others anyway
            scripts.append({"src": src, "error": "not served by us"})
            continue
        script = {"src": src}
        raw = None
        for encoding, key in (("br", "br_bytes"), ("gzip", "gz_bytes"), ("identity", "bytes")):
            code, resp_headers, content = fetch(
                host, port, urlsplit(url).path, {"Accept-Encoding": encoding}
            )
            if code != 200:
                script["error"] = f"answered {code}"
                break
            sent = resp_headers.get("Content-Encoding", "identity")
            if sent == encoding:
                script[key] = len(content)
            else:
                script.setdefault("compressed_here", []).append(encoding)
            if encoding == "identity":
                raw = content
        if raw is not None:
            br, gz = local_sizes(raw)
            script.setdefault("br_bytes", br)
            script.setdefault("gz_bytes", gz)
        scripts.append(script)
    return {
        "html_bytes": len(body),
        "data_bytes": sum(len(text.encode("utf-8")) for text in data.values()),
        "js_br_bytes": sum(s.get("br_bytes", 0) for s in scripts),
        "js_gz_bytes": sum(s.get("gz_bytes", 0) for s in scripts),
        "scripts": scripts,
        "data_ids": sorted(data),
    }
