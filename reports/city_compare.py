"""What the city page puts side by side, criterion by criterion.

One column per source, one row per criterion: the report's chart (strengths and
opportunities, no levels), then for each office its latest published self-assessment and,
when a closed round of that assessment has figures to show, its perspectives (other
voices' figures, as rounds.public_figures lets them through: the privacy rule holds). A
source that is absent has no column.
"""

CHART, SELF, PERSPECTIVES = "chart", "self", "perspectives"


def side_by_side(*, criteria, charts, self_assessments, perspectives=None, labels=None):
    """{"columns": [...], "rows": [...]}, or None when there is nothing to compare.

    `charts` and `self_assessments`: published assessments whose `entries` are prefetched;
    `perspectives`: {assessment id: rounds.public_figures(...)}; `labels`:
    {(criterion id, level): the rubric's label}. A column is {"key", "kind", "assessment"}
    (+ "figures" for perspectives); `key` is the id of its header on the page. A row is
    {"criterion", "cells": [one per column]}; a cell is {"column", "entry", "label"} for a
    chart or a self-assessment (entry None when missing) and {"column", "figures",
    "divergent"} for perspectives (figures [] when the privacy rule hides them all), the
    all-respondents figures first.
    """
    perspectives = perspectives or {}
    labels = labels or {}
    columns = [{"key": f"chart-{a.pk}", "kind": CHART, "assessment": a} for a in charts]
    for a in self_assessments:
        columns.append({"key": f"self-{a.pk}", "kind": SELF, "assessment": a})
        figures = perspectives.get(a.pk)
        if figures and figures["shows_figures"]:
            columns.append(
                {"key": f"perspectives-{a.pk}", "kind": PERSPECTIVES, "assessment": a}
                | {"figures": figures}
            )
    if not columns:
        return None

    entries = {}
    by_number = {}
    for column in columns:
        a = column["assessment"]
        if column["kind"] == PERSPECTIVES:
            by_number[a.pk] = {c["number"]: c for c in column["figures"]["criteria"]}
        elif a.pk not in entries:
            entries[a.pk] = {e.criterion_id: e for e in a.entries.all()}

    rows = []
    for criterion in criteria:
        cells = []
        for column in columns:
            a = column["assessment"]
            if column["kind"] == PERSPECTIVES:
                found = by_number[a.pk].get(criterion.number) or {}
                shown = found.get("figures", [])
                cells.append(
                    {
                        "column": column,
                        # All respondents first: the figure a reader compares with the level.
                        "figures": sorted(shown, key=lambda f: not f["overall"]),
                        "divergent": bool(found.get("divergent")),
                    }
                )
                continue
            entry = entries[a.pk].get(criterion.pk)
            label = labels.get((criterion.pk, entry.level), "") if entry is not None else ""
            cells.append({"column": column, "entry": entry, "label": label})
        rows.append({"criterion": criterion, "cells": cells})
    return {"columns": columns, "rows": rows}


def kinds(comparison):
    """The kinds of source a comparison holds, in column order, each once (the page explains
    each kind once, above the table)."""
    if comparison is None:
        return []
    return list(dict.fromkeys(column["kind"] for column in comparison["columns"]))


def peers_to_show(*, peers, own_url):
    """find_peers' items as the city page lists them under an office: its own levels are in
    the table already, so only whom to learn from; the office's own examples (listed in its
    card) and criteria with nobody to learn from are left out. [] when nothing remains."""
    if not peers:
        return []
    items = []
    for item in peers["items"]:
        examples = [e for e in item["examples"] if e["url"] != own_url]
        if item["peers"] or examples:
            items.append({**item, "examples": examples})
    return items
