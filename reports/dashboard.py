"""What the dashboard shows besides its charts: the offices drawn as trends, the targets
reached and the empty state. Plain functions, tested without a request
(tests/reports/test_dashboard_state.py, test_dashboard_scale.py).
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


def targets_summary(*, rows):
    """Targets set and reached, totalled per pair of cycles (set in, checked in), latest
    first: [{"earlier", "later", "offices", "with_targets", "set", "reached"}].

    `rows`: assessments.plans.targets_reached's answer, one per office. Totals, not a row
    per office: a selection of 10,000 offices would otherwise be 10,000 rows (2 MB of HTML)
    on every view of the dashboard."""
    pairs = {}
    for row in rows:
        total = pairs.setdefault(
            (row.earlier, row.later),
            {"earlier": row.earlier, "later": row.later, "offices": 0, "with_targets": 0,
             "set": 0, "reached": 0},
        )  # fmt: skip
        total["offices"] += 1
        total["with_targets"] += row.set > 0
        total["set"] += row.set
        total["reached"] += row.reached
    return [pairs[key] for key in sorted(pairs, reverse=True)]
