"""Builders for the self-assessment tests."""

from assessments import workflow
from assessments.models import Assessment


def entry_post(entry, *, links=(), action="save", **fields):
    """The POST a browser sends from a criterion page, with `fields` overriding defaults."""
    data = {
        "base_version": str(entry.version),
        "applicability": "assessed",
        "level": "2",
        "justification": "",
        "strengths": "We have a plan.",
        "opportunities": "Fund it for longer.",
        "action": action,
        "evidence-TOTAL_FORMS": str(len(links)),
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "50",
    }
    for i, link in enumerate(links):
        for key, value in link.items():
            data[f"evidence-{i}-{key}"] = value
    data.update(fields)
    return data


def complete_data(text="Fictional text", level=2):
    """save_entry data for a complete criterion."""
    return {
        "applicability": "assessed",
        "level": level,
        "justification": "",
        "strengths": f"{text}: strengths",
        "opportunities": f"{text}: opportunities",
        "evidence": [],
    }


def fill(assessment, user, *, skip=(), levels=None):
    """Complete every criterion of `assessment` except the numbers in `skip`."""
    for entry in assessment.entries.select_related("criterion", "assessment"):
        n = entry.criterion.number
        if n in skip:
            continue
        level = levels[n - 1] if levels else 2
        workflow.save_entry(
            entry=entry, data=complete_data(level=level), base_version=entry.version, user=user
        )
    return Assessment.objects.get(pk=assessment.pk)


def publish(assessment, staff, reviewer, levels=None):
    fill(assessment, staff, levels=levels)
    assert workflow.submit(assessment=assessment, user=staff) == []
    workflow.publish(assessment=assessment, user=reviewer)
    return Assessment.objects.get(pk=assessment.pk)
