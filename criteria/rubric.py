"""The rubric's levels as one idea each: their colours, their labels, and which criteria an
assessment should work on first. Every page, the PDF and the charts use these."""

import re
from functools import cache
from pathlib import Path

from django.conf import settings

TOP_LEVEL = 4
LEVELS_CSS = Path(settings.BASE_DIR) / "static" / "css" / "levels.css"


@cache
def level_colours():
    """{level: "#rrggbb"}, read from static/css/levels.css, the colours' one source."""
    found = re.findall(r"\.level-(\d) \{ background: (#[0-9a-fA-F]{6});", LEVELS_CSS.read_text())
    colours = {int(level): colour for level, colour in found}
    if sorted(colours) != list(range(TOP_LEVEL + 1)):
        raise ValueError(f"{LEVELS_CSS} must give one background for each of levels 0 to 4")
    return colours


def rubric_level(criterion, level):
    """The criterion's RubricLevel for `level` (from its prefetched `levels`), or None."""
    if level is None:
        return None
    return next((r for r in criterion.levels.all() if r.level == level), None)


def level_label(criterion, level):
    """The rubric's name for `level` on `criterion`, in the active language ("" if none)."""
    found = rubric_level(criterion, level)
    return found.tr("label") if found else ""


def weakest(levels, *, limit=3):
    """The criteria to work on first: from (criterion number, level) pairs of one assessment,
    the numbers of the lowest-rated criteria below the top level, lowest first, ties by
    criterion number, at most `limit`. Unrated and not-applicable ones (level None) are
    left out; so is the top level, where no peer is stronger to learn from."""
    rated = sorted((level, number) for number, level in levels if level is not None)
    return [number for level, number in rated if level < TOP_LEVEL][:limit]
