"""Who may see or change which assessment. Every view that touches one goes through here.

Published assessments are public. Drafts and submitted ones are visible to the office's
staff, reviewers and superusers only; everyone else gets a 404, as if they did not exist.
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from .models import Assessment, Membership
from .prepared import Prepared

REVIEWERS = "reviewers"
RESEARCHERS = "researchers"


def _in_group(user, name):
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_ovp_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._ovp_groups = cache
    return name in cache


def is_reviewer(user):
    return user.is_authenticated and (user.is_superuser or _in_group(user, REVIEWERS))


def is_researcher(user):
    return user.is_authenticated and (user.is_superuser or _in_group(user, RESEARCHERS))


# What memberships_read_once() reads, once per page: prepared (assessments/prepared.py).
_MEMBERSHIPS = Prepared(lambda user_id: Membership.objects.filter(user_id=user_id).order_by())


def office_ids_for(user, editor=False):
    """Offices the user belongs to (as editor when `editor`)."""
    if not user.is_authenticated:
        return set()
    roles = getattr(user, "_ovp_roles", False)
    if roles is not False:  # inside memberships_read_once()
        if roles is None:
            roles = [(m.office_id, m.role) for m in _MEMBERSHIPS(user_id=user.pk)]
            user._ovp_roles = roles
        return {o for o, role in roles if not editor or role in Membership.EDITING_ROLES}
    memberships = Membership.objects.filter(user=user)
    if editor:
        memberships = memberships.filter(role__in=Membership.EDITING_ROLES)
    return set(memberships.values_list("office_id", flat=True))


@contextmanager
def memberships_read_once(user):
    """Within, `user`'s memberships are read from the database once, at the first question:
    a page asks several times what its user may do (read, edit, discuss, plan). Only for
    code that does not change memberships meanwhile."""
    if not user.is_authenticated or hasattr(user, "_ovp_roles"):
        yield
        return
    user._ovp_roles = None
    try:
        yield
    finally:
        del user._ovp_roles


ALL_OFFICES = "all"


def readable_offices(user):
    """The one visibility rule: whose unpublished assessments `user` may read.

    ALL_OFFICES for reviewers and superusers, else the ids of the user's offices; an empty
    set means published assessments only (anonymous visitors, researchers, partners).
    """
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser or is_reviewer(user):
        return ALL_OFFICES
    return frozenset(office_ids_for(user))


def sees_published_only(user):
    """True when `user` reads nothing but published assessments (pages may be shared)."""
    return not readable_offices(user)


def can_read(user, assessment):
    """visible_assessments' rule for one assessment already loaded. A member's own office
    is readable whatever else they are, so members never need their groups read."""
    if assessment.status == Assessment.Status.PUBLISHED:
        return True
    if assessment.office_id in office_ids_for(user):
        return True
    return readable_offices(user) == ALL_OFFICES


def visible_assessments(user):
    """Assessments the user may read."""
    qs = Assessment.objects.all()
    offices = readable_offices(user)
    if offices == ALL_OFFICES:
        return qs
    published = Q(status=Assessment.Status.PUBLISHED)
    return qs.filter(published | Q(office_id__in=offices)) if offices else qs.filter(published)


# Every assessment page's first read, compiled once per process (assessments/prepared.py).
_ASSESSMENT = Prepared(
    lambda pk: Assessment.objects.select_related("office__city__country").filter(pk=pk)
)


def get_assessment_for_user(user, pk, write=False):
    """The assessment `pk` if `user` may read it (or change it, with `write`), else 404.

    Writing needs an editor membership of the office and a draft: published assessments
    are frozen and submitted ones wait for the reviewer. Non-members get 404 for a write
    even on a published assessment; members who may read but not write get 403.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    found = _ASSESSMENT(pk=pk)
    if not found or not can_read(user, found[0]):
        raise Http404
    assessment = found[0]
    if write and not can_edit(user, assessment):
        if assessment.office_id not in office_ids_for(user):
            raise Http404
        raise PermissionDenied
    return assessment


def can_edit(user, assessment):
    return (
        assessment.status == Assessment.Status.DRAFT
        and assessment.kind == Assessment.Kind.SELF
        and assessment.office_id in office_ids_for(user, editor=True)
    )


def can_review(user, assessment):
    return is_reviewer(user) and assessment.status == Assessment.Status.SUBMITTED
