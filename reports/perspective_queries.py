"""The dashboard's view of perspectives rounds: for the offices in the sample whose
assessment shown was agreed after a closed round, how many answered and how many criteria
were divergent. One query when no office held a round, four whatever their number otherwise."""

from django.db.models import Q
from django.utils import timezone

from assessments import rounds
from assessments.models import PerspectiveRound


def divergence(*, offices):
    """[{"office": office dict, "respondents", "divergent": [criterion numbers]}], in the
    sample's order; only rounds with figures to show count (the privacy rule applies)."""
    by_assessment = {o["assessment_id"]: o for o in offices}
    found = dict(
        PerspectiveRound.objects.filter(assessment_id__in=list(by_assessment))
        .filter(Q(closed_at__isnull=False) | Q(closes_on__lt=timezone.localdate()))
        .values_list("assessment_id", "pk")
    )
    if not found:
        return []
    computed = rounds.summaries(round_ids=list(found.values()))
    out = []
    for office in offices:
        round_id = found.get(office["assessment_id"])
        if round_id is None:
            continue
        summary = computed[round_id]
        if not any(row.overall or any(cell for _g, cell in row.cells) for row in summary.rows):
            continue
        out.append(
            {
                "office": office,
                "respondents": summary.respondents,
                "divergent": [row.criterion for row in summary.divergent],
            }
        )
    return out
