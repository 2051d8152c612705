"""A bundle of 50 scorecards made by the real task worker while the site goes on answering.

The worker is django-tasks-db's own, running in a thread on the database queue
(tests/worker.py); the web requests come from the test client in this thread. The
scorecards are rendered by WeasyPrint as in production (see RENDER below).
"""

import io
import json
import time
import zipfile

import pytest
from django.urls import reverse

from assessments.models import Assessment
from reports.models import BundleJob
from tests import factories
from tests.worker import real_worker  # noqa: F401 - a fixture

from .scorecard_helpers import pdf_bytes

COUNT = 50
# Requests answered while the worker renders must stay quick (renders run at a lower
# priority, in children of the worker); generous for a shared two-core machine.
QUICK = 2.0


@pytest.mark.django_db(transaction=True)
def test_a_bundle_of_50_scorecards_is_made_by_the_worker_while_the_site_answers(
    client,
    report,
    real_worker,  # noqa: F811 - the fixture imported above
):
    for _ in range(COUNT):
        office = factories.make_office()
        factories.make_assessment(office, cycle=2031, status=Assessment.Status.PUBLISHED)
    city = office.city

    response = client.get(reverse("reports:scorecard-bundle", args=[2031]) + "?fictional=on")
    assert response.status_code == 302  # to the progress page, not a ZIP
    job = BundleJob.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'id="bundle-message" role="status"' in page.content

    # From here on, this thread only reads (tests/worker.py says why).
    real_worker.start()
    status_url = reverse("reports:bundle-status", args=[job.pk])
    answers, progress = [], []

    def site_answers_and_bundle_is_ready():
        for url in (reverse("healthz"), reverse("cities:detail", args=[city.slug])):
            started = time.monotonic()
            answer = client.get(url)
            answers.append((url, answer.status_code, time.monotonic() - started))
        status = json.loads(client.get(status_url).content)
        progress.append(status["done"])
        return status if status["status"] == "ready" else None

    status = real_worker.wait_for(site_answers_and_bundle_is_ready, timeout=600, every=0.5)

    assert status["total"] == COUNT
    # The site answered while the bundle was half made, every time quickly.
    assert any(0 < done < COUNT for done in progress), progress
    assert {(url, code) for url, code, _ in answers} == {
        (reverse("healthz"), 200),
        (reverse("cities:detail", args=[city.slug]), 200),
    }
    slowest = max(seconds for _, _, seconds in answers)
    assert slowest < QUICK, sorted(answers, key=lambda a: -a[2])[:3]

    download = client.get(status["download_url"])
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(pdf_bytes(download))) as archive:
        members = archive.namelist()
        assert len(members) == COUNT
        assert all(name.endswith(".pdf") for name in members)
        assert all(archive.read(name).startswith(b"%PDF-") for name in members)
