"""base.html's cached header parts (ovp_assess/templatetags/chrome.py) give exactly what
the {% url %} tags and the language menu's loop they replace gave, in every language."""

import pytest
from django.conf import settings
from django.template import engines
from django.urls import reverse
from django.utils import translation

from ovp_assess.templatetags import chrome

# The language menu as base.html wrote it before the tag.
LOOP = """{% load i18n %}{% get_available_languages as LANGUAGES %}{% get_language_info_list for LANGUAGES as languages %}
            {% for language in languages %}
            <option value="{{ language.code }}"{% if language.code == LANGUAGE_CODE %} selected{% endif %} lang="{{ language.code }}">{{ language.name_local|capfirst }}</option>
            {% endfor %}"""  # noqa: E501
TAG = "{% load chrome %}{% language_options LANGUAGE_CODE %}"


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_language_options_as_the_loop(language):
    engine = engines["django"]
    with translation.override(language):
        context = {"LANGUAGE_CODE": language}
        old = engine.from_string(LOOP).render(context)
        assert engine.from_string(TAG).render(context) == old
        assert engine.from_string(TAG).render(context) == old  # cached, still the same
    assert f'value="{language}" selected' in old


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_urls_as_reverse(language):
    with translation.override(language):
        urls = chrome.chrome_urls()
        assert urls == {name: reverse(view) for name, view in chrome.NAV_URL_NAMES.items()}
        assert chrome.chrome_urls() is urls


def test_urls_follow_the_script_prefix():
    from django.urls import get_script_prefix, set_script_prefix

    before = get_script_prefix()
    try:
        set_script_prefix("/sub/")
        assert chrome.chrome_urls()["home"] == "/sub/"
    finally:
        set_script_prefix(before)
    assert chrome.chrome_urls()["home"] == reverse("home")
