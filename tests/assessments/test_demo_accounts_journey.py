"""The self-assessment journey with the demo accounts: staff-cali fills in Cali's Secretariat for
Peace and Citizen Culture, reviewer returns then publishes, Cali's page and the API show it.

Everything here lives in the test database only; seed_demo itself writes no assessment
for a real city.
"""

from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from assessments.models import Assessment
from cities.models import Office

from .test_journey import _fill


def test_staff_cali_fills_in_over_two_sittings_and_reviewer_publishes(report, client_for):
    call_command("seed_demo", password="demo-password-1", force=True, verbosity=0)
    staff = User.objects.get(username="staff-cali")
    reviewer = User.objects.get(username="reviewer")
    office = Office.objects.get(slug="cali-spcc")
    assert not office.assessments.exists()  # seed_demo wrote nothing for a real city

    first = client_for(staff)
    first.post(reverse("assess:start"), {"office": office.pk, "cycle": 2026})
    assessment = Assessment.objects.get(office=office, cycle=2026, kind="self")
    for number in range(1, 5):
        assert _fill(first, assessment, number).status_code == 302

    second = client_for(staff)  # another sitting, another login
    assert "4 of 9 criteria done" in second.get(reverse("assess:home")).content.decode()
    for number in range(5, 10):
        assert _fill(second, assessment, number).status_code == 302
    assert second.post(reverse("assess:submit", args=[assessment.pk])).status_code == 302

    rc = client_for(reviewer)
    rc.post(
        reverse("assess:review-comment", args=[assessment.pk]),
        {"criterion": "2", "c2": "Name the partners."},
    )
    rc.post(reverse("assess:review-return", args=[assessment.pk]), {"text": "See criterion 2."})
    page = second.get(reverse("assess:criterion", args=[assessment.pk, 2])).content.decode()
    assert "Name the partners." in page
    _fill(second, assessment, 2, strengths="Universities, business groups and neighbourhoods")
    assert second.post(reverse("assess:submit", args=[assessment.pk])).status_code == 302
    rc.post(reverse("assess:review-publish", args=[assessment.pk]), {"text": "", "confirm": "on"})

    assert Assessment.objects.get(pk=assessment.pk).status == "published"
    anonymous = client_for(None)
    cali = anonymous.get("/cities/cali/").content.decode()
    assert "Universities, business groups and neighbourhoods" in cali
    assert f'href="/reports/scorecards/{assessment.pk}.pdf"' in cali
    api = anonymous.get(f"/api/assessments/{assessment.pk}").json()
    assert (api["status"], api["cycle"], api["kind"]) == ("published", 2026, "self")
