"""access.can_read (one assessment already loaded) and access.visible_assessments (the
query) are one rule: they agree for every kind of user and every status."""

import pytest
from django.contrib.auth.models import AnonymousUser

from assessments import access
from assessments.models import Assessment
from tests import factories

pytestmark = pytest.mark.django_db


def test_can_read_agrees_with_visible_assessments(
    office, other_office, staff, viewer, other_staff, reviewer, researcher, superuser
):
    both = factories.make_user(office=office, group="reviewers")
    assessments = [
        factories.make_assessment(place, cycle=2020 + i, status=status)
        for place in (office, other_office)
        for i, status in enumerate(Assessment.Status.values)
    ]
    users = [AnonymousUser(), staff, viewer, other_staff, reviewer, researcher, superuser, both]
    for user in users:
        visible = set(access.visible_assessments(user).values_list("pk", flat=True))
        readable = {a.pk for a in assessments if access.can_read(user, a)}
        assert readable == visible & {a.pk for a in assessments}, user
    # Not a rule that says yes to everything or to nothing.
    assert {a.pk for a in assessments if access.can_read(staff, a)} == {
        a.pk for a in assessments if a.office_id == office.pk or a.status == "published"
    }
