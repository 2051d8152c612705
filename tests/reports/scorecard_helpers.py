"""Shared helpers for the scorecard tests."""

import io

from pypdf import PdfReader

# The test client's host: without SITE_URL, the scorecard's links start with it.
HOST = "http://testserver"


def pdf_bytes(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def pdf_pages(content):
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def flat(text):
    """Text with all whitespace removed: table cells wrap lines anywhere."""
    return "".join(text.split())


def pdf_flat(content):
    return flat("".join(pdf_pages(content)))


def link_targets(content):
    targets = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for annot in page.get("/Annots", []):
            action = annot.get_object().get("/A")
            if action and action.get("/URI"):
                targets.append(action["/URI"])
    return targets


class RenderCounter:
    """Stands in for reports.pdf.render_pdf: counts calls, returns a tiny fake PDF."""

    def __init__(self):
        self.calls = 0

    def __call__(self, *, html, **kwargs):
        self.calls += 1
        return b"%PDF-1.7\n% fake scorecard " + str(self.calls).encode() + b"\n%%EOF\n"
