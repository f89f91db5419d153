import pytest

from devtools.demo import demo_progress_create


@pytest.fixture
def living_plan(seed_plan, demo_users, settings):
    """The seed plan with the demo's progress updates, contributions and moved statuses; today 15 June 2014."""
    settings.EMG_TODAY = "2014-06-15"
    demo_progress_create()
    return seed_plan
