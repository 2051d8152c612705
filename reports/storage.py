"""The storages of the reports app's files (STORAGES in settings; docs/storage.md).

`scorecards()` and `opendata()` are looked up at each use, so a test (or a tool) that
changes STORAGES gets the new one. On the local file system they are `LocalStorage`
folders; with STORAGE_BACKEND=s3 they are prefixes of one bucket (django-storages).

Helpers here work with any Django storage: `walk` lists every file under a folder (S3 has
no folders, only names with slashes), `delete_tree` removes them.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages

from . import pdf


def __getattr__(name):
    """UNAVAILABLE: what a storage raises when it cannot answer (`except UNAVAILABLE:`).

    A failing or full disk (OSError), or an object store that is down, unreachable or
    refusing (botocore's errors; boto3 wraps a failed upload in its own Boto3Error). A
    missing file is FileNotFoundError, an OSError too: callers that expect one catch it
    first. boto3 takes over a second to import, so it is named only once the S3 backend
    has imported it: an `except` clause reads this only when an exception reaches it.
    """
    if name != "UNAVAILABLE":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    errors = [OSError]
    if "botocore.exceptions" in sys.modules:
        botocore = sys.modules["botocore.exceptions"]
        errors += [botocore.BotoCoreError, botocore.ClientError]
    if "boto3.exceptions" in sys.modules:
        errors.append(sys.modules["boto3.exceptions"].Boto3Error)
    return tuple(errors)


def scorecards():
    return storages["scorecards"]


def opendata():
    return storages["opendata"]


class StoredBytes(ContentFile):
    """Bytes to save; `public` says whether a local file may be readable by others (0644)
    or is this user's only (0600). Object stores ignore it: objects there are private."""

    def __init__(self, content, *, public=False):
        super().__init__(content)
        self.public = public


class LocalStorage(FileSystemStorage):
    """A folder of this machine named by a setting (e.g. PDF_CACHE_DIR) read at each use,
    so that the setting (and tests that change it) keeps deciding where files are.

    Names here are keys (the same name is the same content), so saving a name again
    replaces its file, atomically: a temporary file renamed over the old one, so a reader
    in another process never sees half a file. Folders are this user's only (0700, existing
    ones tightened); files 0600 unless saved as StoredBytes(public=True) (0644).
    """

    def __init__(self, setting, **kwargs):
        super().__init__(allow_overwrite=True, **kwargs)
        self.setting = setting

    @property
    def base_location(self):
        return str(getattr(settings, self.setting))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def _save(self, name, content):
        public = getattr(content, "public", False)
        path = Path(self.path(name))
        write_atomic(path, content.chunks(), private=not public, root=self.location)
        return name.replace("\\", "/")


def write_atomic(path, data, *, private=False, root=None):
    """Write `data` (bytes, or an iterable of bytes or str chunks) to `path` through a
    temporary file in its folder; 0600 when `private`, else 0644. Folders from `root` (a
    storage's location) down are made private (0700)."""
    pdf.private_dir(path.parent, root=root)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in [data] if isinstance(data, bytes) else data:
                fh.write(chunk.encode() if isinstance(chunk, str) else chunk)
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def walk(storage, folder=""):
    """Every file name under `folder` (recursively), as names of `storage`."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    prefix = f"{folder.rstrip('/')}/" if folder else ""
    for name in files:
        yield prefix + name
    for sub in folders:
        yield from walk(storage, prefix + sub)


def delete_tree(storage, folder):
    """Delete every file under `folder` (on a file system, the folder itself)."""
    if isinstance(storage, FileSystemStorage):
        shutil.rmtree(storage.path(folder), ignore_errors=True)
        return
    for name in list(walk(storage, folder)):
        storage.delete(name)


def modified_time(fh):
    """When the open stored file `fh` was written (a POSIX timestamp).

    django-storages' S3File has loaded the object's metadata when it was opened (no second
    request); a local file is asked about the file already open, not its name, which may
    have been replaced since.
    """
    obj = getattr(fh, "obj", None)
    if obj is not None:
        return obj.last_modified.timestamp()
    return os.fstat(fh.fileno()).st_mtime
