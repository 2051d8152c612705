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


@pytest.mark.parametrize("width", [375, 1280])
def test_open_data_page_is_accessible_and_links_the_package(
    new_page, report, assert_accessible, width
):
    page = new_page(width, 900)
    page.goto("/data/")
    assert page.get_by_role("heading", level=1).inner_text() == "Open data"
    assert page.locator("table tbody tr").count() == 9
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width
    assert_accessible(page)
    # The descriptor is one click away, and a program may read it.
    response = page.request.get(
        page.get_by_role("link", name="datapackage.json").first.get_attribute("href")
    )
    assert response.json()["name"] == "ovp-assess-open-data"
