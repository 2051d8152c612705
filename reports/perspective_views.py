"""A closed perspectives round's figures as CSV: the same figures as the API and the PDF
(assessments.rounds.public_figures), for whoever may see the assessment."""

from django.http import Http404
from django.views.decorators.http import require_safe

from assessments import rounds
from assessments.access import get_assessment_for_user
from assessments.models import PerspectiveRound

from .csvexport import csv_response

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
CSV_FIGURES = ("answers", "dont_know", "median", "low", "high", "q1", "q3")


@require_safe
def perspectives_csv(request, pk):
    assessment = get_assessment_for_user(request.user, pk)
    round_ = PerspectiveRound.objects.filter(assessment=assessment).first()
    figures = rounds.public_figures(round_=round_)
    if figures is None:
        raise Http404
    name = f"ovp-perspectives-{assessment.office.slug}-{assessment.cycle}.csv"
    return csv_response(name, CSV_COLUMNS, csv_rows(figures))


def csv_rows(figures):
    for criterion in figures["criteria"]:
        for cell in criterion["figures"]:
            yield [
                criterion["number"],
                criterion["title"],
                cell["group"],
                *(cell[key] for key in CSV_FIGURES),
                criterion["divergent"],
            ]
