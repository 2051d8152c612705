"""The office's side of a perspectives round: open it, invite, hand out codes, close it, read
the figures and agree a level per criterion."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from criteria.models import Criterion

from .. import rounds
from ..access import can_edit
from ..models import Assessment, Consensus, PerspectiveRound
from ..perspective_forms import CodesForm, ConsensusForm, InviteForm, OpenRoundForm
from .common import SAFE, assessment_view

SHAPES = ("circle", "square", "diamond", "triangle", "circle", "square", "diamond", "triangle")
COLOURS = ("#1b5e9c", "#b3471d", "#2f7d32", "#6a3d9a", "#00798c", "#8c510a", "#c51b7d", "#4d4d4d")


def _round_of(assessment):
    if assessment.kind != Assessment.Kind.SELF:
        raise Http404
    return PerspectiveRound.objects.filter(assessment=assessment).first()


def _criteria():
    return list(Criterion.objects.prefetch_related("levels").order_by("number"))


def _errors_to_form(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@assessment_view(*SAFE, "POST", write_on_post=True)
def overview(request, assessment):
    round_ = _round_of(assessment)
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
        editable = can_edit(request.user, assessment)
        is_open = rounds.is_open(round_)
        context.update(
            editable=editable,
            is_open=is_open,
            progress=rounds.progress(round_=round_),
            invited=round_.respondents.exclude(email="").order_by("email"),
            min_group=rounds.min_group(),
        )
        if is_open and editable:
            context.setdefault("invite_form", InviteForm(round_=round_, prefix="invite"))
            context.setdefault("codes_form", CodesForm(round_=round_, prefix="codes"))
        if not is_open:
            criteria = _criteria()
            summary = rounds.summary(round_=round_)
            groups = {g.pk: g for g in round_.groups.all()}
            consensus = {c.criterion_id: c for c in Consensus.objects.filter(round=round_)}
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
            context.update(
                summary=summary,
                rows=_rows(summary, criteria, groups, consensus, context.get("consensus_form")),
                legend=_legend(summary, groups),
            )
    return render(request, "assess/perspectives.html", context, status=status)


def _legend(summary, groups):
    return [
        {"name": groups[g.id].name, "shape": SHAPES[i], "colour": COLOURS[i], "group": g}
        for i, g in enumerate(summary.groups)
    ]


WIDTH, LEFT, RIGHT = 400, 20, 380


def _x(level):
    return LEFT + (RIGHT - LEFT) * level / 4


def _rows(summary, criteria, groups, consensus, form):
    """Rows for the results table and chart: divergent criteria first, then by number."""
    by_number = {c.number: c for c in criteria}
    out = []
    for row in summary.rows:
        criterion = by_number[row.criterion]
        marks = []
        for i, (gid, cell) in enumerate(row.cells):
            if cell is not None and cell.median is not None:
                marks.append(
                    {
                        "x": _x(cell.median),
                        "shape": SHAPES[i],
                        "colour": COLOURS[i],
                        "name": groups[gid].name,
                        "median": cell.median,
                    }
                )
        overall = row.overall
        bar = None
        if overall is not None and overall.low is not None:
            bar = {
                "x1": _x(overall.low),
                "x2": _x(overall.high),
                "q1": _x(overall.q1),
                "q3": _x(overall.q3),
            }
        out.append(
            {
                "row": row,
                "criterion": criterion,
                "cells": [(groups[gid], cell) for gid, cell in row.cells],
                "comments": [
                    (groups[gid].name if gid else None, texts) for gid, texts in row.comments
                ],
                "marks": marks,
                "bar": bar,
                "consensus": consensus.get(criterion.pk),
                "fields": form.field_pair(criterion.number) if form is not None else None,
            }
        )
    out.sort(key=lambda r: (not r["row"].divergent, r["criterion"].number))
    return out


@assessment_view("POST", write_on_post=True)
def invite(request, assessment):
    round_ = _round_of(assessment) or _no_round()
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
            message = _("%(n)d invitations sent.") % {"n": len(invited)}
            if skipped:
                message += " " + _("%(n)d addresses were invited already and were skipped.") % {
                    "n": skipped
                }
            messages.success(request, message)
            return redirect("assess:perspectives", assessment.pk)
    return _render(request, assessment, round_, status=400, invite_form=form)


def _send_invitations(request, assessment, round_, invited):
    language = get_language()
    mails = []
    for item in invited:
        link = request.build_absolute_uri(reverse("respond:answer", args=[item.token]))
        context = {
            "office": assessment.office,
            "closes_on": round_.closes_on,
            "link": link,
            "language": language,
        }
        mail = EmailMultiAlternatives(
            subject=_("Your view on %(office)s") % {"office": assessment.office.name},
            body=render_to_string("email/perspectives_invite.txt", context),
            to=[item.respondent.email],
        )
        mail.attach_alternative(
            render_to_string("email/perspectives_invite.html", context), "text/html"
        )
        mails.append(mail)

    def send():
        for mail in mails:
            mail.send()

    transaction.on_commit(send)


def _no_round():
    raise Http404


@assessment_view("POST", write_on_post=True)
def codes(request, assessment):
    round_ = _round_of(assessment) or _no_round()
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
    round_ = _round_of(assessment) or _no_round()
    rounds.close_round(round_=round_, user=request.user)
    messages.success(request, _("The round is closed. Its figures are below."))
    return redirect("assess:perspectives", assessment.pk)


@assessment_view("POST", write_on_post=True)
def agree(request, assessment):
    round_ = _round_of(assessment) or _no_round()
    form = ConsensusForm(request.POST, criteria=_criteria())
    if form.is_valid():
        try:
            saved = rounds.record_consensus(round_=round_, user=request.user, agreed=form.agreed())
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request, _("Agreed levels saved for %(n)d criteria.") % {"n": len(saved)}
            )
            return redirect("assess:perspectives", assessment.pk)
    return _render(request, assessment, round_, status=400, consensus_form=form)


CSV_COLUMNS = [
    "criterion_number",
    "criterion",
    "group",
    "answers",
    "dont_know",
    "median",
    "low",
    "high",
    "q1",
    "q3",
    "divergent",
]


@assessment_view(*SAFE)
def results_csv(request, assessment):
    """The figures the results page shows, and nothing more: cells not shown stay out."""
    round_ = _round_of(assessment) or _no_round()
    if rounds.is_open(round_):
        raise Http404
    summary = rounds.summary(round_=round_)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"ovp-perspectives-{assessment.office.city.slug}-{assessment.cycle}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    write_results_csv(response, summary=summary, round_=round_, criteria=_criteria())
    return response


def write_results_csv(out, *, summary, round_, criteria):
    names = {g.pk: g.name for g in round_.groups.all()}
    titles = {c.number: c.tr("short_title") for c in criteria}
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in summary.rows:
        cells = [(names[gid], cell) for gid, cell in row.cells if cell is not None]
        if row.overall is not None:
            cells.append(("all respondents", row.overall))
        for name, cell in cells:
            writer.writerow(
                [
                    row.criterion,
                    titles[row.criterion],
                    name,
                    cell.answers,
                    cell.dont_know,
                    _number(cell.median),
                    _number(cell.low),
                    _number(cell.high),
                    _number(cell.q1),
                    _number(cell.q3),
                    "yes" if row.divergent else "no",
                ]
            )


def _number(value):
    if value is None:
        return ""
    return f"{value:g}"
