import pytest

from reports import pdf


@pytest.fixture(scope="session")
def warm_renderer():
    """This process's render forkserver, started and through one render.

    A web process pays for WeasyPrint's import once, on its first render; tests that time a
    render start from a warm one, as a worker does after its first scorecard.
    """
    pdf.render_pdf(html="<p>warm</p>", timeout=60, memory_mb=1000)
