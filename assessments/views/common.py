"""What every view of one assessment shares: the scoped getter, its decorator, and the
entries and comments loaded the way the pages show them."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed

from criteria.rubric import level_label

from .. import workflow
from ..access import (
    get_assessment_for_user,
    is_reviewer,
    memberships_read_once,
    office_ids_for,
)
from ..models import Entry, ReviewComment
from ..prepared import Prepared


def get_for_workspace(request, pk, *, write=False):
    """The assessment for this workspace, or 404 / 403 (see access.get_assessment_for_user).

    The workspace (drafts, history, review notes) is for the office's staff and reviewers
    only: everyone else reads published assessments on the city pages and scorecards, so
    they get a 404 here even for a published one.
    """
    assessment = get_assessment_for_user(request.user, pk, write=write)
    user = request.user
    if not (assessment.office_id in office_ids_for(user) or is_reviewer(user)):
        raise Http404
    return assessment


SAFE = ("GET", "HEAD")


def assessment_view(*methods, write_on_post=False):
    """Decorate a view of one assessment: login, then the getter, then the method check.

    The getter runs first so that outsiders get 404 for every method, even one the view
    does not accept; the view receives the assessment instead of its id. With
    `write_on_post` a POST needs write access (403 for members who may not write).
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, pk, **kwargs):
            # These views change no membership: the user's are read once per request.
            with memberships_read_once(request.user):
                write = write_on_post and request.method == "POST"
                assessment = get_for_workspace(request, pk, write=write)
                if request.method not in methods:
                    return HttpResponseNotAllowed(methods)
                return view(request, assessment, **kwargs)

        return wrapper

    return decorator


# The criterion page's: its criteria come from the reference cache, so no join, and the
# entries are put in the criteria's order here.
_ENTRIES = Prepared(
    lambda assessment_id: Entry.objects.filter(assessment_id=assessment_id).order_by()
)


def load_entries(assessment, *, levels=False, evidence=False, criteria=None):
    """The assessment's entries with their criteria (and rubric levels, evidence) loaded.
    `criteria`, every criterion already loaded (rounds.criteria_reader's, shared between
    requests: read only), spares the join and the levels' query."""
    if criteria is not None and not evidence:
        entries = _ENTRIES(assessment_id=assessment.pk)
    else:
        qs = Entry.objects.filter(assessment=assessment)
        if criteria is None:
            qs = qs.select_related("criterion").order_by("criterion__number")
            if levels:
                qs = qs.prefetch_related("criterion__levels")
        if evidence:
            qs = qs.prefetch_related("evidence")
        entries = list(qs)
    if criteria is not None:
        by_id = {c.pk: c for c in criteria}
        for entry in entries:
            entry.criterion = by_id[entry.criterion_id]
        entries.sort(key=lambda e: e.criterion.number)
    for entry in entries:
        entry.assessment = assessment  # spares a query per entry
        entry.missing = workflow.missing_parts(entry)
        if levels:
            entry.level_label = level_label(entry.criterion, entry.level)
    return entries


def load_comments(assessment):
    return list(
        ReviewComment.objects.filter(assessment=assessment)
        .select_related("author", "criterion")
        .order_by("created_at", "pk")
    )


def refused_notes_key(assessment_id, number):
    """The session's place for words on earlier actions that a save refused (too long),
    until the criterion page has put them back in their boxes."""
    return f"refused-action-notes:{assessment_id}:{number}"
