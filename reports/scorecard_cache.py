"""Rendered scorecards on disk, one file per assessment version, language and paper size.

A scorecard is rendered once per version: later downloads read the file. Files are
written atomically (temporary file, then rename), so a reader never sees half a PDF and
two workers rendering the same version at once both end up with a whole file.
"""

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation

from .scorecard import render_scorecard

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "reports" / "scorecard"
STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "scorecard.css"


@cache
def layout_fingerprint():
    """Changes when the print templates or stylesheet change, so a deploy re-renders."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.glob("*.html")) + [STYLESHEET]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def cache_key(*, assessment, language, paper):
    # The status is in the key too: publishing must drop the DRAFT watermark even if a
    # caller forgot to bump the version.
    return (
        f"{assessment.pk}-v{assessment.version}-{assessment.status}-{language}-{paper}"
        f"-{layout_fingerprint()}"
    )


def etag_for(key):
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def path_for(*, assessment_id, key):
    return Path(settings.PDF_CACHE_DIR) / str(assessment_id) / f"{key}.pdf"


def open_scorecard(*, assessment, language, paper, timeout=None):
    """(open binary file, cache key) of the scorecard, rendering it first if needed.

    Raises reports.pdf.RenderTimeout when the render takes longer than `timeout` seconds
    (default settings.PDF_RENDER_TIMEOUT).
    """
    key = cache_key(assessment=assessment, language=language, paper=paper)
    path = path_for(assessment_id=assessment.pk, key=key)
    try:
        return open(path, "rb"), key  # noqa: SIM115 - the response closes it
    except FileNotFoundError:
        pass
    with translation.override(language):
        pdf = render_scorecard(assessment=assessment, paper=paper, timeout=timeout)
    write_atomic(path, pdf)
    _drop_stale(path.parent, version_prefix=f"{assessment.pk}-v{assessment.version}-")
    return open(path, "rb"), key  # noqa: SIM115


def ensure_scorecard(*, assessment, language, paper, timeout=None):
    """Path of the cached scorecard, rendered if missing (for bundles)."""
    fh, key = open_scorecard(assessment=assessment, language=language, paper=paper, timeout=timeout)
    fh.close()
    return path_for(assessment_id=assessment.pk, key=key)


def write_atomic(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _drop_stale(folder, *, version_prefix):
    """Other versions and layouts are never served again; open readers keep their copy."""
    layout = f"-{layout_fingerprint()}.pdf"
    for old in folder.glob("*.pdf"):
        if not (old.name.startswith(version_prefix) and old.name.endswith(layout)):
            old.unlink(missing_ok=True)
