import os

import pytest
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters and politeness slots live in the cache; no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(db):
    from claims.groups import EDITORS
    from tests.factories import UserFactory

    return UserFactory(username="editor", groups=[EDITORS])


@pytest.fixture
def fact_checker(db):
    from claims.groups import FACT_CHECKERS
    from tests.factories import UserFactory

    return UserFactory(username="checker", groups=[FACT_CHECKERS])
