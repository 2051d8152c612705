"""The criterion form's fields, written out by templatetags/entry_fields.py, are the markup
crispy-forms' Bootstrap 5 templates gave them: the same labels, help texts, aria-describedby,
error blocks and `is-invalid` classes, in every state the page shows a form in.

The reference is crispy-forms itself, with the layouts the forms had before they stopped
using it: a change to a form that the hand-written markup does not follow fails here."""

import datetime
import re

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from crispy_forms.utils import render_crispy_form
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template

from assessments import evidence
from assessments.forms import EntryForm, EvidenceFormSet
from assessments.join_forms import PICKABLE, RegistrationForm
from assessments.models import EvidenceLink
from cities.models import City
from criteria.models import Criterion
from tests import factories

pytestmark = pytest.mark.django_db


def _entry_helper(form):
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(
        "base_version",
        "applicability",
        Field("level", css_class="level-choice"),
        Field("target", css_class="target-choice"),
        "justification",
        "strengths",
        "opportunities",
    )
    return helper


def _evidence_helper(form):
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    where = [] if form.stored_file is not None else [Column("url", css_class="col-md-5")]
    helper.layout = Layout(
        "stored",
        Row(
            *where,
            Column("title", css_class="col-md-4"),
            Column("checked_on", css_class="col-md-3"),
        ),
        *([] if form.read_only else [Field("file")]),
        "DELETE",
    )
    return helper


def _squeeze(html):
    # Each upload is stored under a new random name: the tokens naming them differ.
    html = re.sub(r'(-stored" value=")[^"]+', r"\1(token)", str(html))
    return re.sub(r"\s+", " ", html).strip()


def _same(make, helper):
    """Render a form made by `make` with crispy-forms, and another with form_fields."""
    crispy = render_crispy_form(make(), helper(make()))
    ours = Template("{% load entry_fields %}{% form_fields form %}").render(
        Context({"form": make()})
    )
    assert _squeeze(ours) == _squeeze(crispy)
    return _squeeze(ours)


@pytest.fixture
def criterion(report):
    return Criterion.objects.prefetch_related("levels").get(number=1)


ENTRY = {
    "base_version": "3",
    "applicability": "assessed",
    "level": "2",
    "target": "auto",
    "justification": "",
    "strengths": 'We <b>publish</b> "budgets" & plans.',
    "opportunities": "Line one\nline two",
}


def test_a_fresh_form(criterion):
    initial = {"base_version": 1, "applicability": "assessed", "level": None, "target": "auto"}
    html = _same(lambda: EntryForm(initial=initial, criterion=criterion), _entry_helper)
    assert html.count('type="radio"') == 2 + 6
    assert 'aria-describedby="id_level_helptext"' in html


def test_a_read_only_form(criterion):
    initial = {"base_version": 2, "applicability": "assessed", "level": 3, "target": "4"}
    html = _same(
        lambda: EntryForm(initial=initial, criterion=criterion, read_only=True), _entry_helper
    )
    assert html.count(" disabled") == 1 + 2 + 6 + 1 + 3


def test_a_saved_form_with_markup_in_its_text(criterion):
    html = _same(lambda: EntryForm(ENTRY, criterion=criterion), _entry_helper)
    assert "We &lt;b&gt;publish&lt;/b&gt; &quot;budgets&quot; &amp; plans." in html


def test_a_form_with_an_error_on_every_field(criterion):
    data = {
        **ENTRY,
        "base_version": "x",
        "applicability": "maybe",
        "level": "9",
        "target": "7",
        "strengths": "x" * 6000,
        "opportunities": "   ",
    }
    html = _same(lambda: EntryForm(data, criterion=criterion), _entry_helper)
    assert html.count('class="invalid-feedback"') == 5
    assert 'aria-describedby="id_strengths_helptext id_strengths_error"' in html


def test_a_not_applicable_form_without_a_reason(criterion):
    data = {**ENTRY, "applicability": "not-applicable"}
    html = _same(lambda: EntryForm(data, criterion=criterion), _entry_helper)
    assert 'id="id_justification_error"' in html


def _entry(report, office):
    return factories.make_assessment(office).entries.get(criterion__number=1)


def test_evidence_rows_new_saved_and_read_only(report, office):
    entry = _entry(report, office)
    link = EvidenceLink.objects.create(
        entry=entry, url="https://example.org/a?b=1&c=2", title="A <report>",
        checked_on=datetime.date(2025, 1, 2),
    )  # fmt: skip
    stored = factories.make_evidence_file(entry)
    rows = [
        {"url": link.url, "title": link.title, "checked_on": link.checked_on, "item": link},
        {
            "url": "",
            "title": stored.title,
            "checked_on": None,
            "stored": evidence.sign(stored.state[3], entry_id=entry.pk),
            "item": stored,
        },
    ]
    for read_only in (False, True):

        def page(read_only=read_only):
            made = EvidenceFormSet(
                initial=rows,
                prefix="evidence",
                form_kwargs={"read_only": read_only, "entry_id": entry.pk},
            )
            made.extra = 1
            return made

        htmls = [_same(lambda i=i: page().forms[i], _evidence_helper) for i in range(3)]
        assert ('name="evidence-1-url"' in htmls[1], 'name="evidence-2-url"' in htmls[2]) == (
            False,
            True,
        )
        assert ('type="file"' in htmls[0]) is not read_only
    formset = EvidenceFormSet(prefix="evidence", form_kwargs={"entry_id": entry.pk})
    html = _same(lambda: formset.empty_form, _evidence_helper)
    assert 'name="evidence-__prefix__-DELETE"' in html


def test_evidence_rows_with_errors_and_an_uploaded_file(report, office):
    entry = _entry(report, office)
    data = {
        "evidence-TOTAL_FORMS": "4",
        "evidence-INITIAL_FORMS": "0",
        "evidence-0-url": "javascript:alert(1)",
        "evidence-0-checked_on": "2999-01-01",
        "evidence-1-url": "https://example.org/b",
        "evidence-1-title": "both",
        "evidence-2-title": "",
        "evidence-3-url": "https://example.org/gone",
        "evidence-3-title": "Removed",
        "evidence-3-DELETE": "on",
    }

    def formset():
        files = {
            "evidence-1-file": SimpleUploadedFile("a.pdf", factories.PDF_BYTES),
            "evidence-2-file": SimpleUploadedFile("ok.pdf", factories.PDF_BYTES),
        }
        made = EvidenceFormSet(data, files, prefix="evidence", form_kwargs={"entry_id": entry.pk})
        made.is_valid()
        made.store_files()  # the third row now holds a stored file
        return made

    pages = [_same(lambda i=i: formset().forms[i], _evidence_helper) for i in range(4)]
    assert 'class="urlinput form-control is-invalid" aria-invalid="true"' in pages[0]
    assert '<div class="is-invalid"> <input type="file"' in pages[1]
    assert 'name="evidence-2-url"' not in pages[2]
    assert 'class="checkboxinput form-check-input" id="id_evidence-3-DELETE" checked>' in pages[3]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"evidence-TOTAL_FORMS": "2", "evidence-INITIAL_FORMS": "1"},
        {"evidence-TOTAL_FORMS": "x"},  # tampered: Django writes it, with its errors
        {},
    ],
)
def test_the_management_form_is_the_one_django_writes(data):
    formset = EvidenceFormSet(data, prefix="evidence", form_kwargs={"entry_id": None})
    ours = Template("{% load entry_fields %}{% hidden_fields formset.management_form %}").render(
        Context({"formset": formset})
    )
    assert ours == str(formset.management_form)
    assert 'name="evidence-TOTAL_FORMS"' in ours


# --- bare widgets ({% widget field %} for `{{ field }}`) --------------------------------------


def _same_widgets(form):
    """Each field of `form` by {% widget %} is, to the character, what `{{ field }}` gave."""
    for name in form.fields:
        ours = Template("{% load entry_fields %}{% widget field %}").render(
            Context({"field": form[name]})
        )
        assert ours == Template("{{ field }}").render(Context({"field": form[name]}))
    return "".join(str(form[name]) for name in form.fields)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"status": "done", "criterion": "2", "owner": "nAna <&>"},
        {"status": "nope", "criterion": "nine", "owner": "u999"},
    ],
)
def test_plan_filters_as_bare_widgets(report, data):
    from assessments.plan_forms import PlanFilterForm

    owners = [("u1", 'Zoé "Z" <b>'), ("nAna <&>", "Ana <&>")]
    form = PlanFilterForm(data, owners=owners)
    form.is_valid()
    html = _same_widgets(form)
    assert html.count("<select") == 3
    assert html.count('aria-invalid="true"') == (3 if data.get("status") == "nope" else 0)


def test_an_input_as_a_bare_widget():
    from assessments.join_forms import InviteForm

    for data in (None, {"email": "not an <address>", "role": "editor"}):
        form = InviteForm(data)
        if data:
            assert not form.is_valid()
        assert 'type="email"' in _same_widgets(form)


# --- whole forms ({% uni_form form %} for `{{ form|crispy }}`) -----------------------------------


def _same_as_the_filter(make):
    crispy = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(
        Context({"form": make()})
    )
    ours = Template("{% load entry_fields %}{% uni_form form %}").render(Context({"form": make()}))
    assert _squeeze(ours) == _squeeze(crispy)
    return _squeeze(ours)


@pytest.mark.parametrize(
    "data",
    [None, {"email": "not <an> address", "role": "boss"}, {"email": "a@b.org", "role": "viewer"}],
)
def test_the_invitation_form_as_the_crispy_filter_gave_it(data):
    from assessments.join_forms import InviteForm

    def make():
        form = InviteForm(data)
        if data:
            form.is_valid()
        return form

    html = _same_as_the_filter(make)
    assert html.count('class="invalid-feedback"') == (2 if data and data["role"] == "boss" else 0)


def test_non_field_errors_check_boxes_and_text_areas_as_the_crispy_filter_gave_them():
    from django import forms

    class Form(forms.Form):
        text = forms.CharField(widget=forms.Textarea, help_text="Some <b>help</b>")
        agree = forms.BooleanField(label="I agree & more")

        def clean(self):
            raise forms.ValidationError("Both <wrong>")

    def make():
        form = Form({"text": "a <b>"})
        form.is_valid()
        return form

    html = _same_as_the_filter(make)
    assert "Both &lt;wrong&gt;" in html
    assert html.count('class="invalid-feedback"') == 1


# --- fields laid out in their template: {% form_field %} is {{ field|as_crispy_field }} ---


def _same_fields(make):
    """Each field of a form made by `make`, with |as_crispy_field and with form_field."""
    crispy = Template("{% load crispy_forms_tags %}{{ field|as_crispy_field }}")
    ours = Template("{% load entry_fields %}{% form_field field %}")
    htmls = []
    for name in make().fields:
        expected = crispy.render(Context({"field": make()[name]}))
        html = ours.render(Context({"field": make()[name]}))
        assert _squeeze(html) == _squeeze(expected), name
        htmls.append(_squeeze(html))
    return " ".join(htmls)


REGISTRATION = {
    "name": 'Ana <b>"Pérez"</b> & co',
    "email": "ana@office.example",
    "job_title": "Coordinator",
    "office_name": "Cali Youth Peace Office",
    "acronym": "CYPO",
    "website": "https://cypo.example.org/?a=1&b=2",
    "institutional_home": "department",
    "year_founded": "2019",
    "new_city": "",
    "country": "",
    "new_country": "",
}


def test_a_fresh_registration_form(report):
    html = _same_fields(RegistrationForm)
    assert html.count('class="select form-select"') == 3
    assert 'type="number"' in html and 'type="url"' in html and 'type="email"' in html


def test_a_filled_registration_form(report):
    city = str(City.objects.filter(PICKABLE).order_by("pk").first().pk)
    html = _same_fields(lambda: RegistrationForm({**REGISTRATION, "city": city}))
    assert "Ana &lt;b&gt;&quot;Pérez&quot;&lt;/b&gt; &amp; co" in html
    assert f'<option value="{city}" selected>' in html


def test_a_registration_form_with_errors(report):
    data = {
        **REGISTRATION,
        "name": "",
        "email": "not an address",
        "website": "javascript:alert(1)",
        "institutional_home": "nowhere",
        "year_founded": "1700",
        "city": "",
        "new_city": "",
        "country": "x",
        "new_country": "y" * 500,
    }

    def make():
        form = RegistrationForm(data)
        form.is_valid()
        return form

    html = _same_fields(make)
    assert html.count('class="invalid-feedback"') >= 6
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
