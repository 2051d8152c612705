"""The reviewer's comment form: every criterion's comment box in one form.

One form for the whole review page, so that clicking "Add comment" under one criterion
also keeps (and saves) what was typed under any other: nothing typed is lost.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import DecisionForm, TextField


def comment_field_name(number):
    return f"c{number}"


class ReviewCommentsForm(forms.Form):
    """`c<number>`: a comment on criterion <number>; `text`: a note on the whole assessment.

    `required` is the criterion whose "Add comment" button was clicked: its box must not
    be empty. Every non-empty box is saved.
    """

    text = TextField(rows=3, label=_("Comment"))

    def __init__(self, *args, numbers, required=None, **kwargs):
        kwargs.setdefault("auto_id", "id_%s_text")
        super().__init__(*args, **kwargs)
        for number in numbers:
            field = TextField(rows=3, required=number == required)
            field.label = _("Comment on criterion %(number)s") % {"number": number}
            self.fields[comment_field_name(number)] = field

    def comments(self):
        """(criterion number or None, text) for every non-empty box, in page order."""
        found = []
        for name, value in self.cleaned_data.items():
            if not value:
                continue
            found.append((None if name == "text" else int(name[1:]), value))
        return found


class PublishForm(DecisionForm):
    """Publishing is final: the reviewer ticks a box to confirm it (no JavaScript needed)."""

    confirm = forms.BooleanField(
        label=_("I have read every criterion; publish this assessment on the public pages."),
        help_text=_("Needed to publish, not to return. A published assessment is frozen."),
    )


class ReplyForm(forms.Form):
    """A reply to one comment. Several of these are on one page, so ids carry the comment."""

    text = TextField(rows=2, required=True, label=_("Your reply"))

    def __init__(self, *args, comment_id, **kwargs):
        kwargs.setdefault("auto_id", f"id_reply_{comment_id}_%s")
        super().__init__(*args, **kwargs)


class CorrectionForm(forms.Form):
    text = TextField(
        rows=3,
        required=True,
        label=_("Public correction note"),
        help_text=_(
            "Shown on the public pages beside the published version until the correction is "
            "published, and with the corrected version afterwards. Say what is corrected and why."
        ),
    )
