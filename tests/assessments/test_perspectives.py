"""The perspectives' figures against a plain reference, and the privacy rule as a property:
no change to one answer in a cell that is not shown can be seen in the summary."""

import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.perspectives import DONT_KNOW, Answer, figures, quantile, summarise

LEVELS = st.one_of(st.integers(min_value=0, max_value=4), st.none())


def reference_quartile(levels, fraction):
    # The textbook "inclusive" definition, written out independently of quantile().
    ordered = sorted(levels)
    h = (len(ordered) - 1) * fraction
    lo = int(h // 1)
    hi = lo + 1 if lo + 1 < len(ordered) else lo
    return ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo])


@given(st.lists(LEVELS, min_size=1, max_size=40))
def test_figures_match_a_plain_computation(levels):
    known = [level for level in levels if level is not None]
    result = figures(levels)
    assert result.answers == len(levels)
    assert result.dont_know == len(levels) - len(known)
    if not known:
        assert (result.median, result.low, result.high, result.q1) == (None, None, None, None)
        return
    assert result.median == statistics.median(known)
    assert (result.low, result.high) == (min(known), max(known))
    assert result.q1 == pytest.approx(reference_quartile(known, 0.25))
    assert result.q3 == pytest.approx(reference_quartile(known, 0.75))
    if len(known) > 1:
        q = statistics.quantiles(known, n=4, method="inclusive")
        assert (result.q1, result.q3) == (pytest.approx(q[0]), pytest.approx(q[2]))


def test_quantile_of_a_known_list():
    assert quantile([0, 1, 3, 4], 0.25) == 0.75
    assert quantile([0, 1, 3, 4], 0.5) == 2.0
    assert quantile([2], 0.75) == 2


def _answers(spec):
    """spec: {group: [[level per criterion 1..n or "-" for no answer], ...per respondent]}"""
    out, rid = [], 0
    for group, respondents in spec.items():
        for levels in respondents:
            rid += 1
            for number, level in enumerate(levels, start=1):
                if level != "-":
                    out.append(Answer(rid, group, number, level))
    return out


def test_a_small_group_is_hidden_and_its_one_answer_counts_nowhere():
    answers = _answers({1: [[1], [1], [2]], 2: [[4]]})
    summary = summarise(answers=answers, group_ids=[1, 2], criteria=[1], min_group=3)
    assert [(g.id, g.respondents, g.shown) for g in summary.groups] == [(1, 3, True), (2, 1, False)]
    row = summary.rows[0]
    assert row.cell(2) is None
    assert row.cell(1) == figures([1, 1, 2])
    # Only the shown group's three answers: the lone 4 would show in the range otherwise.
    assert (row.overall.answers, row.overall.high, row.pooled, row.left_out) == (3, 2, 0, 1)
    assert not row.divergent


def test_small_groups_pooled_count_in_the_overall_figures_only():
    answers = _answers({1: [[1], [1], [1]], 2: [[4]], 3: [[3], [DONT_KNOW]]})
    summary = summarise(answers=answers, group_ids=[1, 2, 3], criteria=[1], min_group=3)
    row = summary.rows[0]
    assert [row.cell(g) for g in (2, 3)] == [None, None]
    assert (row.pooled, row.left_out) == (3, 0)
    assert row.overall == figures([1, 1, 1, 4, 3, DONT_KNOW])


def test_divergence_by_group_medians_and_by_spread():
    medians = _answers({1: [[0], [1], [1]], 2: [[3], [3], [4]]})
    row = summarise(answers=medians, group_ids=[1, 2], criteria=[1], min_group=3).rows[0]
    assert (row.divergent_medians, row.divergent_spread) == (True, True)
    close = _answers({1: [[2], [2], [2]], 2: [[3], [3], [3]]})
    row = summarise(answers=close, group_ids=[1, 2], criteria=[1], min_group=3).rows[0]
    assert (row.divergent_medians, row.divergent_spread, row.divergent) == (False, False, False)
    spread = _answers({1: [[0], [0], [4], [4]]})
    row = summarise(answers=spread, group_ids=[1], criteria=[1], min_group=3).rows[0]
    assert (row.divergent_medians, row.divergent_spread) == (False, True)


def test_all_respondents_figures_need_the_threshold_too():
    answers = _answers({1: [[2]], 2: [[3]]})
    row = summarise(answers=answers, group_ids=[1, 2], criteria=[1], min_group=3).rows[0]
    assert (row.overall, row.left_out) == (None, 2)


def test_comments_are_sorted_and_hidden_with_their_cell():
    answers = [
        Answer(1, 1, 1, 2, "zeta"),
        Answer(2, 1, 1, 2, "alpha"),
        Answer(3, 1, 1, 3, ""),
        Answer(4, 2, 1, 0, "only me"),
    ]
    row = summarise(answers=answers, group_ids=[1, 2], criteria=[1], min_group=3).rows[0]
    assert row.comments == ((1, ("alpha", "zeta")),)


# --- the privacy rule as a property -------------------------------------------------------

ROUNDS = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=3),  # group
        st.lists(st.one_of(LEVELS, st.just("-")), min_size=3, max_size=3),  # criteria 1-3
        st.sampled_from(["", "a", "b"]),  # comment
    ),
    min_size=1,
    max_size=14,
)


def _build(respondents):
    answers = []
    for rid, (group, levels, comment) in enumerate(respondents, start=1):
        for number, level in enumerate(levels, start=1):
            if level != "-":
                answers.append(Answer(rid, group, number, level, comment))
    return answers


def _summary(answers, min_group):
    return summarise(answers=answers, group_ids=[1, 2, 3], criteria=[1, 2, 3], min_group=min_group)


@settings(max_examples=300)
@given(ROUNDS, st.integers(min_value=2, max_value=4), st.data())
def test_no_answer_in_a_hidden_cell_can_be_recovered(respondents, min_group, data):
    answers = _build(respondents)
    summary = _summary(answers, min_group)
    hidden = [
        (i, a) for i, a in enumerate(answers) if summary.rows[a.criterion - 1].cell(a.group) is None
    ]
    if not hidden:
        return
    i, target = data.draw(st.sampled_from(hidden))
    row = summary.rows[target.criterion - 1]
    if not row.pooled:
        # Left out of everything: any other level or comment gives the same summary.
        level = data.draw(LEVELS)
        comment = data.draw(st.sampled_from(["", "a", "b", "c"]))
        changed = list(answers)
        changed[i] = Answer(target.respondent, target.group, target.criterion, level, comment)
        assert _summary(changed, min_group) == summary
    else:
        # Pooled with at least min_group others' answers: swapping this answer with another
        # pooled one (another person, maybe another group) gives the same summary, so the
        # figures cannot say who answered what.
        others = [
            (j, b)
            for j, b in hidden
            if b.criterion == target.criterion and b.respondent != target.respondent
        ]
        j, other = data.draw(st.sampled_from(others))
        changed = list(answers)
        changed[i] = Answer(
            target.respondent, target.group, target.criterion, other.level, other.comment
        )
        changed[j] = Answer(
            other.respondent, other.group, other.criterion, target.level, target.comment
        )
        assert _summary(changed, min_group) == summary
