import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_is_accessible_and_links_to_each_start(page, report, assert_accessible):
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Assess and strengthen your Office of Violence Prevention"
    )
    assert page.get_by_role("link", name="Start your self-assessment").count() == 1
    assert page.locator("ol.list-group li").count() == 9
    assert_accessible(page)
