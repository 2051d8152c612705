"""The models' own get_FOO_display() (choice_display, cheaper on lists) give what Django's
would, for every choice, a blank and an unknown value, in every language."""

import pytest
from django.db.models import Model
from django.utils import translation

from assessments.models import Action, Invitation, Membership, TeamEvent

FIELDS = [
    (Membership, "role"),
    (Invitation, "role"),
    (TeamEvent, "action"),
    (TeamEvent, "old_role"),
    (TeamEvent, "new_role"),
    (Action, "status"),
]


@pytest.mark.parametrize("language", ["en", "es", "pt-br", "fr"])
@pytest.mark.parametrize(("model", "name"), FIELDS)
def test_the_same_as_djangos(model, name, language):
    field = model._meta.get_field(name)
    values = [value for value, _label in field.flatchoices] + ["", "unknown", None]
    with translation.override(language):
        for value in values:
            instance = model(**{name: value})
            ours = getattr(instance, f"get_{name}_display")()
            assert ours == Model._get_FIELD_display(instance, field)
            assert type(ours) is type(Model._get_FIELD_display(instance, field))
