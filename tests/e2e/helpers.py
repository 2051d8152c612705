"""Data and keyboard helpers shared by the browser journeys.

Data is built the way the app builds it: `seed_demo` for the demo accounts and fictional
offices, assessments.workflow for anything more. Nothing here writes about a real city.
"""

import io

from django.core.management import call_command

from assessments import workflow
from assessments.models import Assessment
from cities.models import Office
from criteria.models import Criterion

from .. import factories

# The demo offices seed_demo creates (all fictional, in "Demoland").
NORTHVALE = "northvale-demo-safety"
PORT_AMBER = "port-amber-demo-vpu"
SUNHILL = "sunhill-demo-safety"
CYCLE = 2026  # the cycle after seed_demo's last one


def seed_demo():
    """The demo accounts (password "pw") and the fictional demo offices."""
    call_command("seed_demo", password="pw", force=True, stdout=io.StringIO())


def office_staff(username, office_slug):
    """An editor of one of the demo offices (password "pw")."""
    return factories.make_user(username, office=Office.objects.get(slug=office_slug))


def complete(entry, *, level=2, text="Fictional"):
    return {
        "applicability": "assessed",
        "level": level,
        "justification": "",
        "strengths": f"{text} strengths of criterion {entry.criterion.number}.",
        "opportunities": f"{text} opportunities of criterion {entry.criterion.number}.",
        "evidence": [],
    }


def submitted_assessment(*, office_slug, user, cycle=CYCLE, levels=(2, 1, 2, 3, 2, 1, 2, 2, 1)):
    """A complete self-assessment started, filled and submitted through the workflow."""
    office = Office.objects.get(slug=office_slug)
    assessment = workflow.start_assessment(office=office, cycle=cycle, user=user)
    entries = assessment.entries.select_related("criterion").order_by("criterion__number")
    for entry, level in zip(entries, levels, strict=True):
        data = complete(entry, level=level)
        workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=user)
    assert workflow.submit(assessment=assessment, user=user) == []
    return Assessment.objects.get(pk=assessment.pk)


def published_office(*, country, city_name, office_name, slug, reviewer, levels):
    """A fictional office in `country` with one published, rated self-assessment."""
    city = factories.make_city(country=country, name=city_name, slug=slug)
    office = factories.make_office(city=city, name=office_name, slug=f"{slug}-office")
    author = factories.make_user(f"author-{slug}", office=office)
    assessment = submitted_assessment(
        office_slug=office.slug, user=author, cycle=CYCLE - 1, levels=levels
    )
    workflow.publish(assessment=assessment, user=reviewer, comment="")
    return office


def criterion_titles():
    return list(Criterion.objects.order_by("number").values_list("title", flat=True))


def short_titles():
    return list(Criterion.objects.order_by("number").values_list("short_title", flat=True))


# --- pages --------------------------------------------------------------------------------


def sign_in(page, check, username):
    """Log in through the form, checking the login page and the page after it with `check`."""
    page.goto("/accounts/login/")
    check(page)
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("pw")
    follow(page.get_by_role("main").get_by_role("button", name="Log in"))
    assert page.url.endswith("/"), page.url
    check(page)


def follow(locator):
    """Click a link or button and wait for the page it leads to (a click alone may return
    before the navigation starts, and the old page would then answer the next question)."""
    with locator.page.expect_navigation():
        locator.click()


def error_summary_is_announced(page, *, summary_id, links):
    """The summary is an alert, has the focus, and links to each field named in `links`."""
    summary = page.locator(f"#{summary_id}")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("() => document.activeElement.id") == summary_id
    found = [(a.inner_text(), a.get_attribute("href")) for a in summary.get_by_role("link").all()]
    assert found == links


def field_error(page, label):
    """The error text a field points to with aria-describedby (it must be aria-invalid)."""
    field = page.get_by_label(label)
    assert field.get_attribute("aria-invalid") == "true"
    ids = [i for i in field.get_attribute("aria-describedby").split() if i.endswith("_error")]
    return [page.locator(f"#{i}").inner_text().strip() for i in ids]


# --- keyboard ---------------------------------------------------------------------------

# What has the focus: enough to recognise a control without a selector.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  return {
    tag: e.tagName.toLowerCase(), id: e.id || "", name: e.getAttribute("name") || "",
    value: e.value === undefined ? "" : String(e.value), type: e.getAttribute("type") || "",
    text: (e.innerText || "").trim().slice(0, 80), checked: !!e.checked,
  };
}"""


def focused(page):
    return page.evaluate(FOCUSED)


def tab_until(page, wanted, *, backwards=False, limit=80):
    """Press Tab (or Shift+Tab) until `wanted(focus)` is true; returns the focus stops.

    A date input takes several presses (day, month, year) but is one stop in the list.
    """
    stops = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if now is not None and (not stops or stops[-1] != now):
            stops.append(now)
        if now is not None and wanted(now):
            return stops
    raise AssertionError(f"Focus never reached the control; it went through {stops}")


def named(name, value=None):
    return lambda f: f["name"] == name and (value is None or f["value"] == value)
