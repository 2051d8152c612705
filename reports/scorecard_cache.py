"""Rendered scorecards on disk, one file per assessment version, language, paper size,
site base and peers.

The site base (SITE_URL, or the requesting host: assessments.links.site_base) is printed in
the scorecard's address, QR code and citation, so two hosts get two files. The first
page compares the office with the median of other real offices (reports.scorecard
.peer_median): `peers_stamp` (one query) moves when one of them publishes, and is in the
key too.

A scorecard is rendered once per version: later downloads read the file. Files are
written atomically (temporary file, then rename), so a reader never sees half a PDF and
two workers rendering the same version at once both end up with a whole file.

A render that fails within the limits (reports/pdf.py: too slow, too much memory, or an
error of the renderer) is remembered the same way: a marker file `KEY.failed` beside
where the PDF would be, holding the reason. Later requests for that key raise the
remembered failure at once instead of rendering again; a new version of the assessment is
a new key, so an edit (or a new layout) tries again, and so does raising the limit that
was hit. A timeout is remembered only when the render had (nearly) the whole time limit
and got a fair share of the CPU meanwhile: a render starved by a busy machine or cut short
by a bundle's budget is not the document's fault.

Who may read the files: the folder is this user's only (0700). Scorecards of assessments
that are not published (drafts, submitted) are written 0600; published ones 0644.
"""

import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation

from assessments.links import site_base
from assessments.models import Assessment

from . import pdf
from .scorecard import peers_stamp, render_scorecard

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "reports" / "scorecard"
STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "scorecard.css"
# The error page beside the print templates is not part of the print layout.
NOT_LAYOUT = {"problem.html"}
# A timeout counts as the document's fault when the render had at least this share of the
# time limit (a bundle gives later renders what is left of its budget) ...
RENDER_TIME_SHARE = 0.9
# ... and got at least this share of one core meanwhile (not starved by a busy machine).
RENDER_CPU_SHARE = 0.25


@cache
def layout_fingerprint():
    """Changes when the print templates or stylesheet change, so a deploy re-renders."""
    digest = hashlib.sha256()
    templates = [p for p in sorted(TEMPLATES.glob("*.html")) if p.name not in NOT_LAYOUT]
    for path in templates + [STYLESHEET]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def cache_key(*, assessment, language, paper, base=None, peers=None):
    # The status is in the key too: publishing must drop the DRAFT watermark even if a
    # caller forgot to bump the version. The plan section shows the office's open actions,
    # which change without a new version: Assessment.plan_version counts their changes.
    # `base` (default: site_base()) is hashed into "-h<hash>", `peers` (default:
    # peers_stamp(), one query) into "-s<hash>" (see the module's docstring).
    base = base or site_base()
    peers = peers_stamp() if peers is None else peers
    return (
        f"{assessment.pk}-v{assessment.version}-{assessment.status}-{language}-{paper}"
        f"-h{_short_hash(base)}-s{_short_hash(peers)}"
        f"-p{assessment.plan_version}-{layout_fingerprint()}"
    )


def _short_hash(text):
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def etag_for(key):
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def path_for(*, assessment_id, key):
    return Path(settings.PDF_CACHE_DIR) / str(assessment_id) / f"{key}.pdf"


def failure_path_for(*, assessment_id, key):
    return Path(settings.PDF_CACHE_DIR) / str(assessment_id) / f"{key}.failed"


def open_scorecard(*, assessment, language, paper, base=None, timeout=None):
    """(open binary file, cache key) of the scorecard, rendering it first if needed.

    Raises reports.pdf.RenderFailed (RenderTimeout, RenderOutOfMemory) when the render
    fails within the limits, or failed before for this key (then `exc.remembered` is True
    and nothing is rendered); `exc.permanent` says whether the failure is remembered.
    Raises reports.pdf.RenderBusy when every render slot is taken. `timeout` defaults to
    settings.PDF_RENDER_TIMEOUT. `base` is the site's base (assessments.links.site_base).
    """
    base = base or site_base()
    key = cache_key(assessment=assessment, language=language, paper=paper, base=base)
    path = path_for(assessment_id=assessment.pk, key=key)
    try:
        return open(path, "rb"), key  # noqa: SIM115 - the response closes it
    except FileNotFoundError:
        pass
    failure_path = failure_path_for(assessment_id=assessment.pk, key=key)
    remembered = read_failure(failure_path)
    if remembered is not None:
        raise remembered
    try:
        with translation.override(language):
            pdf_bytes = render_scorecard(
                assessment=assessment, paper=paper, base=base, timeout=timeout
            )
    except pdf.RenderFailed as exc:
        exc.remembered = False
        exc.permanent = is_the_documents_fault(exc, timeout=timeout)
        if exc.permanent:
            remember_failure(failure_path, exc)
            _drop_stale(
                path.parent, version_prefix=f"{assessment.pk}-v{assessment.version}-", key=key
            )
        raise
    published = assessment.status == Assessment.Status.PUBLISHED
    write_atomic(path, pdf_bytes, private=not published)
    _drop_stale(path.parent, version_prefix=f"{assessment.pk}-v{assessment.version}-", key=key)
    return open(path, "rb"), key  # noqa: SIM115


def ensure_scorecard(*, assessment, language, paper, base=None, timeout=None):
    """Path of the cached scorecard, rendered if missing (for bundles)."""
    fh, key = open_scorecard(
        assessment=assessment, language=language, paper=paper, base=base, timeout=timeout
    )
    fh.close()
    return path_for(assessment_id=assessment.pk, key=key)


def is_the_documents_fault(exc, *, timeout=None):
    """Whether a failed render would fail again for the same document and limits."""
    if not isinstance(exc, pdf.RenderTimeout):
        return True  # memory, or an error of the renderer: the same input does the same
    limit = settings.PDF_RENDER_TIMEOUT
    if timeout is not None and timeout < RENDER_TIME_SHARE * limit:
        return False  # cut short by a bundle's budget
    return exc.cpu_seconds is None or exc.cpu_seconds >= RENDER_CPU_SHARE * limit


def remember_failure(failure_path, exc):
    record = {
        "reason": exc.reason,
        "detail": exc.detail,
        "seconds": None if exc.seconds is None else round(exc.seconds, 2),
        "peak_mb": exc.peak_mb,
        "cpu_seconds": exc.cpu_seconds,
        "timeout": settings.PDF_RENDER_TIMEOUT,
        "memory_mb": settings.PDF_RENDER_MEMORY_MB,
        "rss_mb": settings.PDF_RENDER_RSS_MB,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_atomic(failure_path, json.dumps(record).encode(), private=True)


def read_failure(failure_path):
    """The remembered failure at `failure_path` as an exception, or None.

    A failure recorded under a lower limit than today's is forgotten: the render may now
    succeed.
    """
    try:
        record = json.loads(failure_path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    reason = record.get("reason")
    if reason == "timeout" and record.get("timeout", 0) < settings.PDF_RENDER_TIMEOUT:
        return None
    if reason == "memory" and (
        record.get("memory_mb", 0) < settings.PDF_RENDER_MEMORY_MB
        or record.get("rss_mb", 0) < settings.PDF_RENDER_RSS_MB
    ):
        return None
    error = pdf.FAILURES.get(reason, pdf.RenderFailed)(
        record.get("detail", ""),
        seconds=record.get("seconds"),
        peak_mb=record.get("peak_mb"),
        cpu_seconds=record.get("cpu_seconds"),
    )
    error.remembered = error.permanent = True
    error.limit_s = record.get("timeout")
    return error


def write_atomic(path, data, *, private=False):
    """Write `data` to `path` through a temporary file; 0600 when `private`, else 0644."""
    pdf.private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _drop_stale(folder, *, version_prefix, key=None):
    """Other versions, layouts and plans are never served again, nor are the same
    scorecard's files (language, paper, host) made before the peers last changed; open
    readers keep their copy. The key ends in "-h<host>-s<peers>-p<plan>-<layout>" (see
    cache_key)."""
    layout = f"-{layout_fingerprint()}"
    same_but_peers = None
    if key is not None:
        layout = "-" + "-".join(key.rsplit("-", 2)[-2:])
        same_but_peers = key.rsplit("-", 3)[0] + "-s"  # up to the host's hash
    for old in [*folder.glob("*.pdf"), *folder.glob("*.failed")]:
        outdated = same_but_peers is not None and (
            old.stem.startswith(same_but_peers) and old.stem != key
        )
        if outdated or not (old.name.startswith(version_prefix) and old.stem.endswith(layout)):
            old.unlink(missing_ok=True)
