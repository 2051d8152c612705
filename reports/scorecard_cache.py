"""Rendered scorecards in storage, one file per assessment version, language, paper size,
site base and peers.

Where: the "scorecards" storage (reports.storage.scorecards(); STORAGES in settings): a
folder of this machine (PDF_CACHE_DIR) by default, or a prefix of an S3-compatible bucket
that every node shares (docs/storage.md). Names are "<assessment id>/<key>.pdf".

The site base (SITE_URL, or the requesting host: assessments.links.site_base) is printed in
the scorecard's address, QR code and citation, so two hosts get two files. The first
page compares the office with the median of other real offices (reports.scorecard
.peer_median): `peers_stamp` (one query) moves when one of them publishes, and is in the
key too.

A scorecard is rendered once per version for the whole cluster: later downloads read the
file. The first request for a key that is not stored claims it in the database (a
reports.models.ScorecardRender row) and renders; requests for the same key on any node
wait for the file meanwhile, for at most the render's own budget (PDF_RENDER_SLOT_WAIT +
PDF_RENDER_TIMEOUT), then answer busy (reports.pdf.RenderBusy: 503 with Retry-After). A
claim older than that budget plus CLAIM_MARGIN is stale (its process died mid-render) and
is taken over. Each render that is stored logs one line, `scorecard rendered key=<key>`,
on the logger "ovp.scorecards". Files are written whole (an atomic rename on disk, one PUT
in a bucket), so a reader never sees half a PDF.

A render that fails within the limits (reports/pdf.py: too slow, too much memory, or an
error of the renderer) is remembered the same way: a file `KEY.failed` beside where the
PDF would be, holding the reason. Later requests for that key raise the remembered failure
at once instead of rendering again; a new version of the assessment is a new key, so an
edit (or a new layout) tries again, and so does raising the limit that was hit. A timeout
is remembered only when the render had (nearly) the whole time limit and got a fair share
of the CPU meanwhile: a render starved by a busy machine or cut short by a bundle's budget
is not the document's fault.

Who may read the files on disk: the folder is this user's only (0700). Scorecards of
assessments that are not published (drafts, submitted) are written 0600; published ones
0644. In a bucket every object is private; the views stream them after their checks.
"""

import hashlib
import json
import logging
import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation

from assessments.links import site_base
from assessments.models import Assessment

from . import pdf, storage
from .cache import cached, data_stamp
from .models import ScorecardRender
from .scorecard import peers_stamp, render_scorecard

logger = logging.getLogger("ovp.scorecards")

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "reports" / "scorecard"
STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "scorecard.css"
# The error page beside the print templates is not part of the print layout.
NOT_LAYOUT = {"problem.html"}
# A timeout counts as the document's fault when the render had at least this share of the
# time limit (a bundle gives later renders what is left of its budget) ...
RENDER_TIME_SHARE = 0.9
# ... and got at least this share of one core meanwhile (not starved by a busy machine).
RENDER_CPU_SHARE = 0.25
# How often a request waiting for another's render looks whether it has finished.
WAIT_POLL = 0.2
# A claim lives the render's budget and this much more (building the HTML before, storing
# the PDF after) before it is taken as stale.
CLAIM_MARGIN = 5


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
    # current_peers()) into "-s<hash>" (see the module's docstring).
    base = base or site_base()
    peers = current_peers() if peers is None else peers
    return (
        f"{assessment.pk}-v{assessment.version}-{assessment.status}-{language}-{paper}"
        f"-h{_short_hash(base)}-s{_short_hash(peers)}"
        f"-p{assessment.plan_version}-{layout_fingerprint()}"
    )


def current_peers(stamp=None):
    """peers_stamp(), computed once per published-data stamp (`stamp`, default
    data_stamp()): its join over every assessment takes milliseconds at thousands of
    offices, the stamp one cheap query, and the peers cannot change without the published
    data changing."""
    stamp = data_stamp() if stamp is None else stamp
    return cached("peers_stamp", lambda: peers_stamp(), stamp=stamp)


def _short_hash(text):
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def etag_for(key):
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def name_for(*, assessment_id, key):
    """The scorecard's name in the scorecards storage."""
    return f"{assessment_id}/{key}.pdf"


def failure_name_for(*, assessment_id, key):
    return f"{assessment_id}/{key}.failed"


def path_for(*, assessment_id, key):
    """The scorecard's file on disk (the local storage only)."""
    return Path(storage.scorecards().path(name_for(assessment_id=assessment_id, key=key)))


def failure_path_for(*, assessment_id, key):
    """The remembered failure's file on disk (the local storage only)."""
    name = failure_name_for(assessment_id=assessment_id, key=key)
    return Path(storage.scorecards().path(name))


def open_scorecard(*, assessment, language, paper, base=None, timeout=None):
    """(open binary file, cache key) of the scorecard, rendering it first if needed.

    Raises reports.pdf.RenderFailed (RenderTimeout, RenderOutOfMemory) when the render
    fails within the limits, or failed before for this key (then `exc.remembered` is True
    and nothing is rendered); `exc.permanent` says whether the failure is remembered.
    Raises reports.pdf.RenderBusy when every render slot is taken, or when another process
    (of any node) rendering this key has not finished within the render's budget.
    `timeout` defaults to settings.PDF_RENDER_TIMEOUT. `base` is the site's base
    (assessments.links.site_base).
    """
    base = base or site_base()
    # Taken once: for the peers in the key, and for the median if it renders.
    stamp = data_stamp()
    key = cache_key(
        assessment=assessment,
        language=language,
        paper=paper,
        base=base,
        peers=current_peers(stamp),
    )
    store = storage.scorecards()
    name = name_for(assessment_id=assessment.pk, key=key)
    failure_name = failure_name_for(assessment_id=assessment.pk, key=key)
    found = _stored(store, name, failure_name)
    if found is not None:
        return found, key
    deadline = time.monotonic() + render_budget(timeout)
    while (token := claim(key=key)) is None:
        # Another process renders it: wait for its file (or its remembered failure).
        if time.monotonic() >= deadline:
            raise pdf.RenderBusy
        time.sleep(WAIT_POLL)
        if not is_claimed(key=key):
            found = _stored(store, name, failure_name)
            if found is not None:
                return found, key
    try:
        # Stored between our first look and our claim (the holder just released it)?
        found = _stored(store, name, failure_name)
        if found is None:
            _render_and_store(
                store,
                assessment=assessment,
                language=language,
                paper=paper,
                base=base,
                timeout=timeout,
                key=key,
                stamp=stamp,
            )
            found = store.open(name, "rb")
    finally:
        release(key=key, token=token)
    return found, key


def _stored(store, name, failure_name):
    """The stored scorecard, open; None when there is none; raises a remembered failure."""
    try:
        return store.open(name, "rb")
    except FileNotFoundError:
        pass
    remembered = read_failure(store, failure_name)
    if remembered is not None:
        raise remembered
    return None


def _render_and_store(store, *, assessment, language, paper, base, timeout, key, stamp=None):
    failure_name = failure_name_for(assessment_id=assessment.pk, key=key)
    try:
        with translation.override(language):
            pdf_bytes = render_scorecard(
                assessment=assessment, paper=paper, base=base, timeout=timeout, stamp=stamp
            )
    except pdf.RenderFailed as exc:
        exc.remembered = False
        exc.permanent = is_the_documents_fault(exc, timeout=timeout)
        logger.warning(
            "scorecard render failed key=%s reason=%s remembered=%s",
            key,
            exc.reason,
            exc.permanent,
        )
        if exc.permanent:
            remember_failure(store, failure_name, exc)
            _drop_stale(store, assessment=assessment, key=key)
        raise
    published = assessment.status == Assessment.Status.PUBLISHED
    store.save(
        name_for(assessment_id=assessment.pk, key=key),
        storage.StoredBytes(pdf_bytes, public=published),
    )
    # One line per render, counted across nodes to prove one render per version.
    logger.info("scorecard rendered key=%s", key)
    _drop_stale(store, assessment=assessment, key=key)


def render_budget(timeout=None):
    """How long a render may take, waiting for a slot included (seconds)."""
    timeout = settings.PDF_RENDER_TIMEOUT if timeout is None else timeout
    return settings.PDF_RENDER_SLOT_WAIT + timeout + pdf.KILL_GRACE


def claim(*, key, now=None):
    """A token when this process now holds the claim on rendering `key`, else None.

    The row is inserted if there is none (INSERT ... ON CONFLICT DO NOTHING: no error for
    the database to log), or taken over when it is older than the render's budget plus
    CLAIM_MARGIN (its holder died). Each statement commits at once (autocommit), so other
    nodes see the claim.
    """
    token = uuid.uuid4().hex
    now = now or timezone.now()
    holder = _holder()
    ScorecardRender.objects.bulk_create(
        [ScorecardRender(key=key, token=token, claimed=now, holder=holder)],
        ignore_conflicts=True,
    )
    stale = now - timedelta(seconds=render_budget() + CLAIM_MARGIN)
    if ScorecardRender.objects.filter(key=key, claimed__lt=stale).update(
        token=token, claimed=now, holder=holder
    ):
        logger.warning("scorecard claim taken over key=%s", key)
        return token
    return token if ScorecardRender.objects.filter(key=key, token=token).exists() else None


def _holder():
    """Who holds a claim (host and process: a gunicorn worker, not the master that
    imported this module), for people looking at the table."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def is_claimed(*, key):
    return ScorecardRender.objects.filter(key=key).exists()


def release(*, key, token):
    """End this process's claim (not one that was taken over from it meanwhile)."""
    ScorecardRender.objects.filter(key=key, token=token).delete()


def ensure_scorecard(*, assessment, language, paper, base=None, timeout=None):
    """Name of the stored scorecard in the scorecards storage, rendered if missing (for
    bundles)."""
    fh, key = open_scorecard(
        assessment=assessment, language=language, paper=paper, base=base, timeout=timeout
    )
    fh.close()
    return name_for(assessment_id=assessment.pk, key=key)


def is_the_documents_fault(exc, *, timeout=None):
    """Whether a failed render would fail again for the same document and limits."""
    if not isinstance(exc, pdf.RenderTimeout):
        return True  # memory, or an error of the renderer: the same input does the same
    limit = settings.PDF_RENDER_TIMEOUT
    if timeout is not None and timeout < RENDER_TIME_SHARE * limit:
        return False  # cut short by a bundle's budget
    return exc.cpu_seconds is None or exc.cpu_seconds >= RENDER_CPU_SHARE * limit


def remember_failure(store, failure_name, exc):
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
    store.save(failure_name, storage.StoredBytes(json.dumps(record).encode()))


def read_failure(store, failure_name):
    """The remembered failure stored as `failure_name` as an exception, or None.

    A failure recorded under a lower limit than today's is forgotten: the render may now
    succeed.
    """
    try:
        with store.open(failure_name, "rb") as fh:
            record = json.loads(fh.read())
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


def _drop_stale(store, *, assessment, key):
    """Other versions, layouts and plans are never served again, nor are the same
    scorecard's files (language, paper, host) made before the peers last changed; open
    readers keep their copy. The key ends in "-h<host>-s<peers>-p<plan>-<layout>" (see
    cache_key)."""
    folder = str(assessment.pk)
    version_prefix = f"{assessment.pk}-v{assessment.version}-"
    layout = "-" + "-".join(key.rsplit("-", 2)[-2:])
    same_but_peers = key.rsplit("-", 3)[0] + "-s"  # up to the host's hash
    try:
        _folders, files = store.listdir(folder)
    except FileNotFoundError:
        return
    for file_name in files:
        stem, _dot, suffix = file_name.rpartition(".")
        if file_name.startswith(".") or suffix not in ("pdf", "failed"):
            continue  # another process's temporary file
        outdated = stem.startswith(same_but_peers) and stem != key
        if outdated or not (stem.startswith(version_prefix) and stem.endswith(layout)):
            store.delete(f"{folder}/{file_name}")
