"""The open-data package on disk, rebuilt when the published data changes (reports.cache, 5).

One folder per version of the data under settings.OPEN_DATA_DIR, named by a key made of
the published-data stamp (reports.cache.data_stamp: it moves with every workflow step,
publication included, and every deletion), the package's FORMAT and the site's base
(assessments.links.site_base: SITE_URL or its fallback, never a request's host). A request
takes the stamp (one query) and serves the folder's files; the first request after a
change builds the package (reports.opendata), in a temporary folder renamed into place, so
a reader never sees half a package and two processes building at once both end up with a
whole one. Older folders are removed after a build.

Reference data that pages show besides assessments (countries, cities, offices, facts,
criteria, rubric) can be edited in place without moving the stamp: a save or deletion of
one removes the stored packages (signals connected by ReportsConfig.ready), so the next
request rebuilds.

Content depends on published data only (not on drafts, which move the stamp too): a
rebuild for a draft's save gives the same bytes, and so the same ETag (a hash of
datapackage.json, which holds every CSV's hash). Last-Modified is when the folder was
built: a deletion can change the data without a newer `created` (the newest change of a
published assessment), and a client that sends only If-Modified-Since must not miss it.
"""

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from assessments.links import site_base
from cities.models import City, Country, Office, SourcedFact
from criteria.models import Criterion, RubricLevel

from . import opendata
from .cache import data_stamp

SUMMARY = "summary.json"  # beside the package, not part of it
# A folder that is not the current one is removed after a build only once this old, so a
# request of another process that has just picked it still finds its files.
KEEP_OLD_SECONDS = 600
WATCHED = (Country, City, Office, SourcedFact, Criterion, RubricLevel)


@dataclass(frozen=True)
class Stored:
    directory: Path
    etag: str
    created: datetime
    built: datetime
    rows: dict

    def path(self, name):
        return self.directory / name


def _root():
    return Path(settings.OPEN_DATA_DIR)


def package_key(stamp):
    parts = repr((stamp, opendata.FORMAT, site_base()))
    return hashlib.sha256(parts.encode()).hexdigest()[:32]


def _read(directory):
    summary = json.loads((directory / SUMMARY).read_text())
    return Stored(
        directory=directory,
        etag=summary["etag"],
        created=datetime.fromisoformat(summary["created"]),
        built=datetime.fromisoformat(summary["built"]),
        rows=summary["rows"],
    )


def _write(directory):
    """Build the package into a temporary folder, then rename it to `directory`."""
    package = opendata.build_package()
    root = directory.parent
    root.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    try:
        for name, content in package.files.items():
            (temporary / name).write_bytes(content)
        (temporary / opendata.ZIP_NAME).write_bytes(opendata.zip_bytes(package))
        etag = hashlib.sha256(package.files[opendata.DESCRIPTOR]).hexdigest()[:32]
        summary = {
            "etag": etag,
            "created": package.created.isoformat(),
            "built": timezone.now().isoformat(),
            "rows": package.rows,
        }
        (temporary / SUMMARY).write_text(json.dumps(summary))
        temporary.chmod(0o755)
        try:
            temporary.rename(directory)
        except OSError:
            if not (directory / SUMMARY).exists():
                raise
            # Another process put the same package in place first: keep theirs.
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    _remove_old(keep=directory)


def _remove_old(*, keep):
    cutoff = time.time() - KEEP_OLD_SECONDS
    for folder in keep.parent.iterdir():
        if folder != keep and folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def current_package():
    """The Stored package of the data as it is now, built first if needed."""
    directory = _root() / package_key(data_stamp())
    try:
        return _read(directory)
    except FileNotFoundError:
        pass
    try:
        _write(directory)
    except FileNotFoundError:
        # forget() emptied the folder while we were writing into it: once more.
        _write(directory)
    return _read(directory)


def forget(**kwargs):
    """Remove every stored package (a signal handler for reference data; also for tests)."""
    root = _root()
    if root.is_dir():
        for folder in root.iterdir():
            shutil.rmtree(folder, ignore_errors=True)


def connect_signals():
    for model in WATCHED:
        uid = f"ovp-open-data-{model.__name__}"
        post_save.connect(forget, sender=model, dispatch_uid=uid)
        post_delete.connect(forget, sender=model, dispatch_uid=f"{uid}-d")
