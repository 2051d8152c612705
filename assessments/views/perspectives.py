"""The office's side of a perspectives round: open it, invite, hand out codes, close it, read
the figures and agree a level per criterion."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from criteria.models import Criterion

from .. import mail, rounds
from ..access import can_edit
from ..models import Assessment, PerspectiveRound
from ..perspective_chart import legend, legend_mark, perspectives_svg, range_sample
from ..perspective_forms import CodesForm, ConsensusForm, InviteForm, OpenRoundForm
from .common import SAFE, assessment_view


def _round_of(assessment, *, counted=False):
    """The self-assessment's round, or None (a research assessment has none: 404); with
    `counted`, its groups and their counts come with it (what _render shows)."""
    if assessment.kind != Assessment.Kind.SELF:
        raise Http404
    if counted:
        return rounds.round_with_counted_groups(assessment=assessment)
    return PerspectiveRound.objects.filter(assessment=assessment).first()


def _round_or_404(assessment):
    round_ = _round_of(assessment)
    if round_ is None:
        raise Http404
    return round_


def _criteria(*, levels=True):
    """The criteria in order, with their rubric levels when `levels` (the consensus form's)."""
    criteria = Criterion.objects.order_by("number")
    if levels:
        criteria = criteria.prefetch_related("levels")
    return list(criteria)


def _errors_to_form(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@assessment_view(*SAFE, "POST", write_on_post=True)
def overview(request, assessment):
    round_ = _round_of(assessment, counted=request.method != "POST")
    open_form = None
    if round_ is None and can_edit(request.user, assessment):
        open_form = OpenRoundForm(request.POST or None)
        if request.method == "POST" and open_form.is_valid():
            try:
                rounds.open_round(
                    assessment=assessment,
                    user=request.user,
                    closes_on=open_form.cleaned_data["closes_on"],
                    group_names=open_form.group_names(),
                )
            except ValidationError as error:
                _errors_to_form(open_form, error)
            else:
                messages.success(request, _("The perspectives round is open. Invite respondents."))
                return redirect("assess:perspectives", assessment.pk)
    elif request.method == "POST":
        return redirect("assess:perspectives", assessment.pk)
    return _render(request, assessment, round_, open_form=open_form)


def _render(request, assessment, round_, status=200, **forms):
    context = {"assessment": assessment, "round": round_, **forms}
    if round_ is not None:
        # The groups once, with their counts, for the forms, the figures and the tables
        # (already there when the round was read with them).
        if "groups" not in getattr(round_, "_prefetched_objects_cache", {}):
            rounds.prefetch_counted_groups(round_=round_)
        editable = can_edit(request.user, assessment)
        is_open = rounds.is_open(round_)
        context.update(
            editable=editable,
            is_open=is_open,
            progress=rounds.progress(round_=round_, groups=round_.groups.all()),
            # No query for the addresses when the counts say that nobody was invited by e-mail.
            invited=round_.respondents.exclude(email="").select_related("group").order_by("email")
            if any(group.emailed for group in round_.groups.all())
            else [],
            min_group=rounds.min_group(),
        )
        if is_open and editable:
            context.setdefault("invite_form", InviteForm(round_=round_, prefix="invite"))
            context.setdefault("codes_form", CodesForm(round_=round_, prefix="codes"))
        if not is_open:
            # With their rubric, kept in this process under the reference stamp.
            criteria = rounds.criteria_reader(request)
            summary = rounds.summary(round_=round_, criteria=criteria)
            groups = {g.pk: g for g in round_.groups.all()}
            consensus = rounds.consensus_of(round_=round_)
            if editable:
                form = forms.get("consensus_form") or ConsensusForm(
                    criteria=criteria,
                    initial={
                        key: value
                        for c in criteria
                        if c.pk in consensus
                        for key, value in (
                            (f"level_{c.number}", str(consensus[c.pk].level)),
                            (f"rationale_{c.number}", consensus[c.pk].rationale),
                        )
                    },
                )
                context["consensus_form"] = form
            titles = {c.number: c.tr("short_title") for c in criteria}
            figures = rounds.public_figures(round_=round_, computed=summary, titles=titles)
            context.update(
                summary=summary,
                rows=_rows(summary, criteria, groups, consensus, context.get("consensus_form")),
                chart=perspectives_svg(figures=figures, titles=titles),
                range_sample=range_sample(),
                legend=[
                    (name, legend_mark(shape, colour), shown)
                    for name, shape, colour, shown in legend(figures)
                ],
            )
    return render(request, "assess/perspectives.html", context, status=status)


def _rows(summary, criteria, groups, consensus, form):
    """One card per criterion (its table, comments, agreed level): divergent ones first."""
    by_number = {c.number: c for c in criteria}
    out = []
    for row in summary.rows:
        criterion = by_number[row.criterion]
        out.append(
            {
                "row": row,
                "criterion": criterion,
                "cells": [(groups[gid], cell) for gid, cell in row.cells],
                "comments": [
                    (groups[gid].name if gid else None, texts) for gid, texts in row.comments
                ],
                "consensus": consensus.get(criterion.pk),
                "fields": form.field_pair(criterion.number) if form is not None else None,
            }
        )
    out.sort(key=lambda r: (not r["row"].divergent, r["criterion"].number))
    return out


@assessment_view("POST", write_on_post=True)
def invite(request, assessment):
    round_ = _round_or_404(assessment)
    form = InviteForm(request.POST, round_=round_, prefix="invite")
    if form.is_valid():
        try:
            invited = rounds.invite(
                round_=round_,
                user=request.user,
                group_id=form.cleaned_data["group"],
                emails=form.cleaned_data["emails"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            _send_invitations(request, assessment, round_, invited)
            skipped = len(form.cleaned_data["emails"]) - len(invited)
            message = ngettext(
                "%(n)d invitation sent.", "%(n)d invitations sent.", len(invited)
            ) % {"n": len(invited)}
            if skipped:
                message += " " + ngettext(
                    "%(n)d address was invited already and was skipped.",
                    "%(n)d addresses were invited already and were skipped.",
                    skipped,
                ) % {"n": skipped}
            messages.success(request, message)
            return redirect("assess:perspectives", assessment.pk)
    return _render(request, assessment, round_, status=400, invite_form=form)


def _send_invitations(request, assessment, round_, invited):
    # In the inviter's language: the respondent has no account, and the page they open has
    # the language switcher.
    for item in invited:
        mail.send(
            template="perspectives_invite",
            to=item.respondent.email,
            language=get_language(),
            context={
                "office": assessment.office,
                "closes_on": round_.closes_on,
                "link": request.build_absolute_uri(reverse("respond:answer", args=[item.token])),
            },
        )


@assessment_view("POST", write_on_post=True)
def codes(request, assessment):
    round_ = _round_or_404(assessment)
    form = CodesForm(request.POST, round_=round_, prefix="codes")
    if form.is_valid():
        try:
            issued = rounds.issue_codes(
                round_=round_,
                user=request.user,
                group_id=form.cleaned_data["group"],
                count=form.cleaned_data["count"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            group = round_.groups.get(pk=form.cleaned_data["group"])
            link = request.build_absolute_uri(reverse("respond:code"))
            return render(
                request,
                "assess/perspective_codes.html",
                {
                    "assessment": assessment,
                    "round": round_,
                    "group": group,
                    "codes": issued,
                    "link": link,
                },
            )
    return _render(request, assessment, round_, status=400, codes_form=form)


@assessment_view("POST", write_on_post=True)
def close(request, assessment):
    round_ = _round_or_404(assessment)
    rounds.close_round(round_=round_, user=request.user)
    messages.success(request, _("The round is closed. Its figures are below."))
    return redirect("assess:perspectives", assessment.pk)


@assessment_view("POST", write_on_post=True)
def agree(request, assessment):
    round_ = _round_or_404(assessment)
    form = ConsensusForm(request.POST, criteria=_criteria())
    if form.is_valid():
        try:
            saved = rounds.record_consensus(round_=round_, user=request.user, agreed=form.agreed())
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Agreed level saved for %(n)d criterion.",
                    "Agreed levels saved for %(n)d criteria.",
                    len(saved),
                )
                % {"n": len(saved)},
            )
            return redirect("assess:perspectives", assessment.pk)
    return _render(request, assessment, round_, status=400, consensus_form=form)
