import ipaddress
import os
import socket

import pytest
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "testserver"}
_real_getaddrinfo = socket.getaddrinfo


def _loopback_only_getaddrinfo(host, *args, **kwargs):
    """Tests talk to loopback only: a name that would need the (non-loopback) DNS resolver fails.

    The fetcher sees this as an ordinary DNS failure, so a test that forgets to allow its
    local server fails loudly instead of sending a query off the machine.
    """
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and name.lower() not in LOOPBACK_NAMES and not _is_numeric(name):
        raise socket.gaierror(socket.EAI_NONAME, f"test guard: no DNS lookups of {name!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def _is_numeric(name: str) -> bool:
    """IP literals in any spelling the C library parses itself (2130706433, 0x7f.1, 127.1)."""
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        try:
            socket.inet_aton(name)
        except OSError:
            return False
    return True


socket.getaddrinfo = _loopback_only_getaddrinfo


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
