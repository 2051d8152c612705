"""What the dashboard shows besides its charts: the offices drawn as trends and the
empty state. Plain functions, tested without a request (tests/reports/test_dashboard_state.py).
"""

from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from .charts import MAX_TREND_PANELS

# The filters that narrow the selection, in the order the message names them.
NARROWING = ("region", "country", "home", "cycle", "kind")


def trend_offices(*, ordered, office=None, limit=MAX_TREND_PANELS):
    """The offices drawn as small multiples: the one asked for first (the table's "Trend"
    link), then the others in the table's order, at most `limit`."""
    rest = [o for o in ordered if office is None or o["slug"] != office["slug"]]
    return ([office] if office is not None else [])[:limit] + rest[: limit - (office is not None)]


def narrowing_filters(*, values, labels):
    """[(parameter, its value as people read it)] of the narrowing filters that are set.

    `labels`: {parameter: {value: label}} for the filters with choices."""
    out = []
    for name in NARROWING:
        value = values.get(name)
        if value in (None, ""):
            continue
        out.append((name, str(labels.get(name, {}).get(str(value), value))))
    return out


def empty_state(*, narrowing, include_demo):
    """What to say when no office matches: {"message", "hint", "clear": [(parameter, link
    text)], "demo": offer the demo data?}. `narrowing` as narrowing_filters gives it."""
    what = {
        "region": _("region %(value)s"),
        "country": _("country %(value)s"),
        "home": _("institutional home %(value)s"),
        "cycle": _("cycle %(value)s"),
        "kind": _("kind %(value)s"),
    }
    clear = {
        "region": _("Clear the region (%(value)s)"),
        "country": _("Clear the country (%(value)s)"),
        "home": _("Clear the institutional home (%(value)s)"),
        "cycle": _("Any cycle instead of %(value)s"),
        "kind": _("Any kind instead of %(value)s"),
    }
    if narrowing:
        filters = get_text_list([what[n] % {"value": v} for n, v in narrowing], _("and"))
        message = _("No published, rated assessment matches %(filters)s.") % {"filters": filters}
        hint = (
            _("Widen the selection: clear this filter.")
            if len(narrowing) == 1
            else _("Widen the selection: clear one of these filters, or all of them.")
        )
    else:
        message = _("No office has a published, rated assessment yet.")
        hint = ""
    return {
        "message": message,
        "hint": hint,
        "clear": [(n, clear[n] % {"value": v}) for n, v in narrowing],
        "demo": not include_demo,
    }
