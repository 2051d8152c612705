"""Evidence files: what may be uploaded, how it is stored, and how a form row refers to a
file already stored.

- The type is read from the content (its magic bytes, with `filetype`), never from the
  name or the browser's Content-Type: an HTML page renamed "report.pdf" is refused.
- Files are stored through Django's storage API only (STORAGES["default"]), under a
  random name with the extension of the detected type; the uploaded name, sanitised, is
  kept for the download's file name and is never part of a path.
- A form row that holds a stored file carries it as a token signed for one entry, so
  that a form can neither point at another office's file nor at any storage path.
- A stored file is never deleted when its row is: history and the next cycle's copy of
  the entry still refer to it.
"""

import os
import re
import unicodedata
import uuid

import filetype
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .links import site_base
from .models import StoredFile

# Detected type -> (extension, what people call it). Legacy .doc and .xls are read by the
# same detector (OLE2 with the program's marker).
ALLOWED_TYPES = {
    "application/pdf": ("pdf", "PDF"),
    "image/png": ("png", "PNG"),
    "image/jpeg": ("jpg", "JPEG"),
    "image/webp": ("webp", "WebP"),
    "image/gif": ("gif", "GIF"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx", "Word"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx", "Excel"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "pptx",
        "PowerPoint",
    ),
    "application/vnd.oasis.opendocument.text": ("odt", "OpenDocument text"),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", "OpenDocument spreadsheet"),
    "application/vnd.oasis.opendocument.presentation": ("odp", "OpenDocument presentation"),
    "application/msword": ("doc", "Word 97-2003"),
    "application/vnd.ms-excel": ("xls", "Excel 97-2003"),
}
ACCEPT = ",".join(sorted({f".{ext}" for ext, _label in ALLOWED_TYPES.values()} | {".jpeg"}))
DIRECTORY = "evidence"
SIGNING_SALT = "assessments.evidence.file"
# The longest original name kept (the model's field), extension included.
MAX_NAME = 200
HEAD_BYTES = 8192  # what filetype reads
# Characters Windows or a shell would trip on in a downloaded file's name.
UNSAFE = re.compile(r'[<>:"/\\|?*]')


def type_label(content_type):
    return ALLOWED_TYPES.get(content_type, ("", content_type))[1]


def check_upload(upload):
    """The detected content type of `upload` (an UploadedFile), or a ValidationError with a
    message for the person: empty, too big, or not one of ALLOWED_TYPES by content."""
    limit = settings.EVIDENCE_MAX_BYTES
    if not upload.size:
        raise ValidationError(_("This file is empty. Choose another file."), code="empty")
    if upload.size > limit:
        raise ValidationError(
            _("This file is too big (%(size)s): files may be at most %(limit)s."),
            code="too_big",
            params={"size": human_size(upload.size), "limit": human_size(limit)},
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(
            _(
                "This file is not a PDF, an image (PNG, JPEG, WebP, GIF) or an office "
                "document (Word, Excel, PowerPoint, OpenDocument), whatever its name says."
            ),
            code="type",
        )
    return kind.mime


def safe_name(name, content_type):
    """The uploaded name as the download's file name: no directories, no control or
    invisible characters, none that a file system refuses, at most MAX_NAME characters,
    and the extension of the detected type."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    stem = UNSAFE.sub("_", os.path.splitext(name)[0]).strip(" .")
    stem = " ".join(stem.split())
    ext = ALLOWED_TYPES[content_type][0]
    stem = stem[: MAX_NAME - len(ext) - 1].rstrip(" .") or "evidence"
    return f"{stem}.{ext}"


def store_upload(upload, content_type):
    """Save a checked upload under a new random name; returns its StoredFile."""
    ext = ALLOWED_TYPES[content_type][0]
    upload.seek(0)
    name = default_storage.save(f"{DIRECTORY}/{uuid.uuid4().hex}.{ext}", upload)
    return StoredFile(name, safe_name(upload.name, content_type), upload.size, content_type)


def sign(stored, *, entry_id):
    """A token for a form row holding `stored`, valid for the rows of `entry_id` only."""
    return signing.dumps(list(stored), salt=f"{SIGNING_SALT}:{entry_id}", compress=True)


def unsign(token, *, entry_id):
    """The StoredFile a token of sign() names, or None when it is not one for this entry."""
    try:
        values = signing.loads(token, salt=f"{SIGNING_SALT}:{entry_id}")
        stored = StoredFile(*values)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not stored.name.startswith(f"{DIRECTORY}/") or stored.content_type not in ALLOWED_TYPES:
        return None
    return stored


def human_size(size):
    """The size as the pages show it (Django's filesizeformat: 1.2 MB, 340.0 KB)."""
    return filesizeformat(size)


def download_url(link, *, base=None):
    """The permanent address of an evidence file's download (the site's base,
    assessments.links.site_base, unless `base` is given, and the view's path): what the
    scorecard and the API give instead of a link's URL."""
    path = reverse("assess:evidence-file", args=[link.entry.assessment_id, link.pk])
    return (base or site_base()) + path
