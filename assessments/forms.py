"""Forms of the self-assessment: one criterion, its evidence (links and files), starting,
reviewing.

Only the fields named here are read from a POST, so extra fields (status, office, cycle)
are ignored. Free text is limited to settings.MAX_TEXT_LENGTH characters per field, and to
what a page or PDF can lay out: settings.MAX_TEXT_LINES lines and no word (a run without a
space, links included) over settings.MAX_WORD_LENGTH characters; evidence titles are one
line with no word over settings.MAX_TITLE_WORD_LENGTH.
"""

import datetime
import ipaddress
import unicodedata

import ada_url
from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import evidence, plans
from .models import Assessment, Entry, EvidenceLink

# Host names that always mean "this machine" or the local network, without a DNS lookup.
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")
# IPv6 prefixes whose last 32 bits are an IPv4 address some networks reach: the
# IPv4-compatible ::/96 (deprecated, still routed by some stacks) and NAT64's 64:ff9b::/96.
# (IPv4-mapped ::ffff:0:0/96, 6to4 and Teredo are read by `ipaddress` itself.)
EMBEDDING_V4 = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))


class PublicWebURLValidator(URLValidator):
    """http(s) links to public hosts only: no javascript:, file:, data:, localhost or
    private, loopback or link-local addresses (checked on literal IPs and names only).

    The link is read as a browser reads it: with a WHATWG URL parser (ada-url), which
    also normalises the forms of an IPv4 address that Python's urlsplit does not know
    (2130706433, 0x7f.1, 0177.0.0.1, 127.1, percent-encoded digits). Backslashes (a
    browser reads "\\" as "/", so http://127.0.0.1\\@example.com/ opens 127.0.0.1 while
    urlsplit sees example.com) and user names or passwords ("user:pass@host", used to
    make a link look like another host) are refused outright.
    """

    def __init__(self):
        super().__init__(schemes=["http", "https"])

    def __call__(self, value):
        # Django's URL pattern takes any character above U+00A0 in a host name, also the
        # invisible ones: a right-to-left override or a zero-width space would make a link
        # read as another address than the one it opens. (NUL has its own message.)
        if any(unicodedata.category(c) in ("Cc", "Cf") and c != "\x00" for c in value):
            raise ValidationError(self.message, code=self.code)
        scheme, _colon, rest = value.partition(":")
        if scheme.lower() not in self.schemes:
            raise ValidationError(
                _("Only web links starting with http:// or https:// are allowed."),
                code="scheme",
            )
        if "\\" in value:
            raise ValidationError(
                _("Links may not contain a backslash (\\). Use a forward slash (/) instead."),
                code="backslash",
            )
        if len(value) > self.max_length:  # as Django's check below, before parsing
            raise ValidationError(self.message, code=self.code)
        try:
            url = ada_url.URL(value)
        except ValueError:
            raise ValidationError(self.message, code=self.code) from None
        if is_local_host(url.hostname, url.host_type):
            raise ValidationError(
                _("Links to this computer or to a private network are not allowed."),
                code="private",
            )
        super().__call__(value)  # Django's checks: the form of the host, TLD, port
        if "@" in _authority(rest) or url.username or url.password:
            raise ValidationError(
                _(
                    "Links may not contain a user name or password (the part before @). "
                    "Remove it, and never put a password in a link."
                ),
                code="userinfo",
            )


def _authority(rest):
    """The authority ("user:pass@host:port") of what follows a URL's scheme and colon,
    read as the WHATWG parser does for http(s): after any slashes, up to the first of
    "/", "?", "#" (backslashes are refused before this is asked)."""
    rest = rest.lstrip("/")
    for end in "/?#":
        rest = rest.partition(end)[0]
    return rest


def is_local_host(host, host_type=None):
    """Does `host` name this machine or a private network? `host` is a WHATWG host
    (ada-url's hostname: lower case, IDNA-encoded, IPv4 normalised, IPv6 in brackets)
    or, without `host_type`, a plain name or address."""
    host = host.rstrip(".").lower()
    if host_type is None or host_type == ada_url.HostType.DEFAULT:
        if host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES):
            return True
        if host_type is not None:
            return False
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not is_public_ip(ip)


def is_public_ip(ip):
    """Is `ip` on the public internet, also where it embeds an IPv4 address?"""
    if not ip.is_global or ip.is_multicast:
        return False
    if ip.version == 6:
        embedded = getattr(ip, "ipv4_mapped", None)
        if embedded is None and any(ip in net for net in EMBEDDING_V4):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_ip(embedded)
    return True


class PublicURLField(forms.URLField):
    default_validators = [PublicWebURLValidator()]


# How much of an over-long word the message quotes, so that the person can find it.
WORD_START = 30


# Pictographs (emoji, skin tones, flags, dingbats): each is a colour bitmap that the PDF
# renderer draws slowly, about 2 ms apiece, so a field full of them takes minutes.
PICTOGRAPHS = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF))


def pictograph_count(value):
    return sum(1 for ch in value if any(lo <= ord(ch) <= hi for lo, hi in PICTOGRAPHS))


def layout_errors(value, *, max_lines, max_word, max_pictographs=None):
    """What in `value` no page or PDF could lay out: more than `max_lines` lines ("\r\n",
    "\r" and "\n" each end a line, as in TextField), a run of more than `max_word`
    characters without white space (str.split's), or more than `max_pictographs` emoji
    (settings.MAX_TEXT_EMOJI by default). [] when it is fine."""
    errors = []
    if not value:
        return errors
    if max_pictographs is None:
        max_pictographs = settings.MAX_TEXT_EMOJI
    lines = value.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    if lines > max_lines:
        if max_lines == 1:
            message = _("A title is one line: remove the line breaks.")
        else:
            message = _(
                "This text has %(lines)s lines; at most %(limit)s are allowed. "
                "Join short lines into paragraphs."
            )
        errors.append(
            ValidationError(message, code="lines", params={"lines": lines, "limit": max_lines})
        )
    word = next((w for w in value.split() if len(w) > max_word), None)
    if word is not None:
        errors.append(
            ValidationError(
                _(
                    "“%(start)s…” has %(length)s characters without a space; a word or link "
                    "may have at most %(limit)s. Add spaces, or shorten it."
                ),
                code="word",
                params={"start": word[:WORD_START], "length": len(word), "limit": max_word},
            )
        )
    pictographs = pictograph_count(value)
    if pictographs > max_pictographs:
        errors.append(
            ValidationError(
                _("This text has %(count)s emoji; at most %(limit)s are allowed."),
                code="emoji",
                params={"count": pictographs, "limit": max_pictographs},
            )
        )
    return errors


class LayoutLimitsMixin:
    """Refuse text that would make a layout explode (see layout_errors), after the
    field's own checks: an over-long or NUL-holding value gets their message alone."""

    max_lines = None
    max_word = None

    def clean(self, value):
        value = super().clean(value)
        errors = layout_errors(value, max_lines=self.max_lines, max_word=self.max_word)
        if errors:
            raise ValidationError(errors)
        return value


class TextField(LayoutLimitsMixin, forms.CharField):
    """Free text: line ends made uniform, surrounding spaces dropped, spaces alone refused,
    at most settings.MAX_TEXT_LINES lines and no word over settings.MAX_WORD_LENGTH."""

    def __init__(self, *, rows=5, **kwargs):
        kwargs.setdefault("max_length", settings.MAX_TEXT_LENGTH)
        kwargs.setdefault("required", False)
        # dir="auto": Arabic or Hebrew text reads right to left inside the box.
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows, "dir": "auto"}))
        self.max_lines = settings.MAX_TEXT_LINES
        self.max_word = settings.MAX_WORD_LENGTH
        super().__init__(strip=False, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # No maxlength: the browser would cut pasted text without a word. text-limit.js
        # counts instead and says when the text is too long; the server refuses it with a
        # field error and shows it back, so nothing is cut anywhere.
        if "maxlength" in attrs:
            attrs["data-max-length"] = attrs.pop("maxlength")
            attrs["data-count-text"] = _("%(count)s of %(max)s characters")
            attrs["data-over-text"] = _(
                "Too long: %(over)s characters more than the %(max)s allowed. Shorten it "
                "before saving; nothing has been cut."
            )
        return attrs

    def to_python(self, value):
        value = super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")
        if value and not value.strip():
            raise ValidationError(
                _("This field holds only spaces. Write some text or leave it empty."),
                code="blank",
            )
        return value.strip()


class TitleField(LayoutLimitsMixin, forms.CharField):
    """A one-line title with no word over settings.MAX_TITLE_WORD_LENGTH."""

    def __init__(self, **kwargs):
        self.max_lines = 1
        self.max_word = settings.MAX_TITLE_WORD_LENGTH
        super().__init__(**kwargs)


def _level_choices(criterion):
    choices = [("", _("Not rated yet"))]
    for level in criterion.levels.all():
        choices.append(
            (level.level, f"{level.level} – {level.tr('label')}: {level.tr('descriptor')}")
        )
    return choices


class EntryForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    applicability = forms.ChoiceField(
        label=_("Does this criterion apply to your office?"),
        choices=[
            (Entry.Applicability.ASSESSED, _("Yes: rate it below")),
            (Entry.Applicability.NOT_APPLICABLE, _("No, it does not apply: explain why")),
        ],
        widget=forms.RadioSelect,
        initial=Entry.Applicability.ASSESSED,
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Choose the description that fits your office today."),
    )
    justification = TextField(
        rows=3,
        label=_("Why does this criterion not apply?"),
        help_text=_("Needed only when the criterion does not apply."),
    )
    strengths = TextField(
        label=_("Current strengths"),
        help_text=_("What already works. Drafts may leave this empty until you submit."),
    )
    opportunities = TextField(
        label=_("Opportunities to enhance effectiveness"),
        help_text=_("What you could do better, and with whose help."),
    )
    # "auto": one above the level chosen in the same form (plans.default_target), so the
    # proposal follows the level; "" or "none": no target.
    target = forms.ChoiceField(
        label=_("Target for the next cycle"),
        required=False,
        help_text=_(
            "The level you aim for next cycle. Proposed: one above today's level (at most 4). "
            "You may leave it unset."
        ),
    )

    AUTO, NONE = "auto", "none"

    # The fields in the page's order, (name, class of its widget) where it has one; written
    # out by assessments/templatetags/entry_fields.py.
    layout = (
        "base_version",
        "applicability",
        ("level", "level-choice"),
        ("target", "target-choice"),
        "justification",
        "strengths",
        "opportunities",
    )

    def __init__(self, *args, criterion, read_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = _level_choices(criterion)
        self.fields["target"].choices = [
            (self.AUTO, _("Proposed: one level above today's")),
            (self.NONE, _("No target")),
            *[
                (str(level.level), f"{level.level} – {level.tr('label')}")
                for level in criterion.levels.all()
            ],
        ]
        if read_only:
            for f in self.fields.values():
                f.disabled = True

    def clean(self):
        data = super().clean()
        not_applicable = data.get("applicability") == Entry.Applicability.NOT_APPLICABLE
        if not_applicable and not data.get("justification") and "justification" not in self.errors:
            self.add_error(
                "justification", _("Explain why the criterion does not apply to your office.")
            )
        target = data.get("target")
        if target == self.AUTO:
            level = None if not_applicable else data.get("level")
            data["target"] = plans.default_target(level=level)
        elif target in ("", self.NONE, None):
            data["target"] = None
        else:
            data["target"] = int(target)
        return data

    @classmethod
    def initial_for(cls, entry):
        return {
            "base_version": entry.version,
            "applicability": (
                entry.applicability
                if entry.applicability == Entry.Applicability.NOT_APPLICABLE
                else Entry.Applicability.ASSESSED
            ),
            "level": entry.level,
            "justification": entry.justification,
            "strengths": entry.strengths,
            "opportunities": entry.opportunities,
            "target": cls._target_initial(entry),
        }

    @classmethod
    def _target_initial(cls, entry):
        if entry.target is not None:
            return str(entry.target)
        # Never saved (or copied from last cycle and not confirmed): propose the default.
        # Once saved without a target, "no target" was the office's choice.
        if entry.version == 1 or not entry.confirmed:
            return cls.AUTO
        return cls.NONE


class EvidenceForm(forms.Form):
    """One piece of evidence: a web link, or a file (uploaded now, or stored already and
    carried by a signed token in `stored`; see assessments/evidence.py)."""

    url = PublicURLField(
        label=_("Link (URL)"),
        max_length=EvidenceLink._meta.get_field("url").max_length,
        required=False,
        assume_scheme="https",
    )
    # Empty files get our own message (evidence.check_upload), not Django's.
    file = forms.FileField(label=_("or a file"), required=False, allow_empty_file=True)
    stored = forms.CharField(widget=forms.HiddenInput, required=False)
    title = TitleField(
        label=_("Title"),
        max_length=EvidenceLink._meta.get_field("title").max_length,
        required=False,
    )
    checked_on = forms.DateField(
        label=_("Date last checked"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, read_only=False, entry_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry_id = entry_id
        self.upload_type = None  # the detected type of a file uploaded with this form
        limit = settings.EVIDENCE_MAX_BYTES
        self.fields["file"].widget.attrs.update(
            {
                "accept": evidence.ACCEPT,
                "data-max-bytes": limit,
                "data-too-big": _("This file is too big: files may be at most %(limit)s.")
                % {"limit": evidence.human_size(limit)},
            }
        )
        self.fields["file"].help_text = _("PDF, image or office document, at most %(limit)s.") % {
            "limit": evidence.human_size(limit)
        }
        if read_only:
            for f in self.fields.values():
                f.disabled = True
        self.read_only = read_only
        self.set_layout()

    def set_layout(self):
        holds_file = self.stored_file is not None
        read_only = self.read_only
        if holds_file:
            self.fields["file"].label = _("Replace the file")
        # A row holding a file shows the file above its fields (the page's template) and
        # offers to replace it; any other row takes a link or a file. Written out by
        # assessments/templatetags/entry_fields.py: ("row", [(field, column class)]).
        where = [] if holds_file else [("url", "col-md-5")]
        self.layout = (
            "stored",
            ("row", [*where, ("title", "col-md-4"), ("checked_on", "col-md-3")]),
            *([] if read_only else ["file"]),
            "DELETE",
        )

    @property
    def stored_file(self):
        """The already stored file this row holds (from its token), or None."""
        if self.is_bound:
            token = self.data.get(self.add_prefix("stored")) or ""
        else:
            token = self.initial.get("stored") or ""
        if not token or self.entry_id is None:
            return None
        return evidence.unsign(token, entry_id=self.entry_id)

    @property
    def item(self):
        """The saved EvidenceLink an unbound row shows, for its status and download link."""
        return None if self.is_bound else self.initial.get("item")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            self.upload_type = evidence.check_upload(upload)
        return upload

    def clean_stored(self):
        token = self.cleaned_data.get("stored")
        if token and self.stored_file is None:
            raise ValidationError(_("This file could not be found again. Choose it again."))
        return token

    def clean_checked_on(self):
        day = self.cleaned_data.get("checked_on")
        # A day of slack: the person's calendar may be ahead of UTC.
        if day and day > timezone.now().date() + datetime.timedelta(days=1):
            raise ValidationError(_("The date last checked cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        if data.get("DELETE"):
            return data
        upload = data.get("file")
        has_file = bool(upload or self.stored_file)
        if data.get("url") and upload:
            self.add_error("file", _("Give a link or a file in this row, not both."))
            return data
        if self.errors:
            return data
        if data.get("url") or has_file or data.get("title") or data.get("checked_on"):
            if not data.get("url") and not has_file:
                self.add_error("url", _("Enter the link's address, or choose a file."))
            if not data.get("title"):
                if upload:  # the file's own name, shortened to what a title may hold
                    name = evidence.safe_name(upload.name, self.upload_type)
                    data["title"] = name[: settings.MAX_TITLE_WORD_LENGTH]
                elif has_file:
                    data["title"] = self.stored_file.original_name[: settings.MAX_TITLE_WORD_LENGTH]
                else:
                    self.add_error("title", _("Give the link a title."))
        return data

    @property
    def link(self):
        """{url, title, checked_on, file} to keep (file: a StoredFile, or None for a
        link), or None for a removed or empty row. Uploads must be stored first."""
        data = getattr(self, "cleaned_data", {})
        if data.get("DELETE"):
            return None
        stored = self.stored_file
        if not data.get("url") and stored is None:
            return None
        return {
            "url": "" if stored else data["url"],
            "title": data["title"],
            "checked_on": data.get("checked_on"),
            "file": stored,
        }


class BaseEvidenceFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this item")

    def store_files(self):
        """Store every upload that passed its own checks, and put its token in its row, so
        that the file is kept whether this save goes through, shows a conflict, or shows
        other fields' errors. Refused files are never stored."""
        if not self.is_bound:
            return
        data = self.data.copy()
        for form in self.forms:
            cleaned = getattr(form, "cleaned_data", {})
            upload = cleaned.get("file")
            if not upload or form.upload_type is None or cleaned.get("DELETE"):
                continue
            if "file" in form.errors:  # refused (type, size, both a link and a file)
                continue
            stored = evidence.store_upload(upload, form.upload_type)
            data[form.add_prefix("stored")] = evidence.sign(stored, entry_id=form.entry_id)
            data[form.add_prefix("url")] = ""
            form.upload_type = None
        self.data = data
        for form in self.forms:
            form.data = data
            form.set_layout()
            if getattr(form, "cleaned_data", None) is not None:
                form.cleaned_data.pop("file", None)

    @property
    def links(self):
        """The evidence to save, once store_files() has run."""
        return [form.link for form in self.forms if form.link]


EvidenceFormSet = forms.formset_factory(
    EvidenceForm,
    formset=BaseEvidenceFormSet,
    extra=0,
    can_delete=True,
    max_num=50,
    validate_max=True,
    absolute_max=60,
)


def evidence_initial(items, *, entry_id):
    """Form rows for saved EvidenceLinks or for evidence states (url, title, checked_on,
    StoredFile or None), a stored file carried as a token signed for `entry_id`."""
    rows = []
    for item in items:
        saved = isinstance(item, EvidenceLink)
        url, title, checked_on, stored = item.state if saved else item
        rows.append(
            {
                "url": url,
                "title": title,
                "checked_on": checked_on,
                "stored": evidence.sign(stored, entry_id=entry_id) if stored else "",
                "item": item if saved else None,
            }
        )
    return rows


class ExtraRowsForm(forms.Form):
    """?links=N on a criterion page: how many empty evidence rows to show."""

    links = forms.IntegerField(min_value=0, max_value=10, required=False)


class StartForm(forms.Form):
    """Start a self-assessment of `office` (chosen by the view, never read from the form)."""

    cycle = forms.IntegerField(label=_("Cycle (year)"), min_value=2000, max_value=2100)
    prefill_from = forms.ModelChoiceField(
        label=_("Start from"),
        queryset=Assessment.objects.none(),
        required=False,
        empty_label=_("An empty form"),
        help_text=_("Copy levels, texts and links from an earlier published assessment."),
    )

    def __init__(self, *args, office, published=None, **kwargs):
        kwargs.setdefault("auto_id", f"id_start{office.pk}_%s")
        kwargs.setdefault("initial", {"cycle": timezone.now().year})
        super().__init__(*args, **kwargs)
        self.office = office
        field = self.fields["prefill_from"]
        # `published` may be given already loaded, so that a page of offices costs one query.
        if published is None:
            published = list(Assessment.objects.published().filter(office=office))
        field.queryset = Assessment.objects.filter(pk__in=[a.pk for a in published])
        field.choices = [("", field.empty_label)] + [
            (a.pk, _label_for(a)) for a in sorted(published, key=lambda a: -a.cycle)
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        data = super().clean()
        cycle, source = data.get("cycle"), data.get("prefill_from")
        if source and source.office_id != self.office.pk:
            self.add_error("prefill_from", _("Choose an assessment of the same office."))
        elif source and cycle and source.cycle >= cycle:
            self.add_error("prefill_from", _("Choose an earlier cycle than the new one."))
        if cycle:
            taken = Assessment.objects.filter(
                office=self.office, cycle=cycle, kind=Assessment.Kind.SELF
            ).exists()
            if taken:
                self.add_error(
                    "cycle",
                    _("This office already has a self-assessment for %(cycle)s.")
                    % {"cycle": cycle},
                )
        return data


def _label_for(assessment):
    return _("%(cycle)s %(kind)s (published)") % {
        "cycle": assessment.cycle,
        "kind": assessment.get_kind_display().lower(),
    }


class DecisionForm(forms.Form):
    text = TextField(
        rows=3,
        label=_("Note to the office (optional)"),
        help_text=_("Shown to the office's staff with your decision."),
    )


class DiffForm(forms.Form):
    """?old=<revision>&new=<revision> on the diff page; revisions are history ids."""

    old = forms.TypedChoiceField(label=_("From version"), coerce=int)
    new = forms.TypedChoiceField(label=_("To version"), coerce=int)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("old") is not None and data.get("old") == data.get("new"):
            raise ValidationError(_("Choose two different versions."))
        return data
