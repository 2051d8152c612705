import pytest
from assessments import workflow
from cities.models import Office
from tests import factories
from . import helpers
from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_screens(new_page, report):
    helpers.seed_demo()
    staff = helpers.office_staff("staff-northvale", helpers.NORTHVALE)
    helpers.office_staff("colleague-northvale", helpers.NORTHVALE)
    office = Office.objects.get(slug=helpers.NORTHVALE)
    draft = workflow.start_assessment(office=office, cycle=helpers.CYCLE, user=staff)
    a = new_page(); b = new_page(width=375)
    log_in(a, "staff-northvale"); log_in(b, "colleague-northvale")
    a.goto(f"/assess/{draft.pk}/criteria/1/"); b.goto(f"/assess/{draft.pk}/criteria/1/")
    a.get_by_label("or a file").set_input_files({"name": "Budget.pdf", "mimeType": "application/pdf", "buffer": factories.PDF_BYTES})
    helpers.follow(a.get_by_role("button", name="Save draft"))
    b.get_by_label("Link (URL)").fill("https://example.org/law")
    b.get_by_label("Title").fill("Law")
    helpers.follow(b.get_by_role("button", name="Save draft"))
    b.locator("section.conflict").screenshot(path="/tmp/ev_conflict_phone.png")
    b.locator("#evidence").screenshot(path="/tmp/ev_conflict_rows_phone.png")
