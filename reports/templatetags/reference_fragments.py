"""{% reference_fragment "name" key... %}...{% endreference_fragment %}: HTML that shows
reference data only (cities, countries, criteria, rubric: the same for every visitor),
rendered once per process, language and reference stamp (reports.cache, item 6).

What the block holds must not depend on the visitor, the request (no CSRF token) or
anything but reference data and the `key` values given: a template that puts a form's
fields in one keeps it for the unsent form only. And the reference data it shows must be
read while the block renders (querysets evaluated there), after the stamp: data a view
read before could predate an edit whose new stamp the block then reads, and would be kept
under it.
"""

from django import template
from django.utils.safestring import mark_safe

from ..cache import reference_fragment, request_reference_stamp

register = template.Library()


def _stamp(context):
    # One query per request, however many fragments the page has.
    return request_reference_stamp(context.get("request"))


class ReferenceFragmentNode(template.Node):
    def __init__(self, name, keys, nodelist):
        self.name, self.keys, self.nodelist = name, keys, nodelist

    def render(self, context):
        key = tuple(str(k.resolve(context)) for k in self.keys)
        return mark_safe(
            reference_fragment(
                self.name.resolve(context),
                key,
                lambda: self.nodelist.render(context),
                stamp=_stamp(context),
            )
        )


@register.tag("reference_fragment")
def do_reference_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a name and optional key values")
    nodelist = parser.parse(("endreference_fragment",))
    parser.delete_first_token()
    values = [parser.compile_filter(bit) for bit in bits[1:]]
    return ReferenceFragmentNode(values[0], values[1:], nodelist)
