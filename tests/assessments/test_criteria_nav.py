"""{% criteria_nav %} writes the markup of the template loop it replaced, in every
language, for current and other items, done and to do, with and without open comments."""

from types import SimpleNamespace

import pytest
from django.template import engines
from django.utils import translation

from criteria.models import Criterion

pytestmark = pytest.mark.django_db

OLD_LOOP = """{% load i18n ovp %}
      {% for e in entries %}
      <li>
        <a href="{{ e.url }}"{% if e.criterion.number == criterion.number %} aria-current="page" class="current"{% endif %}>
          <span class="criterion-name">{{ e.criterion|criterion_name }}</span>
        </a>
        {% include "assess/includes/done.html" with entry=e %}
        {% if e.open_comments %}<span class="nav-comments"><span aria-hidden="true">{% blocktranslate trimmed count n=e.open_comments %}{{ n }} open{% plural %}{{ n }} open{% endblocktranslate %}</span><span class="visually-hidden">{% blocktranslate trimmed count n=e.open_comments %}{{ n }} open comment{% plural %}{{ n }} open comments{% endblocktranslate %}</span></span>{% endif %}
      </li>
      {% endfor %}
"""  # noqa: E501 (the template as it was)

NEW = """{% load criteria_nav %}
      {% criteria_nav entries criterion.number %}
"""


@pytest.mark.parametrize("language", ["en", "es", "pt-br", "fr"])
def test_criteria_nav_is_the_old_loop(report, language):
    criteria = list(Criterion.objects.order_by("number"))
    entries = [
        SimpleNamespace(
            criterion=c,
            url=f"/assess/7/criteria/{c.number}/?a=1&b=<{c.number}>",
            missing=["x"] if c.number % 2 else [],
            open_comments=c.number % 3,
        )
        for c in criteria
    ]
    engine = engines["django"]
    context = {"entries": entries, "criterion": criteria[3]}
    with translation.override(language):
        old = engine.from_string(OLD_LOOP).render(context)
        new = engine.from_string(NEW).render(context)
    assert new == old
    assert new.count('aria-current="page"') == 1
    assert new.count('class="nav-comments"') == 6
