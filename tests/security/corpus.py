"""Hostile input: what people (or scripts) may type into a form field or a query string.

Each entry is (name, text). The names become test ids, so a failure says which payload.
"""

from django.utils.html import escape

ONE_MB = 1024 * 1024

MARKUP = [
    ("script", "<script>alert(1)</script>"),
    ("img-onerror", '"><img src=x onerror=alert(1)>'),
    ("javascript-url", "javascript:alert(1)"),
    ("svg-onload", "<svg onload=alert(document.domain)>"),
    ("link-attachment", '<link rel=attachment href="file:///etc/passwd">'),
    ("attribute-break", "' autofocus onfocus='alert(1)"),
]

SQL = [
    ("sql-drop", "'; DROP TABLE x; --"),
    ("sql-or", "' OR 1=1 --"),
]

UNICODE = [
    ("right-to-left-override", "invoice\u202etxt.exe"),
    ("zero-width", "zero\u200dwidth\u200bjoiner\ufeffspace"),
    ("combining", "e\u0301 a\u0308\u0304 Z\u0351\u0352\u0353\u0354\u0355\u0356a\u0357l\u0358g\u0359o"),
    ("emoji-zwj", "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 \U0001f3f3\ufe0f\u200d\U0001f308 \U0001f44d\U0001f3fd"),
]  # fmt: skip

FORMULAS = [
    ("formula-hyperlink", '=HYPERLINK("http://x","y")'),
    ("formula-plus", "+1"),
    ("formula-minus", "-1"),
    ("formula-at", "@SUM(A1)"),
]

NUL = [("nul", "before\x00after")]
HUGE = [("one-megabyte", "x" * ONE_MB)]

# Text a form may store: every payload above but the NUL byte and the megabyte.
STORABLE = MARKUP + SQL + UNICODE + FORMULAS
TEXT = STORABLE + NUL + HUGE

# URLs that must never become a clickable evidence link.
BAD_URLS = [
    ("javascript", "javascript:alert(document.cookie)"),
    ("file", "file:///etc/passwd"),
    ("data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    ("loopback-v4", "http://127.0.0.1/"),
    ("private-v4", "http://10.0.0.1/"),
    ("loopback-v6", "http://[::1]/"),
    ("localhost", "http://localhost/"),
    # A browser reads "\\" as "/": this opens 127.0.0.1, while urlsplit sees example.com.
    ("backslash-userinfo", "http://127.0.0.1\\@example.com/"),
    ("userinfo", "https://example.org@evil.example/"),
    ("decimal-ipv4", "http://2130706433/"),
]

# Where a `next` parameter may send someone after logging in or changing the language.
OFFSITE = [
    ("absolute", "https://evil.example/"),
    ("protocol-relative", "//evil.example/"),
    ("backslash", "/\\evil.example/"),
    ("javascript-next", "javascript:alert(1)//"),
]

# A lone surrogate cannot be encoded as UTF-8, so no client can send "\ud800" itself. What
# reaches the server is its (invalid) UTF-8 bytes, percent-encoded; Django decodes them with
# replacement characters.
LONE_SURROGATE_QUERY = "%ED%A0%80"
LONE_SURROGATE_DECODED = b"\xed\xa0\x80".decode("utf-8", "replace")

# Characters whose presence unescaped in a page would mean markup from the user.
HTML_SPECIAL = set("<>\"'&")


def needs_escaping(text):
    return bool(HTML_SPECIAL & set(text))


def escaped(text):
    """The text as Django's templates write it into HTML."""
    return escape(text)
