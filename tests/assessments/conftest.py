import pytest

from assessments import workflow


@pytest.fixture
def assessment(office, staff):
    """A draft self-assessment of `office`, started by `staff` as the app does."""
    return workflow.start_assessment(office=office, cycle=2025, user=staff)
