"""base.html's cached header parts (ovp_assess/templatetags/chrome.py) give exactly what
the {% url %} tags, the language menu's loop and the template text they replace gave, in
every language."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.template.loader import get_template
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


def _base_html_without_fragments():
    source = engines["django"].engine.find_template("base.html")[0].source
    assert source.count("{% chrome_fragment %}") == 4
    return source.replace("{% chrome_fragment %}", "").replace("{% endchrome_fragment %}", "")


def _without_csrf(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


@pytest.mark.django_db
@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("signed_in", [False, True])
def test_base_html_as_without_its_fragments(language, signed_in, django_user_model, rf):
    engine = engines["django"]
    uncached = engine.from_string(_base_html_without_fragments())
    request = rf.get("/somewhere/?a=1")
    request.session = {"show_review_queue": True}
    request.user = (
        django_user_model.objects.create_user("chrome-test", password="x")
        if signed_in
        else AnonymousUser()
    )
    with translation.override(language):
        old = _without_csrf(uncached.render({}, request))
        for _ in range(2):  # filled, then cached
            assert _without_csrf(get_template("base.html").render({}, request)) == old
    assert f'<html lang="{language}">' in old and 'value="/somewhere/?a=1"' in old
    # The per-visitor parts between the fragments: the account's name, or the login link.
    assert ("chrome-test</a>" in old) is signed_in and ("?next=" in old) is not signed_in


def test_a_chrome_fragment_is_per_language_and_script_prefix():
    from django.urls import get_script_prefix, set_script_prefix

    page = engines["django"].from_string(
        "{% load chrome i18n %}{% chrome_fragment %}{% translate 'Language' %} "
        "{% url 'home' %}{% endchrome_fragment %}"
    )
    with translation.override("en"):
        assert page.render({}) == "Language /"
    with translation.override("es"):
        assert page.render({}) == "Idioma /"
    before = get_script_prefix()
    try:
        set_script_prefix("/sub/")
        with translation.override("es"):
            assert page.render({}) == "Idioma /sub/"
    finally:
        set_script_prefix(before)
    with translation.override("en"):
        assert page.render({}) == "Language /"
