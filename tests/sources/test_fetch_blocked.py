"""Loopback in every spelling, directly and behind redirects: refused, and nothing connects.

Each target is a real listener on a loopback address that is never served; after the fetch it
must have accepted no connection. SOURCE_FETCH_ALLOWED_NETWORKS stays empty for direct fetches;
the redirecting server lives on 127.0.0.3 and only 127.0.0.3/32 is exempt, so a redirect to any
other loopback address is a redirect to a blocked one.
"""

import asyncio
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from pytest_httpserver import HTTPServer

from sources.fetch import AsyncFetcher, FetchResult, PublicResolver, fetch, run_to_completion
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


# ---- the async path, and DNS answers that change -----------------------------------------------


def fetch_with(fetcher_class: type[AsyncFetcher], *urls: str) -> list[FetchResult]:
    """Each URL through its own fetcher of `fetcher_class` (a fresh pool and DNS cache each)."""

    async def one(url: str) -> FetchResult:
        async with fetcher_class() as fetcher:
            return await fetcher.fetch(url)

    return [run_to_completion(one(url)) for url in urls]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0x7f.1", "[::1]"])
def test_async_redirects_to_loopback_are_blocked_among_allowed_fetches(redirector, listeners, host):
    family = "v6" if host.startswith("[") else "v4"
    redirector.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": f"http://{host}:{listeners[family].port}/internal"}
    )
    redirector.expect_request("/ok").respond_with_data("fine")

    async def run() -> list[FetchResult]:
        async with AsyncFetcher() as fetcher:
            urls = [redirector.url_for("/go" if n % 2 else "/ok") for n in range(20)]
            return await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    results = run_to_completion(run())
    assert {r.outcome for r in results[1::2]} == {Outcome.BLOCKED}
    assert all("loopback" in r.error for r in results[1::2])
    assert {(r.outcome, r.body) for r in results[::2]} == {(Outcome.OK, b"fine")}
    assert listeners["v4"].connections() == 0
    assert listeners["v6"].connections() == 0


def dns(*answers: list[str]) -> type[PublicResolver]:
    """A DNS that gives each of `answers` in turn (the addresses of every name asked), then the
    last one again: a rebinding server, judged by the fetcher's own resolver."""
    queue = list(answers)

    class RebindingDNS(PublicResolver):
        async def lookup(self, host: str, port: int, family: int) -> list[tuple[int, str]]:
            addresses = queue.pop(0) if len(queue) > 1 else queue[0]
            return [(socket.AF_INET, address) for address in addresses]

    return RebindingDNS


def lying_dns(*addresses: str) -> type[AbstractResolver]:
    """A resolver that checks nothing: whatever it lets through, the socket factory judges."""

    class LyingDNS(AbstractResolver):
        async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[ResolveResult]:
            return [
                {"hostname": host, "host": a, "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}
                for a in addresses
            ]

        async def close(self) -> None:
            pass

    return LyingDNS


@pytest.fixture
def rebinding(redirector, silent_listener):
    """`rebind.test` at the redirector's port: 127.0.0.3 is the allowed server, 127.0.0.1 a silent
    listener on the same port that must never be reached."""
    redirector.expect_request("/page").respond_with_data("from 127.0.0.3")
    internal = silent_listener("127.0.0.1", redirector.port)
    return {"url": f"http://rebind.test:{redirector.port}/page", "internal": internal, "server": redirector}


def test_a_name_that_rebinds_to_loopback_is_refused_at_the_next_lookup(rebinding):
    fetcher = type("Fetcher", (AsyncFetcher,), {"resolver": dns(["127.0.0.3"], ["127.0.0.1"])})
    before, after = fetch_with(fetcher, rebinding["url"], rebinding["url"])
    assert (before.outcome, before.body) == (Outcome.OK, b"from 127.0.0.3")
    assert (after.outcome, after.error) == (Outcome.BLOCKED, "rebind.test: 127.0.0.1 is a loopback address")
    assert rebinding["internal"].connections() == 0


def test_an_answer_with_one_internal_address_is_refused_whole(rebinding):
    fetcher = type("Fetcher", (AsyncFetcher,), {"resolver": dns(["127.0.0.3", "127.0.0.1"])})
    (result,) = fetch_with(fetcher, rebinding["url"])
    assert (result.outcome, result.error) == (Outcome.BLOCKED, "rebind.test: 127.0.0.1 is a loopback address")
    assert len(rebinding["server"].log) == 0  # not even the allowed address was asked
    assert rebinding["internal"].connections() == 0


def test_the_socket_factory_refuses_any_address_a_resolver_lets_through(rebinding):
    """The last word: whatever a resolver answered, each address is checked as it is dialled."""
    mixed = type("Fetcher", (AsyncFetcher,), {"resolver": lying_dns("127.0.0.1", "127.0.0.3")})
    internal = type("Fetcher", (AsyncFetcher,), {"resolver": lying_dns("127.0.0.1")})
    (served,) = fetch_with(mixed, rebinding["url"])
    (refused,) = fetch_with(internal, rebinding["url"])
    assert (served.outcome, served.body) == (Outcome.OK, b"from 127.0.0.3")  # the next address
    assert (refused.outcome, refused.error) == (Outcome.BLOCKED, "127.0.0.1 is a loopback address")
    assert rebinding["internal"].connections() == 0
