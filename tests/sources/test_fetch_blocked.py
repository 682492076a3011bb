"""Loopback in every spelling, directly and behind redirects: refused, and nothing connects.

Each target is a real listener on a loopback address that is never served; after the fetch it
must have accepted no connection. SOURCE_FETCH_ALLOWED_NETWORKS stays empty for direct fetches;
the redirecting server lives on 127.0.0.3 and only 127.0.0.3/32 is exempt, so a redirect to any
other loopback address is a redirect to a blocked one.
"""

import pytest
from pytest_httpserver import HTTPServer

from sources.fetch import fetch
from sources.models import Outcome

# (spelling of the host, which listener it reaches: "v4" = 127.0.0.1, "v6" = ::1)
SPELLINGS = [
    ("127.0.0.1", "v4"),
    ("2130706433", "v4"),  # decimal
    ("0x7f000001", "v4"),  # hex
    ("0x7f.0.0.1", "v4"),  # hex first octet
    ("0177.0.0.1", "v4"),  # octal
    ("127.1", "v4"),  # short form
    ("localhost", "v4"),  # a name that resolves to loopback
    ("[::1]", "v6"),
    ("[::ffff:127.0.0.1]", "v4"),  # IPv4-mapped IPv6
    ("[::ffff:7f00:1]", "v4"),  # the same, in hex groups
]


@pytest.fixture
def listeners(settings, silent_listener):
    v4, v6 = silent_listener("127.0.0.1"), silent_listener("::1")
    settings.SOURCE_FETCH_ALLOWED_PORTS = [v4.port, v6.port]
    return {"v4": v4, "v6": v6}


@pytest.mark.parametrize(("host", "family"), SPELLINGS)
def test_loopback_spellings_are_blocked_and_never_reached(settings, listeners, host, family):
    assert settings.SOURCE_FETCH_ALLOWED_NETWORKS == []
    target = listeners[family]
    result = fetch(f"http://{host}:{target.port}/admin")
    assert result.outcome == Outcome.BLOCKED, result
    assert result.error
    assert listeners["v4"].connections() == 0
    assert listeners["v6"].connections() == 0


def test_the_reason_names_the_resolved_address(listeners):
    result = fetch(f"http://localhost:{listeners['v4'].port}/")
    assert result.error == "localhost: 127.0.0.1 is a loopback address"
    result = fetch(f"http://2130706433:{listeners['v4'].port}/")
    assert result.error == "2130706433: 127.0.0.1 is a loopback address"


@pytest.fixture(scope="module")
def _redirect_server():
    server = HTTPServer(host="127.0.0.3", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redirector(settings, listeners, _redirect_server):
    """An allowed server on 127.0.0.3 that redirects wherever a test says."""
    _redirect_server.clear()
    settings.SOURCE_FETCH_ALLOWED_NETWORKS = ["127.0.0.3/32"]
    settings.SOURCE_FETCH_ALLOWED_PORTS = [*settings.SOURCE_FETCH_ALLOWED_PORTS, _redirect_server.port]
    return _redirect_server


def test_the_redirector_itself_is_reachable(redirector):
    redirector.expect_request("/ok").respond_with_data("fine")
    assert fetch(redirector.url_for("/ok")).outcome == Outcome.OK


@pytest.mark.parametrize(("host", "family"), SPELLINGS)
def test_redirects_to_loopback_are_blocked_and_never_reached(redirector, listeners, host, family):
    target = listeners[family]
    redirector.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": f"http://{host}:{target.port}/internal"}
    )
    result = fetch(redirector.url_for("/go"))
    assert result.outcome == Outcome.BLOCKED, result
    assert len(redirector.log) == 1  # the redirect was asked for; the target never was
    assert listeners["v4"].connections() == 0
    assert listeners["v6"].connections() == 0


def test_redirect_to_cloud_metadata_is_blocked_by_the_policy(redirector, settings):
    """An IP literal needs no lookup: the policy refuses it before any socket is opened."""
    settings.SOURCE_FETCH_ALLOWED_PORTS = [*settings.SOURCE_FETCH_ALLOWED_PORTS, 80]
    redirector.expect_request("/meta").respond_with_data(
        "", status=302, headers={"Location": "http://[::ffff:169.254.169.254]/latest/meta-data/"}
    )
    result = fetch(redirector.url_for("/meta"))
    assert result.outcome == Outcome.BLOCKED
    assert "metadata" in result.error
