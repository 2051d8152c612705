"""The rubric's one-function concepts: colours, labels, the criteria to work on first."""

import re

import pytest

from criteria import rubric
from criteria.models import Criterion
from criteria.text import bullets


def test_weakest_is_lowest_first_ties_by_number_top_level_and_unrated_left_out():
    levels = [(1, 3), (2, 1), (3, None), (4, 0), (5, 1), (6, 4), (7, 2), (8, 4), (9, 1)]
    assert rubric.weakest(levels) == [4, 2, 5]
    assert rubric.weakest(levels, limit=5) == [4, 2, 5, 9, 7]


def test_weakest_of_an_assessment_at_the_top_or_unrated_is_empty():
    assert rubric.weakest([(n, 4) for n in range(1, 10)]) == []
    assert rubric.weakest([(n, None) for n in range(1, 10)]) == []


def test_level_colours_come_from_levels_css():
    css = rubric.LEVELS_CSS.read_text()
    colours = rubric.level_colours()
    assert sorted(colours) == [0, 1, 2, 3, 4]
    for level, colour in colours.items():
        assert re.search(rf"\.level-{level} \{{ background: {colour};", css)


@pytest.mark.django_db
def test_level_label_reads_the_prefetched_rubric(report):
    criterion = Criterion.objects.prefetch_related("levels").get(number=1)
    expected = criterion.levels.get(level=2).label
    assert rubric.level_label(criterion, 2) == expected
    assert rubric.level_label(criterion, None) == ""
    assert rubric.rubric_level(criterion, 9) is None


def test_bullets_join_continuation_lines_to_their_item():
    assert bullets("- A\n  continued\n- B") == ["A continued", "B"]
