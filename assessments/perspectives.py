"""What a perspectives round's respondents said, as figures that never give one person away.

The privacy rule lives here and only here: pages, CSV, PDF and API are all built from
`summarise()`'s result, never from the answers themselves.

- A group is shown apart only when at least `min_group` of its respondents answered the round,
  and one of its cells (one criterion, one group) only when it holds at least `min_group`
  answers ("don't know" counts as an answer).
- The answers in the cells that are not shown form, per criterion, a *pool*. The pool counts in
  the all-respondents figures only when it holds at least `min_group` answers itself: otherwise
  subtracting the shown groups' figures from the all-respondents ones would give a small
  group's answers away.
- The all-respondents figures need at least `min_group` answers too.

Divergence, the rule shown on the results page: a criterion is divergent when the medians of
two shown groups are two levels or more apart, or when the middle half of all answers spans two
levels or more (interquartile range >= 2, quartiles by linear interpolation between the
sorted levels).
"""

from collections import defaultdict
from dataclasses import dataclass, field

# A respondent's level for a criterion: 0-4, or DONT_KNOW.
DONT_KNOW = None
DIVERGENT_MEDIANS = 2
DIVERGENT_SPREAD = 2


@dataclass(frozen=True)
class Answer:
    respondent: int
    group: int
    criterion: int
    level: int | None  # DONT_KNOW for "don't know"
    comment: str = ""


@dataclass(frozen=True)
class Figures:
    """One cell's figures: how many answered, how many did not know, and the levels' spread."""

    answers: int
    dont_know: int
    median: float | None
    low: int | None
    high: int | None
    q1: float | None
    q3: float | None

    @property
    def share_dont_know(self):
        return self.dont_know / self.answers if self.answers else 0.0

    @property
    def spread(self):
        return None if self.q1 is None else self.q3 - self.q1


def quantile(ordered, fraction):
    """Linear interpolation between the closest ranks of a sorted, non-empty list."""
    position = (len(ordered) - 1) * fraction
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def figures(levels):
    """Figures of a list of levels (DONT_KNOW for "don't know")."""
    known = sorted(level for level in levels if level is not DONT_KNOW)
    answers = len(levels)
    if not known:
        return Figures(answers, answers, None, None, None, None, None)
    return Figures(
        answers=answers,
        dont_know=answers - len(known),
        median=quantile(known, 0.5),
        low=known[0],
        high=known[-1],
        q1=quantile(known, 0.25),
        q3=quantile(known, 0.75),
    )


@dataclass(frozen=True)
class Group:
    id: int
    respondents: int  # how many of its respondents answered at least one criterion
    shown: bool


@dataclass(frozen=True)
class Row:
    criterion: int
    cells: tuple  # ((group id, Figures or None), ...) in the groups' order
    overall: Figures | None
    pooled: int  # answers from cells not shown, counted in `overall`
    left_out: int  # answers from cells not shown, too few to count anywhere
    divergent_medians: bool
    divergent_spread: bool
    comments: tuple = ()  # ((group id or None for the pool, (text, ...)), ...)

    @property
    def divergent(self):
        return self.divergent_medians or self.divergent_spread

    def cell(self, group_id):
        return dict(self.cells).get(group_id)


@dataclass(frozen=True)
class Summary:
    min_group: int
    groups: tuple
    rows: tuple
    respondents: int = 0
    notes: tuple = field(default=())

    @property
    def divergent(self):
        return tuple(row for row in self.rows if row.divergent)

    @property
    def shown_groups(self):
        return tuple(group for group in self.groups if group.shown)


def summarise(*, answers, group_ids, criteria, min_group):
    """The round's figures per criterion and group, with the privacy rule applied.

    `answers`: Answer objects (at most one per respondent and criterion); `group_ids`: the
    round's groups in display order; `criteria`: the criterion numbers in display order.
    """
    if min_group < 1:
        raise ValueError("min_group must be at least 1")
    answered = defaultdict(set)
    by_cell = defaultdict(list)
    for answer in answers:
        answered[answer.group].add(answer.respondent)
        by_cell[answer.criterion, answer.group].append(answer)
    groups = tuple(
        Group(id=gid, respondents=len(answered[gid]), shown=len(answered[gid]) >= min_group)
        for gid in group_ids
    )
    rows = tuple(_row(number, groups, by_cell, min_group) for number in criteria)
    return Summary(
        min_group=min_group,
        groups=groups,
        rows=rows,
        respondents=sum(group.respondents for group in groups),
    )


def _row(number, groups, by_cell, min_group):
    cells, shown_answers, pool = [], [], []
    for group in groups:
        cell = by_cell.get((number, group.id), [])
        if group.shown and len(cell) >= min_group:
            cells.append((group.id, figures([a.level for a in cell])))
            shown_answers.append((group.id, cell))
        else:
            cells.append((group.id, None))
            pool.extend(cell)
    counted = [a for _, cell in shown_answers for a in cell]
    pooled = len(pool) >= min_group
    if pooled:
        counted += pool
    overall = figures([a.level for a in counted]) if len(counted) >= min_group else None
    medians = [f.median for _, f in cells if f is not None and f.median is not None]
    comments = [(gid, _texts(cell)) for gid, cell in shown_answers]
    if pooled:
        comments.append((None, _texts(pool)))
    return Row(
        criterion=number,
        cells=tuple(cells),
        overall=overall,
        pooled=len(pool) if pooled else 0,
        left_out=0 if pooled else len(pool),
        divergent_medians=bool(medians) and max(medians) - min(medians) >= DIVERGENT_MEDIANS,
        divergent_spread=overall is not None
        and overall.spread is not None
        and overall.spread >= DIVERGENT_SPREAD,
        comments=tuple((gid, texts) for gid, texts in comments if texts),
    )


def _texts(cell):
    # Sorted, so the order says nothing about who wrote what or when.
    return tuple(sorted(a.comment.strip() for a in cell if a.comment.strip()))
