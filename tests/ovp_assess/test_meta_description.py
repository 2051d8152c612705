"""Search engines show a page's <meta name="description">: each public page has its own, in
the reader's language (Lighthouse's SEO audit fails a page without one)."""

from html.parser import HTMLParser

import pytest

from assessments.models import Assessment
from tests import factories


class _Meta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.descriptions = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("name") == "description":
            self.descriptions.append(attrs.get("content"))


def descriptions(response):
    assert response.status_code == 200
    parser = _Meta()
    parser.feed(response.content.decode())
    return parser.descriptions


def _pages():
    embed = factories.make_assessment(factories.make_office(), status=Assessment.Status.PUBLISHED)
    return {
        "home": "/",
        "cities": "/cities/",
        "city": "/cities/cali/",
        "matrix": "/reports/matrix/",
        "dashboard": "/reports/dashboard/",
        "embed": f"/embed/scorecards/{embed.pk}/",
        "criteria": "/criteria/",
    }


@pytest.mark.parametrize("language", ["en", "es", "pt-br", "fr"])
def test_each_public_page_has_one_description_of_its_own(client, report, language):
    found = {
        name: descriptions(client.get(path, HTTP_ACCEPT_LANGUAGE=language))
        for name, path in _pages().items()
    }

    assert {name: len(d) for name, d in found.items()} == dict.fromkeys(found, 1)
    # The criteria list keeps the site's default; the six measured pages say what they show.
    texts = [d[0] for name, d in found.items() if name != "criteria"]
    assert len(set(texts)) == len(texts)
    assert all(len(text) >= 50 for text in texts), texts


def test_the_city_description_names_the_city_and_is_translated(client, report):
    english = descriptions(client.get("/cities/cali/", HTTP_ACCEPT_LANGUAGE="en"))
    spanish = descriptions(client.get("/cities/cali/", HTTP_ACCEPT_LANGUAGE="es"))

    assert english == [
        "Cali, Colombia: its Offices of Violence Prevention, the report's figures and their "
        "published assessments on nine criteria."
    ]
    assert spanish == [
        "Cali, Colombia: sus Oficinas de Prevención de la Violencia, las cifras del informe y "
        "sus evaluaciones publicadas en nueve criterios."
    ]
