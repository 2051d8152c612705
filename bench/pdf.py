"""The scorecard: cold render, warm render and WeasyPrint alone on the same HTML.

Run as `python -m bench.pdf --id ID [--repeat N]` with the environment of a worker, in a new
process; prints JSON. The clock starts before Django is imported, so the cold figure is what
a freshly started process pays for its first scorecard (imports, settings, WeasyPrint,
fonts, queries, template, layout). Warm renders and WeasyPrint-alone renders alternate, so a
slow moment of the machine hits both. Renders bypass the disk cache of scorecards.
"""

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402 - after the clock starts, on purpose
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402


class Collect(logging.Handler):
    """Keeps WeasyPrint's warnings, e.g. its fallback from HarfBuzz to fontTools subsetting."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def is_subset_fallback(message):
    lowered = message.lower()
    return "subset" in lowered and ("fonttools" in lowered or "unable" in lowered)


def pdf_pages(data):
    """Number of pages of a PDF: pypdf when installed, else counting /Type /Page objects."""
    try:
        import io

        from pypdf import PdfReader

        return len(PdfReader(io.BytesIO(data)).pages)
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def _median(values):
    from .report import median

    return median(values)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.pdf")
    parser.add_argument("--id", type=int, required=True, help="assessment to render")
    parser.add_argument("--repeat", type=int, default=7, help="warm and WeasyPrint renders")
    args = parser.parse_args(argv)

    collect = Collect()
    logging.getLogger("weasyprint").addHandler(collect)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ovp_assess.settings")
    django.setup()
    from django.utils import translation

    from assessments.models import Assessment
    from reports import scorecard

    def load():
        # As the view gets it (assessments.access.get_assessment_for_user).
        return Assessment.objects.select_related("office__city__country").get(pk=args.id)

    with translation.override("en"):
        data = scorecard.render_scorecard(assessment=load())
        cold_ms = (time.perf_counter() - STARTED) * 1000

        # The HTML the app hands to WeasyPrint, caught on its way in.
        from reports import pdf

        seen = {}
        original = pdf.render_pdf

        def catch(*, html, **kw):
            seen["html"] = html
            return original(html=html, **kw)

        pdf.render_pdf = catch
        try:
            scorecard.render_scorecard(assessment=load())
        finally:
            pdf.render_pdf = original
        html = seen["html"]

        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration

        # WeasyPrint alone, set up as the app sets it up: same base URL, same fetcher, one
        # font configuration kept across renders.
        fonts = FontConfiguration()

        def weasyprint_alone():
            return HTML(
                string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.StaticOnlyFetcher()
            ).write_pdf(font_config=fonts)

        weasyprint_alone()
        warm, alone = [], []
        runs = [
            (warm, lambda: scorecard.render_scorecard(assessment=load())),
            (alone, weasyprint_alone),
        ]
        for i in range(args.repeat):
            # Alternating, and which goes first alternates too: order effects cancel out.
            for times, render in runs if i % 2 == 0 else runs[::-1]:
                t0 = time.perf_counter()
                render()
                times.append(time.perf_counter() - t0)
        # Plain `write_pdf()` with a fresh font configuration each time, for reference.
        fresh = []
        for _ in range(3):
            t0 = time.perf_counter()
            HTML(
                string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.StaticOnlyFetcher()
            ).write_pdf()
            fresh.append(time.perf_counter() - t0)

    from weasyprint.text import ffi

    json.dump(
        {
            "cold_ms": round(cold_ms, 1),
            "warm_ms": round(_median(warm) * 1000, 1),
            "weasyprint_ms": round(_median(alone) * 1000, 1),
            "weasyprint_fresh_fonts_ms": round(_median(fresh) * 1000, 1),
            # The fastest of each: less sensitive to other work on the machine than medians.
            "warm_min_ms": round(min(warm) * 1000, 1),
            "weasyprint_min_ms": round(min(alone) * 1000, 1),
            "pages": pdf_pages(data),
            "bytes": len(data),
            "html_bytes": len(html.encode()),
            "harfbuzz": {
                # WeasyPrint subsets with HarfBuzz from 4.1.0 on, else falls back to fontTools.
                "at_least_4_1": bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0)),
                "subset_library": ffi.harfbuzz_subset is not None,
                "fallback_warnings": sorted({m for m in collect.messages if is_subset_fallback(m)}),
                "warnings": sorted(set(collect.messages)),
            },
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
