import pytest

from reports import pdf

from .scorecard_helpers import RenderCounter


@pytest.fixture
def renders(monkeypatch):
    """Counts the renders of a test, without rendering (the PDF is a stand-in)."""
    counter = RenderCounter()
    monkeypatch.setattr(pdf, "render_pdf", counter)
    return counter


@pytest.fixture(scope="session")
def warm_renderer():
    """This process's render forkserver, started and through one render.

    A web process pays for WeasyPrint's import once, on its first render; tests that time a
    render start from a warm one, as a worker does after its first scorecard.
    """
    pdf.render_pdf(html="<p>warm</p>", timeout=60, memory_mb=1000)
