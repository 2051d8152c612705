"""ZIP bundles of a cycle's published scorecards, streamed from the scorecard cache.

Each PDF is rendered into the cache first (at most one is in memory at a time), then the
ZIP is written chunk by chunk into the response from the files on disk: neither the PDFs
nor the ZIP are ever held in memory whole.

A scorecard that cannot be rendered (reports.pdf.RenderFailed, remembered per version by
reports.scorecard_cache) does not fail the bundle: it is left out, and NOTES_NAME inside
the ZIP says which offices were left out and why.
"""

import time
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from assessments.access import visible_assessments

from . import pdf, scorecard_cache

# A partner bundle; beyond this, narrow it by region.
MAX_FILES = 100
CHUNK = 64 * 1024
# The note inside the ZIP that lists the scorecards left out.
NOTES_NAME = "problems.txt"


def bundle_assessments(*, user, cycle, region=None, fictional=False):
    """The published assessments of `cycle` (of `region`), real offices unless `fictional`."""
    qs = (
        visible_assessments(user)
        .published()
        .filter(cycle=cycle)
        .select_related("office__city__country")
        .order_by("office__city__name", "office__name", "kind")
    )
    if region:
        qs = qs.filter(office__city__country__region=region)
    if not fictional:
        qs = qs.real()
    return list(qs[: MAX_FILES + 1])


def archive_name(assessment):
    office = assessment.office
    return f"{office.city.slug}-{office.slug}-{assessment.cycle}-{assessment.kind}.pdf"


class BundleNotReady(Exception):
    """Rendering the missing scorecards took longer than one request may take."""

    def __init__(self, ready, total):
        super().__init__(f"{ready} of {total} scorecards ready")
        self.ready, self.total = ready, total


@dataclass
class Bundle:
    files: list = field(default_factory=list)  # [(name in the ZIP, path of the cached PDF)]
    left_out: list = field(default_factory=list)  # [(assessment, reports.pdf.RenderFailed)]


def bundle_files(*, assessments, language, paper, budget=None):
    """A Bundle of the cached PDFs of `assessments`, rendering the missing ones.

    All renders of one request get `budget` seconds together (settings.PDF_RENDER_TIMEOUT),
    like one scorecard, so a bundle never holds a worker longer. What was rendered stays
    cached: asking again goes on from there. A scorecard that cannot be rendered is left
    out (`left_out`); one that ran out of the bundle's time is not its fault, and raises
    BundleNotReady, as does a machine whose render slots are all busy.
    """
    budget = settings.PDF_RENDER_TIMEOUT if budget is None else budget
    deadline = time.monotonic() + budget
    made = Bundle()
    for a in assessments:
        timeout = min(max(deadline - time.monotonic(), 0), settings.PDF_RENDER_TIMEOUT)
        try:
            path = scorecard_cache.ensure_scorecard(
                assessment=a, language=language, paper=paper, timeout=timeout
            )
        except pdf.RenderBusy:
            raise BundleNotReady(len(made.files) + len(made.left_out), len(assessments)) from None
        except pdf.RenderFailed as failure:
            if not failure.permanent:  # out of the bundle's time, not the document's fault
                raise BundleNotReady(
                    len(made.files) + len(made.left_out), len(assessments)
                ) from None
            made.left_out.append((a, failure))
            continue
        made.files.append((archive_name(a), path))
    return made


def notes(made, *, cycle, language):
    """[(NOTES_NAME, text)] listing the scorecards left out of `made`, in `language`."""
    if not made.left_out:
        return []
    with translation.override(language):
        lines = [
            _("Scorecards left out of this bundle (cycle %(cycle)s)") % {"cycle": cycle},
            "",
            _(
                "These scorecards could not be rendered, so they are not in this ZIP. "
                "This usually comes from very long lines or very long words in an "
                "assessment's texts. Each is rendered again when its assessment changes."
            ),
            "",
        ]
        for assessment, failure in made.left_out:
            office = assessment.office
            lines.append(
                f"- {archive_name(assessment)}: {office.name}, {office.city.name}. "
                f"{_failure_reason(failure)}"
            )
    return [(NOTES_NAME, "\n".join(lines) + "\n")]


def _failure_reason(failure):
    if isinstance(failure, pdf.RenderTimeout):
        return _("Rendering took longer than the %(seconds)s seconds allowed.") % {
            "seconds": settings.PDF_RENDER_TIMEOUT
        }
    if isinstance(failure, pdf.RenderOutOfMemory):
        return _("Rendering needed more than the %(megabytes)s MB of memory allowed.") % {
            "megabytes": settings.PDF_RENDER_RSS_MB
        }
    return _("The PDF renderer stopped with an error.")


class _Sink:
    """A write-only file for ZipFile whose bytes are taken out after each chunk."""

    def __init__(self):
        self.parts = []

    def write(self, data):
        self.parts.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def stream_zip(files, *, notes=()):
    """Yield the ZIP of `files` ([(name, path)]) and `notes` ([(name, text)]) in chunks.

    PDFs are already compressed, so they are stored as they are. The files are opened
    before the first byte goes out, so a version replaced meanwhile cannot cut the ZIP.
    """
    # ZipInfo.from_file keeps each PDF's date (when it was rendered) in the archive.
    handles = [
        (zipfile.ZipInfo.from_file(path, name), open(path, "rb"))  # noqa: SIM115
        for name, path in files
    ]
    sink = _Sink()
    try:
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
            for info, fh in handles:
                info.compress_type = zipfile.ZIP_STORED
                with archive.open(info, "w") as member:
                    while chunk := fh.read(CHUNK):
                        member.write(chunk)
                        yield sink.take()
            for name, text in notes:
                info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
                info.external_attr = 0o644 << 16
                archive.writestr(info, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
                yield sink.take()
        yield sink.take()  # the last member's data descriptor and the central directory
    finally:
        for _info, fh in handles:
            fh.close()
