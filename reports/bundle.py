"""ZIP bundles of a cycle's published scorecards, streamed from the scorecard cache.

Each PDF is rendered into the cache first (at most one is in memory at a time), then the
ZIP is written chunk by chunk into the response from the files on disk: neither the PDFs
nor the ZIP are ever held in memory whole.
"""

import time
import zipfile

from django.conf import settings

from assessments.access import visible_assessments

from . import scorecard_cache

# A partner bundle; beyond this, narrow it by region.
MAX_FILES = 100
CHUNK = 64 * 1024


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


def bundle_files(*, assessments, language, paper, budget=None):
    """[(name in the ZIP, path of the cached PDF)], rendering the missing ones.

    All renders together get `budget` seconds (settings.PDF_RENDER_TIMEOUT), like one
    scorecard, so a bundle never holds a worker longer. What was rendered stays cached:
    asking again goes on from there.
    """
    from .pdf import RenderBusy, RenderTimeout

    budget = settings.PDF_RENDER_TIMEOUT if budget is None else budget
    deadline = time.monotonic() + budget
    files = []
    for a in assessments:
        try:
            path = scorecard_cache.ensure_scorecard(
                assessment=a,
                language=language,
                paper=paper,
                timeout=max(deadline - time.monotonic(), 0),
            )
        except (RenderTimeout, RenderBusy):
            raise BundleNotReady(len(files), len(assessments)) from None
        files.append((archive_name(a), path))
    return files


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


def stream_zip(files):
    """Yield the ZIP of `files` ([(name, path)]) in chunks.

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
        yield sink.take()  # the last member's data descriptor and the central directory
    finally:
        for _info, fh in handles:
            fh.close()
