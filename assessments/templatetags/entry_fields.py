"""The criterion form's fields, written out in Python with the markup crispy-forms' Bootstrap 5
templates gave them (labels, help texts, aria-describedby, error blocks, `is-invalid`).

The criterion page is the one staff spend hours on, and crispy-forms rendered each of its
fields through half a dozen nested templates, about half of the page's time. Only the field
kinds this page has are written here: hidden inputs, radio groups, selects, text areas,
text-like inputs, file inputs and check boxes; anything else is an error, not a silent
difference. tests/assessments/test_entry_fields.py renders the same forms with crispy-forms
and checks that the markup is the same.

The widgets still build their own attributes (Widget.get_context), so required, disabled,
aria-invalid, ids and values come from Django as before; only the HTML is written here.
"""

import html

from django import forms, template
from django.forms.widgets import Input
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


def _esc(value):
    # Plain strings (most values) skip conditional_escape's lazy and SafeString wrapping:
    # django.utils.html.escape is html.escape too.
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(value)


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is True:
            out.append(f" {name}")
        elif value is not False:
            out.append(f' {name}="{_esc(value)}"')
    return "".join(out)


def _unlocalize(value):
    return str(formats.localize(value, use_l10n=False))


def _errors(field, *, tag):
    """crispy's field_errors.html (tag "span") and field_errors_block.html (tag "p")."""
    if not field.errors:
        return ""
    items = " ".join(
        f'<{tag} id="error_{n}_{field.auto_id}"><strong>{_esc(error)}</strong></{tag}>'
        for n, error in enumerate(field.errors, start=1)
    )
    where = _esc(field.errors.field_id)
    return f' <div id="{where}_error" class="invalid-feedback"> {items} </div>'


def _help(field):
    """crispy's help_text.html (help text is trusted, as there: the form's own strings)."""
    if not field.help_text:
        return ""
    where = f'id="{field.auto_id}_helptext" ' if field.auto_id else ""
    return f' <div {where}class="form-text">{field.help_text}</div>'


def _css_class(widget, extra):
    """The class crispy's {% crispy_field %} gives a widget: its own class, the widget's
    name in lower case, then `extra`."""
    name = type(widget).__name__.lower()
    css = widget.attrs.get("class", "")
    if css:
        if css.find(name) == -1:
            css += f" {name}"
    else:
        css = name
    for word in extra.split():
        if word not in css.split():
            css += f" {word}"
    return css


def _context(field, attrs):
    """The widget's context as BoundField.as_widget() would render it, with `attrs`."""
    widget = field.field.widget
    attrs.update(field.build_widget_attrs({}, widget))
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    return widget.get_context(field.html_name, field.value(), attrs)["widget"]


def _widget_html(field, *, extra_class):
    """What `{% crispy_field field 'class' extra_class %}` printed: the widget's template."""
    widget = field.field.widget
    ctx = _context(field, {"class": _css_class(widget, extra_class)})
    if isinstance(widget, forms.Textarea):
        value = _esc(ctx["value"]) if ctx["value"] else ""
        return f'<textarea name="{_esc(ctx["name"])}"{_attrs(ctx["attrs"])}>\n{value}</textarea>'
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
        options = " ".join(_option_tags(ctx))
        return f'<select name="{_esc(ctx["name"])}"{_attrs(ctx["attrs"])}> {options} </select>'
    if isinstance(widget, (Input, forms.CheckboxInput)) and not isinstance(widget, forms.FileInput):
        return _input(ctx)
    raise NotImplementedError(type(widget).__name__)


def _option_tags(ctx, *, before="", after=""):
    """Each <option> of a select's widget context as django/forms/widgets/select_option.html
    writes it, between `before` and `after` (crispy's templates joined them with spaces,
    Django's own with line breaks)."""
    tags = []
    for group_name, group, _index in ctx["optgroups"]:
        if group_name:
            raise NotImplementedError("option groups")
        tags.extend(
            f'{before}<option value="{_esc(str(o["value"]))}"{_attrs(o["attrs"])}>'
            f"{_esc(o['label'])}</option>{after}"
            for o in group
        )
    return tags


def _input(ctx):
    """django/forms/widgets/input.html."""
    value = "" if ctx["value"] is None else f' value="{_esc(str(ctx["value"]))}"'
    return f'<input type="{ctx["type"]}" name="{_esc(ctx["name"])}"{value}{_attrs(ctx["attrs"])}>'


def _label(field, *, tag):
    """The label (or a fieldset's legend) of crispy's field.html."""
    required = field.field.required
    where = f'for="{field.id_for_label}" ' if field.id_for_label else ""
    css = "form-label" + (" requiredField" if required else "")
    css += " fs-6" if tag == "legend" else ""
    star = '<span class="asteriskField">*</span>' if required else ""
    return f'<{tag} {where}class="{css}"> {_esc(field.label)}{star} </{tag}>'


def _radios(field, *, css_class):
    """crispy's radio_checkbox_select.html: one form-check per choice, the errors under the
    last one, the help text after the group."""
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    attrs = field.build_widget_attrs({"id": id_} if id_ else {})
    groups = widget.optgroups(field.html_name, widget.format_value(field.value()), attrs)
    invalid = " is-invalid" if field.errors else ""
    options = [option for group_name, group, _index in groups for option in group]
    if any(group_name for group_name, _group, _index in groups):
        raise NotImplementedError("option groups")
    items = []
    for n, option in enumerate(options, start=1):
        errors = _errors(field, tag="p") if n == len(options) else ""
        items.append(
            f'<div class="form-check"> <input type="{option["type"]}" '
            f'class="form-check-input{invalid}" name="{_esc(field.html_name)}" '
            f'value="{_esc(_unlocalize(option["value"]))}"{_attrs(option["attrs"])}> '
            f'<label for="{_esc(option["attrs"]["id"])}" class="form-check-label"> '
            f"{_esc(_unlocalize(option['label']))} </label>{errors} </div>"
        )
    flat = f' class="{_esc(css_class)}"' if css_class else ""
    return f"<div {flat}> {' '.join(items)} </div>{_help(field)}"


def field_html(field, *, css_class="", error_tag="span"):
    """One bound field as crispy's bootstrap5/field.html wrote it; `css_class` is what a
    layout's Field(name, css_class=...) gave its widget; `error_tag` is "span" in a form
    helper's layout (error_text_inline), "p" with |as_crispy_field and |crispy (see
    form_field and uni_form)."""
    widget = field.field.widget
    if css_class:  # as crispy's Field() did, once: the widget keeps the class
        field.field.widget.attrs["class"] = css_class
    if field.is_hidden:  # {{ field }}
        if not isinstance(widget, forms.HiddenInput):
            raise NotImplementedError(type(widget).__name__)
        return _input(_context(field, {}))
    if isinstance(widget, forms.CheckboxInput):
        required = field.field.required
        star = '<span class="asteriskField">*</span>' if required else ""
        extra = "form-check-input is-invalid" if field.errors else "form-check-input"
        return (
            f'<div class="mb-3"> <div id="div_{field.auto_id}" class="form-check"> '
            f"{_widget_html(field, extra_class=extra)} "
            f'<label for="{field.id_for_label}" class="form-check-label'
            f'{" requiredField" if required else ""}"> {_esc(field.label)}{star} </label>'
            f"{_errors(field, tag=error_tag)}{_help(field)} </div> </div>"
        )
    inner = []
    if field.use_fieldset:
        described = field.aria_describedby
        described = f' aria-describedby="{described}"' if described else ""
        inner.append(f"<fieldset{described}>")
    if field.label:
        inner.append(_label(field, tag="legend" if field.use_fieldset else "label"))
    if isinstance(widget, forms.RadioSelect):
        inner.append(_radios(field, css_class=css_class))
    elif isinstance(widget, forms.FileInput):
        inner.append(_file(field, error_tag=error_tag))
    else:
        select = isinstance(widget, forms.Select)
        extra = "form-select" if select else "form-control"
        extra += " is-invalid" if field.errors else ""
        inner.append(
            _widget_html(field, extra_class=extra) + _errors(field, tag=error_tag) + _help(field)
        )
    if field.use_fieldset and field.label:
        inner.append("</fieldset>")
    return f'<div id="div_{field.auto_id}" class="mb-3"> {" ".join(inner)} </div>'


def _file(field, *, error_tag="span"):
    """crispy's field_file.html, for a file input without an initial file."""
    [sub] = field.subwidgets
    data = sub.data
    if data.get("is_initial"):
        raise NotImplementedError("a file input with an initial file")
    extra = data["attrs"].get("class")
    css = "form-control" + (f" {extra}" if extra else "") + (" is-invalid" if field.errors else "")
    disabled = " disabled" if field.field.disabled else ""
    attrs = {k: v for k, v in data["attrs"].items() if k != "class"}
    invalid = ' class="is-invalid"' if field.errors else ""
    return (
        f'<div{invalid}> <input type="{data["type"]}" name="{_esc(data["name"])}" '
        f'class="{css}"{disabled}{_attrs(attrs)}>'
        f"{_errors(field, tag=error_tag)}{_help(field)} </div>"
    )


def _layout_html(form, layout):
    parts = []
    for item in layout:
        if isinstance(item, str):
            parts.append(field_html(form[item]))
        elif item[0] == "row":
            columns = " ".join(
                f'<div class="{_esc(css)}" > {field_html(form[name])} </div>'
                for name, css in item[1]
            )
            parts.append(f'<div class="row " > {columns} </div>')
        else:
            name, css_class = item
            parts.append(field_html(form[name], css_class=css_class))
    return mark_safe(" ".join(parts))


@register.simple_tag
def form_fields(form):
    """The fields of `form` in the order and columns of its `layout` (see the forms)."""
    return _layout_html(form, form.layout)


@register.simple_tag
def hidden_fields(form):
    """`{{ form }}` for a form of hidden fields only, such as a formset's management form,
    without Django's form and widget templates. A form with errors or visible fields is
    left to Django."""
    if form.errors or form.visible_fields():
        return str(form)
    return mark_safe("".join(field_html(field) for field in form))


def widget_html(field):
    """What `{{ field }}` printed: the bare widget as Django's own templates wrote it
    (django/forms/widgets/select.html, select_option.html, input.html), for selects and
    text-like inputs: the plan page's filters."""
    widget = field.field.widget
    if field.field.show_hidden_initial:
        raise NotImplementedError("show_hidden_initial")
    ctx = _context(field, {})
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
        options = "".join(_option_tags(ctx, before="\n  ", after="\n"))
        start = f'<select name="{_esc(ctx["name"])}"{_attrs(ctx["attrs"])}>'
        return mark_safe(f"{start}{options}\n</select>")
    if isinstance(widget, Input) and not isinstance(widget, forms.FileInput):
        return mark_safe(_input(ctx))
    raise NotImplementedError(type(widget).__name__)


@register.simple_tag
def widget(field):
    """`{{ field }}`, written out in Python (see widget_html)."""
    return widget_html(field)


@register.simple_tag
def uni_form(form):
    """What `{{ form|crispy }}` printed (crispy's bootstrap5/uni_form.html): the non-field
    errors' alert (errors.html), then every field in order, their errors as blocks."""
    parts = []
    if form.non_field_errors():
        items = "\n".join(f"<li>{_esc(error)}</li>" for error in form.non_field_errors())
        parts.append(
            f'<div class="alert alert-block alert-danger"> <ul class="m-0"> {items} </ul> </div>'
        )
    parts.extend(field_html(field, error_tag="p") for field in form)
    return mark_safe(" ".join(parts))


@register.simple_tag
def form_field(field):
    """One field as `{{ field|as_crispy_field }}` printed it (crispy's bootstrap5/field.html),
    for forms laid out in their template rather than with a `layout`."""
    if isinstance(field.field.widget, forms.FileInput):
        raise NotImplementedError("a file input outside a layout")
    return mark_safe(field_html(field, error_tag="p"))
