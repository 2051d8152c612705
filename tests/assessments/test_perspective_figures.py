"""The figures tables and comments, written out by templatetags/perspective_figures.py, are
the markup the perspectives page's template gave them: the reference below is that
template's markup, rendered with the same rows in every state a row can be in and in every
language."""

import re
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe

from assessments.perspectives import Figures

REFERENCE = """{% load i18n %}
        <div class="table-responsive">
        <table class="table table-sm small">
          <caption class="visually-hidden">{% blocktranslate trimmed with number=r.criterion.number %}Figures for criterion {{ number }}{% endblocktranslate %}</caption>
          <thead><tr><th scope="col">{% translate "Group" %}</th><th scope="col" class="text-end">{% translate "Answers" %}</th><th scope="col" class="text-end">{% translate "Median" %}</th><th scope="col" class="text-end">{% translate "Range" %}</th><th scope="col" class="text-end">{% translate "Don't know" %}</th></tr></thead>
          <tbody>
          {% for group, cell in r.cells %}
            <tr><th scope="row">{{ group.name }}</th>
            {% if cell %}<td class="text-end">{{ cell.answers }}</td><td class="text-end">{% if cell.median is not None %}{{ cell.median|floatformat:"-1" }}{% else %}–{% endif %}</td><td class="text-end">{% if cell.low is not None %}{{ cell.low }}–{{ cell.high }}{% else %}–{% endif %}</td><td class="text-end">{% widthratio cell.dont_know cell.answers 100 %} %</td>
            {% else %}<td colspan="4" class="text-body-secondary">{% translate "too few answers to show" %}</td>{% endif %}</tr>
          {% endfor %}
            <tr class="table-light"><th scope="row">{% translate "All respondents" %}</th>
            {% if r.row.overall %}{% with cell=r.row.overall %}<td class="text-end">{{ cell.answers }}</td><td class="text-end">{% if cell.median is not None %}{{ cell.median|floatformat:"-1" }}{% else %}–{% endif %}</td><td class="text-end">{% if cell.low is not None %}{{ cell.low }}–{{ cell.high }}{% else %}–{% endif %}</td><td class="text-end">{% widthratio cell.dont_know cell.answers 100 %} %</td>{% endwith %}
            {% else %}<td colspan="4" class="text-body-secondary">{% translate "too few answers to show" %}</td>{% endif %}</tr>
          </tbody>
        </table>
        </div>
        {% if r.comments %}
        <details><summary>{% translate "Comments" %}</summary>
          {% for name, texts in r.comments %}<p class="small mb-1 mt-2"><strong>{% if name %}{{ name }}{% else %}{% translate "Groups too small to show apart" %}{% endif %}</strong></p>
          <ul class="small">{% for text in texts %}<li class="text-break">{{ text|linebreaksbr }}</li>{% endfor %}</ul>{% endfor %}
        </details>
        {% endif %}
"""  # noqa: E501 - the template's lines as they were

OURS = "{% load perspective_figures %}{% figure_table r %}"


def _squeeze(html):
    return re.sub(r"\s+", " ", str(html)).strip()


def _group(name):
    return SimpleNamespace(name=name)


def _figures(answers, dont_know, median, low, high):
    return Figures(answers, dont_know, median, low, high, None, None)


COMMENTS = {
    "no comments": [],
    "comments": [
        ("Office staff", ("A comment.", 'Two <b>lines</b> & "quotes"\nthe second line')),
        (None, ("From the pooled groups.",)),
        ("<i>Experts</i>", ("One\r\nmore\rand\n\nmore", mark_safe("<b>safe</b>\nline"))),
    ],
}

ROWS = {
    "figures": (
        [
            (_group("Office staff"), _figures(5, 0, 3, 1, 3)),
            (_group("City government"), _figures(5, 1, 1.5, 1, 3)),
            (_group("Outside experts"), _figures(3, 1, 2.25, 2, 4)),
        ],
        _figures(13, 2, 2.0, 1, 4),
    ),
    "groups not shown": (
        [(_group("Office staff"), None), (_group("Community partners"), None)],
        None,
    ),
    "only don't know": (
        [(_group("Office staff"), _figures(4, 4, None, None, None))],
        _figures(4, 4, None, None, None),
    ),
    "halves and odd medians": (
        [
            (_group("A"), _figures(2, 0, 0.5, 0, 1)),
            (_group("B"), _figures(2, 0, 3.5, 3, 4)),
            (_group("C"), _figures(3, 0, 4.0, 4, 4)),
            (_group("D"), _figures(3, 0, 0.0, 0, 0)),
            (_group("E"), _figures(3, 0, 2, 2, 2)),
            (_group("F"), _figures(4, 0, 1.75, 1, 3)),
        ],
        _figures(17, 0, 2.05, 0, 4),
    ),
    "no answers": ([(_group("Office staff"), _figures(0, 0, None, None, None))], None),
    "markup in a name": (
        [(_group('<b>"Ours" & theirs\'</b>'), _figures(1234, 7, 2.5, 0, 4))],
        _figures(1234, 7, 2.5, 0, 4),
    ),
}


@pytest.mark.parametrize("language", ["en", "es", "pt-br", "fr"])
@pytest.mark.parametrize("comments", sorted(COMMENTS))
@pytest.mark.parametrize("case", sorted(ROWS))
def test_the_tables_are_the_templates(case, comments, language):
    cells, overall = ROWS[case]
    row = {
        "criterion": SimpleNamespace(number=7),
        "row": SimpleNamespace(overall=overall),
        "cells": cells,
        "comments": COMMENTS[comments],
    }
    context = {"r": row}
    with translation.override(language):
        reference = Template(REFERENCE).render(Context(context))
        ours = Template(OURS).render(Context(context))
    assert _squeeze(ours) == _squeeze(reference)
    assert "All respondents" in reference or language != "en"


CARD_REFERENCE = """{% load i18n ovp perspective_figures %}
    <article class="card mb-3 perspective-row{% if r.row.divergent %} border-warning{% endif %}" aria-labelledby="pc-{{ r.criterion.number }}">
      <div class="card-body">
        <h3 class="h5" id="pc-{{ r.criterion.number }}">{{ r.criterion.number }}. {{ r.criterion|tr:"short_title" }}
          {% if r.row.divergent %}<span class="badge text-bg-warning">{% translate "divergent" %}</span>{% endif %}</h3>
        {% figure_table r %}
"""  # noqa: E501 - the template's lines as they were

CARD_OURS = "{% load perspective_figures %}\n    {% figure_card r %}\n"


@pytest.mark.parametrize("language", ["en", "es", "pt-br", "fr"])
@pytest.mark.parametrize("divergent", [False, True])
@pytest.mark.parametrize("title", ["Sound diagnoses", "Data & <open> \"formats\" 'now'"])
def test_the_card_opening_is_the_templates(title, divergent, language):
    cells, overall = ROWS["figures"]
    row = {
        "criterion": SimpleNamespace(number=7, tr=lambda field: title),
        "row": SimpleNamespace(overall=overall, divergent=divergent),
        "cells": cells,
        "comments": COMMENTS["comments"],
    }
    context = {"r": row}
    with translation.override(language):
        reference = Template(CARD_REFERENCE).render(Context(context))
        ours = Template(CARD_OURS).render(Context(context))
    assert ours == reference
