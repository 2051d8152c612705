"""The open-data package in storage, rebuilt when the published data changes (reports.cache,
5).

One folder per version of the data in the "opendata" storage (reports.storage.opendata():
OPEN_DATA_DIR on this machine by default, or a prefix of the shared bucket; see
docs/storage.md), named by a key made of the published-data stamp (reports.cache.data_stamp:
it moves with every workflow step, publication included, and every deletion), the
package's FORMAT and the site's base (assessments.links.site_base: SITE_URL or its fallback,
never a request's host). A request takes the stamp (one query) and serves the folder's
files; the first request after a change builds the package (reports.opendata). The folder's
summary is written last, once every file is in place: a folder is read only through its
summary, so a reader never sees half a package, and two processes (or nodes) building at
once both end up with a whole one (the same files, written whole each time). Older folders
are removed after a build.

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
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from assessments.links import site_base
from cities.models import City, Country, Office, SourcedFact
from criteria.models import Criterion, RubricLevel

from . import opendata, storage
from .cache import data_stamp

logger = logging.getLogger("ovp.storage")
SUMMARY = "summary.json"  # beside the package, not part of it
# A folder that is not the current one is removed after a build only once this old, so a
# request of another process that has just picked it still finds its files.
KEEP_OLD_SECONDS = 600
WATCHED = (Country, City, Office, SourcedFact, Criterion, RubricLevel)


@dataclass(frozen=True)
class Stored:
    folder: str
    etag: str
    created: datetime
    built: datetime
    rows: dict

    def name(self, file_name):
        """The name of one of the package's files in the opendata storage."""
        return f"{self.folder}/{file_name}"


def package_key(stamp):
    parts = repr((stamp, opendata.FORMAT, site_base()))
    return hashlib.sha256(parts.encode()).hexdigest()[:32]


def _read(store, folder):
    with store.open(f"{folder}/{SUMMARY}", "rb") as fh:
        summary = json.loads(fh.read())
    return Stored(
        folder=folder,
        etag=summary["etag"],
        created=datetime.fromisoformat(summary["created"]),
        built=datetime.fromisoformat(summary["built"]),
        rows=summary["rows"],
    )


def _write(store, folder):
    """Build the package into `folder`, its summary last."""
    package = opendata.build_package()
    files = {**package.files, opendata.ZIP_NAME: opendata.zip_bytes(package)}
    for name, content in files.items():
        store.save(f"{folder}/{name}", storage.StoredBytes(content, public=True))
    summary = {
        "etag": hashlib.sha256(package.files[opendata.DESCRIPTOR]).hexdigest()[:32],
        "created": package.created.isoformat(),
        "built": timezone.now().isoformat(),
        "rows": package.rows,
    }
    store.save(
        f"{folder}/{SUMMARY}", storage.StoredBytes(json.dumps(summary).encode(), public=True)
    )
    _remove_old(store, keep=folder)


def _remove_old(store, *, keep):
    cutoff = timezone.now() - timedelta(seconds=KEEP_OLD_SECONDS)
    for folder in _folders(store):
        if folder == keep:
            continue
        names = list(storage.walk(store, folder))
        try:
            old = not names or store.get_modified_time(names[0]) < cutoff
        except FileNotFoundError:  # removed meanwhile by another process
            continue
        if old:
            storage.delete_tree(store, folder)


def _folders(store):
    try:
        return store.listdir("")[0]
    except FileNotFoundError:
        return []


def current_package():
    """The Stored package of the data as it is now, built first if needed."""
    store = storage.opendata()
    folder = package_key(data_stamp())
    try:
        return _read(store, folder)
    except FileNotFoundError:
        pass
    _write(store, folder)
    return _read(store, folder)


def forget(**kwargs):
    """Remove every stored package (a signal handler for reference data; also for tests).

    A storage that does not answer must not fail the edit that sent the signal (an admin
    saving a city): the error is logged, and the package stays as it was until the next
    publication or edit.
    """
    store = storage.opendata()
    try:
        for folder in _folders(store):
            storage.delete_tree(store, folder)
    except storage.UNAVAILABLE:
        logger.exception("open-data package not forgotten: the file storage did not answer")


def connect_signals():
    for model in WATCHED:
        uid = f"ovp-open-data-{model.__name__}"
        post_save.connect(forget, sender=model, dispatch_uid=uid)
        post_delete.connect(forget, sender=model, dispatch_uid=f"{uid}-d")
