"""base.html's header and footer parts that are the same for every visitor of a language.

Every page used to reverse the same nine URL names and build the language menu
(get_language_info_list, a loop, capfirst) on each request: about a millisecond of every
signed-in page. Both depend only on the active language, the URL configuration and the
script prefix, so they are computed once per process for each and kept here.
"""

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info

register = template.Library()

# The names base.html links to, whoever is signed in.
NAV_URL_NAMES = {
    "home": "home",
    "criteria": "criteria:list",
    "cities": "cities:list",
    "matrix": "reports:matrix",
    "dashboard": "reports:dashboard",
    "assess_home": "assess:home",
    "review_queue": "assess:review-queue",
    "set_language": "set_language",
    "logout": "account_logout",
    "profile": "account_profile",
    "login": "account_login",
    "opendata": "opendata:index",
    "openapi": "api:openapi-json",
}

_urls = {}
_options = {}


@register.simple_tag
def chrome_urls():
    """{name: URL} for NAV_URL_NAMES, as {% url %} would give them now."""
    key = (get_language(), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    urls = _urls.get(key)
    if urls is None:
        urls = {name: reverse(view) for name, view in NAV_URL_NAMES.items()}
        _urls[key] = urls
    return urls


@register.simple_tag
def language_options(current):
    """The language menu's <option>s with `current` selected, as base.html's loop wrote them."""
    key = (current, tuple(code for code, _name in settings.LANGUAGES))
    html = _options.get(key)
    if html is None:
        parts = []
        for code, _name in settings.LANGUAGES:
            info = get_language_info(code)
            selected = " selected" if info["code"] == current else ""
            parts.append(
                "\n            \n            "
                f'<option value="{escape(info["code"])}"{selected} lang="{escape(info["code"])}">'
                f"{escape(capfirst(info['name_local']))}</option>"
            )
        html = mark_safe("".join(parts) + "\n            ")
        _options[key] = html
    return html


class ChromeFragmentNode(template.Node):
    """{% chrome_fragment %}...{% endchrome_fragment %}: base.html's text, translations,
    static files and header links, rendered once per process, language, script prefix and
    URL configuration. What the block holds must depend on nothing else: not the visitor,
    the request (no CSRF token, no path), the page or its blocks."""

    def __init__(self, nodelist):
        self.nodelist = nodelist
        # On the node: a template loaded again (DEBUG) starts with none.
        self.rendered = {}

    def render(self, context):
        key = (get_language(), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
        html = self.rendered.get(key)
        if html is None:
            html = mark_safe(self.nodelist.render(context))
            self.rendered[key] = html
        return html


@register.tag("chrome_fragment")
def do_chrome_fragment(parser, token):
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("chrome_fragment takes no arguments")
    nodelist = parser.parse(("endchrome_fragment",))
    parser.delete_first_token()
    return ChromeFragmentNode(nodelist)
