"""The staff form and the matrix on a phone (375 px) and a laptop (1280 px).

No sideways scrolling of the page (the matrix scrolls inside its own container), and the
controls that matter are on screen and work. With OVP_SCREENSHOTS=<directory> set, the
pages are also saved there as PNGs (the README's pictures come from docs/screenshots):

    OVP_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/e2e/test_responsive.py
"""

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from assessments.models import Assessment

from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (375, 1280)
HEIGHTS = {375: 812, 1280: 900}


def save(page, name, top=None):
    """A screenshot of the viewport, scrolled so that `top` (a locator) is at the top.

    Saved with 256 colours (Pillow comes with WeasyPrint): a third of the size, same look.
    """
    target = os.environ.get("OVP_SCREENSHOTS")
    if not target:
        return
    if top is not None:
        top.evaluate('e => e.scrollIntoView({behavior: "instant"})')
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    Path(target).mkdir(parents=True, exist_ok=True)
    image.quantize(colors=256, dither=Image.Dither.NONE).save(
        Path(target) / f"{name}.png", optimize=True
    )


def assert_no_page_overflow(page, width):
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner == width and scroll <= width, (scroll, inner)


def assert_on_screen(locator, width):
    """Visible, and horizontally inside the viewport (so nobody has to scroll to reach it)."""
    assert locator.is_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box


@pytest.fixture
def sunhill_draft(report):
    """seed_demo's half-filled draft, and an editor of its (fictional) office."""
    helpers.seed_demo()
    helpers.office_staff("staff-sunhill", helpers.SUNHILL)
    return Assessment.objects.get(office__slug=helpers.SUNHILL, cycle=2025)


def test_staff_form_works_on_a_phone_and_a_laptop(new_page, sunhill_draft, assert_accessible):
    for width in WIDTHS:
        page = new_page(width, HEIGHTS[width])
        helpers.sign_in(page, assert_accessible, "staff-sunhill")
        page.goto(f"/assess/{sunhill_draft.pk}/criteria/7/")
        assert_no_page_overflow(page, width)
        assert_accessible(page)
        # On a phone the form itself; on a laptop the whole layout from the top.
        form = page.get_by_role("heading", name="Your assessment")
        save(page, f"form-{width}", top=form if width < 992 else None)

        level = page.get_by_role("radio", name=re.compile(r"^3 – "))
        strengths = page.get_by_label("Current strengths", exact=True)
        opportunities = page.get_by_label("Opportunities to enhance effectiveness")
        save_button = page.get_by_role("button", name="Save draft")
        for control in (level, strengths, opportunities, save_button):
            control.scroll_into_view_if_needed()
            assert_on_screen(control, width)
        level.check()
        opportunities.fill(f"Keep experienced outreach workers ({width} px).")
        helpers.follow(save_button)
        assert page.get_by_role("status").inner_text() == "Criterion 7 saved as a draft."
        assert_no_page_overflow(page, width)

        # On a phone the main menu folds behind its button, which opens it.
        menu = page.get_by_role("button", name="Toggle navigation")
        assert menu.is_visible() == (width < 992)
        if width < 992:
            menu.click()
        link = page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="My assessments"
        )
        link.wait_for(state="visible")
        assert_on_screen(link, width)

    entry = sunhill_draft.entries.get(criterion__number=7)
    assert (entry.level, entry.opportunities) == (3, "Keep experienced outreach workers (1280 px).")


def test_matrix_works_on_a_phone_and_a_laptop(new_page, sunhill_draft, assert_accessible):
    for width in WIDTHS:
        page = new_page(width, HEIGHTS[width])
        page.goto("/reports/matrix/?cities=bristol,cali,edmonton,rosario")
        assert_no_page_overflow(page, width)
        assert_accessible(page)
        if width == 375:
            # One city at a time, as cards (tests/e2e/test_matrix_views.py tries the switcher).
            save(page, f"matrix-{width}", top=page.locator("#city-cards"))
            assert page.locator(".matrix-scroll").is_hidden()
            assert page.locator("#city-cards ol.matrix-cards > li").count() == 9
        else:
            save(page, f"matrix-{width}", top=page.locator(".matrix-scroll"))
            # The table scrolls inside its labelled, focusable region, not the page; at
            # 1280 px the four cities fit (no sideways scrolling at all).
            name = "Current strengths and opportunities of 4 cities"
            region = page.get_by_role("region", name=name)
            assert region.get_attribute("tabindex") == "0"
            inner, outer = region.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert inner <= outer

        compare = page.get_by_role("button", name="Compare")
        cali = page.get_by_role("checkbox", name=re.compile(r"^Cali "))
        for control in (cali, compare):
            control.scroll_into_view_if_needed()
            assert_on_screen(control, width)
        cali.uncheck()
        helpers.follow(compare)
        page.wait_for_url(re.compile(r"cities=bristol,edmonton,rosario$"))
        assert_no_page_overflow(page, width)

    # The home page and the dashboard (with seed_demo's fictional offices) for the README.
    page = new_page(1280, 900)
    page.goto("/")
    save(page, "home")
    page.goto("/reports/dashboard/")
    assert_no_page_overflow(page, 1280)
    page.locator("#plot-heatmap .main-svg").first.wait_for()
    save(page, "dashboard", top=page.get_by_role("heading", name="Levels by office and criterion"))
