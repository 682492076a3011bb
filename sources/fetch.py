"""The one safe fetcher: every request to a source URL goes through `AsyncFetcher.fetch()`
(hundreds at once in one process, over one aiohttp connection pool) or `fetch()` (one, from
sync code).

Source URLs are hostile input. The rules (sources/netpolicy.py) are enforced where they cannot
be dodged, on every hop of a redirect chain, which is followed here one by one (at most
SOURCE_FETCH_MAX_REDIRECTS, loops detected, cookies kept for that chain only):

- before each request, `netpolicy.url_problem`: scheme, credentials, port, and a host that is an
  IP address in any spelling (aiohttp dials an IP literal without asking any resolver);
- when a host name is resolved (`PublicResolver`): the whole answer is refused if any address is
  not public, and aiohttp dials only the addresses of an answer that passed (its DNS cache holds
  only those). A DNS answer that changes between a check and the connection (rebinding)
  therefore cannot reach an internal address;
- when a socket is created (`public_socket`, aiohttp's socket factory): the exact address about to
  be dialled is checked once more, whatever path led there. TLS still verifies the host name.

Bounded time (the connect, and the whole fetch under one deadline), body (reading stops past
SOURCE_FETCH_MAX_BYTES, compressed or decompressed: we inflate ourselves, so a gzip bomb stops at
the cap) and headers (each at most 100 KB, at most 128 of them).

Every outcome is a value (`FetchResult.outcome`), never an exception; only programming errors
raise.
"""

import asyncio
import socket
import ssl
import sys
import threading
import time
import zlib
from collections.abc import Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from http.cookies import Morsel
from typing import TypeVar

import aiohttp
import certifi
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong
from django.conf import settings
from yarl import URL

from sources import netpolicy
from sources.models import Outcome

T = TypeVar("T")

ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"
SUCCESS = frozenset({Outcome.OK, Outcome.REDIRECTED, Outcome.NOT_MODIFIED})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_HEADER_BYTES = 100 * 1024  # the status line, and each header (name and value)
MAX_HEADERS = 128


@dataclass(frozen=True)
class FetchResult:
    """What one fetch ended in; `body` is the decoded (decompressed) body of a 2xx answer."""

    url: str
    outcome: Outcome
    final_url: str = ""
    status_code: int | None = None
    content_type: str = ""
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    redirects: tuple[str, ...] = ()
    error: str = ""
    duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.outcome in SUCCESS


class FetchBlocked(OSError):
    """The address a host leads to is not allowed; the message says why.

    An OSError so that a refused address is, to aiohttp and aiohappyeyeballs, a connection that
    failed: it is kept as the cause of aiohttp's error, and the next (checked) address is tried.
    """


class DNSFailure(Exception):
    """The host name does not resolve."""


class DNSTimeout(Exception):
    """The host name did not resolve within SOURCE_FETCH_CONNECT_TIMEOUT."""


class BadLocation(Exception):
    """A redirect's Location is not a URL."""


class TooLarge(Exception):
    """The body is over SOURCE_FETCH_MAX_BYTES, before or after decompression."""


class CorruptBody(Exception):
    """A gzip or deflate body does not decompress."""


_dns_lock = threading.Lock()
_dns_pool: ThreadPoolExecutor | None = None


def _dns_threads() -> ThreadPoolExecutor:
    """getaddrinfo() blocks and has no timeout: it runs in these threads, shared by every event
    loop of the process (a sync `fetch()` never waits for a slow lookup when its loop closes)."""
    global _dns_pool
    with _dns_lock:
        if _dns_pool is None:
            _dns_pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="fetch-dns")
        return _dns_pool


class PublicResolver(AbstractResolver):
    """Resolves a host name and refuses the whole answer if any address is not public."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[ResolveResult]:
        try:
            async with asyncio.timeout(settings.SOURCE_FETCH_CONNECT_TIMEOUT):
                addresses = await self.lookup(host, port, family)
        except TimeoutError:
            raise DNSTimeout(f"resolving {host} took too long") from None
        except (socket.gaierror, UnicodeError) as exc:
            raise DNSFailure(f"{host} does not resolve ({exc})") from exc
        if not addresses:
            raise DNSFailure(f"{host} has no address")
        for _, address in addresses:
            problem = netpolicy.address_problem(address)
            if problem:
                raise FetchBlocked(f"{host}: {problem}")
        return [
            {"hostname": host, "host": address, "port": port, "family": fam, "proto": 0, "flags": 0}
            for fam, address in addresses
        ]

    async def lookup(self, host: str, port: int, family: int) -> list[tuple[int, str]]:
        """The DNS answer, as (address family, address) pairs: the system resolver's."""
        infos = await asyncio.get_running_loop().run_in_executor(
            _dns_threads(), lambda: socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        )
        return list(dict.fromkeys((info[0], str(info[4][0])) for info in infos))

    async def close(self) -> None:
        """The lookup threads are shared by the process: nothing to release."""


def public_socket(addr_info: tuple) -> socket.socket:
    """The socket for one address aiohttp is about to dial, if that address is allowed.

    aiohttp calls this (TCPConnector's socket_factory) with the exact address it connects to next,
    for a resolved name as for an IP literal: the check no path can skip.
    """
    family, type_, proto, _, sockaddr = addr_info
    problem = netpolicy.address_problem(str(sockaddr[0]))
    if problem:
        raise FetchBlocked(problem)
    return socket.socket(family, type_, proto)


@cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


class AsyncFetcher:
    """One aiohttp connector (connection pool, DNS cache) shared by many concurrent fetches.

    Each fetch gets its own ClientSession over that connector, hence its own cookie jar: no cookie
    outlives one redirect chain.
    """

    resolver: type[AbstractResolver] = PublicResolver  # tests put a rebinding DNS here

    def __init__(self, *, limit: int = 0) -> None:
        """`limit`: most connections open at once (0: no limit, the caller bounds concurrency)."""
        self._limit = limit
        self._connector: aiohttp.TCPConnector | None = None

    async def __aenter__(self) -> "AsyncFetcher":
        self._connector = aiohttp.TCPConnector(
            limit=self._limit,
            resolver=self.resolver(),
            socket_factory=public_socket,
            ssl=_ssl_context(),
            # Before CPython 3.12.8 an aborted TLS connection's transport leaks unless aiohttp
            # cleans it up; a monitor process runs for days.
            enable_cleanup_closed=sys.version_info < (3, 12, 8),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._connector is not None:
            await self._connector.close()
            self._connector = None

    async def fetch(self, url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
        """GET `url` under every rule above; conditional when `etag`/`last_modified` are given."""
        if self._connector is None:
            raise RuntimeError("AsyncFetcher.fetch() outside `async with AsyncFetcher()`")
        started = time.monotonic()
        limit = settings.SOURCE_FETCH_TIMEOUT
        deadline = asyncio.timeout(limit)
        try:
            async with deadline:
                result = await self._fetch(url, etag=etag, last_modified=last_modified)
        except Exception as exc:
            if deadline.expired():
                outcome, error = Outcome.TIMEOUT, f"the fetch took longer than {limit:g} s"
            else:
                outcome, error = classify_error(exc)
            result = FetchResult(url=url, outcome=outcome, error=error)
        return replace(result, duration_ms=int((time.monotonic() - started) * 1000))

    async def _fetch(self, url: str, *, etag: str, last_modified: str) -> FetchResult:
        try:
            request_url = URL(url.strip())
        except ValueError as exc:
            return FetchResult(
                url=url, outcome=Outcome.BLOCKED, error=f"not a URL that can be fetched: {exc}"
            )
        headers = {
            "User-Agent": settings.SOURCE_FETCH_USER_AGENT,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        session = aiohttp.ClientSession(
            connector=self._connector,
            connector_owner=False,
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # "unsafe": keep cookies of IP-address hosts too
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=settings.SOURCE_FETCH_CONNECT_TIMEOUT),
            auto_decompress=False,
            trust_env=False,
            max_line_size=MAX_HEADER_BYTES,
            max_field_size=MAX_HEADER_BYTES,
            max_headers=MAX_HEADERS,
        )
        async with session:
            # A loop is the same URL asked again with the same cookies: a server that sets a cookie
            # and redirects to the same URL (a cookie bounce) answers differently the second time.
            seen = {_visit(request_url, ())}  # a new session's jar is empty
            hops: list[str] = []
            while True:
                problem = netpolicy.url_problem(request_url)
                if problem:
                    return FetchResult(url=url, outcome=Outcome.BLOCKED, redirects=tuple(hops), error=problem)
                async with session.get(request_url, headers=headers, allow_redirects=False) as response:
                    location = response.headers.get("Location") if response.status in REDIRECTS else None
                    if location is None:
                        return await _final(url, response, hops)
                    target = _redirect_target(response.url, location)
                    visit = _visit(target, session.cookie_jar)
                    if visit in seen:
                        return _redirect_failure(url, response, hops, f"redirect loop back to {target}")
                    if len(hops) >= settings.SOURCE_FETCH_MAX_REDIRECTS:
                        limit = settings.SOURCE_FETCH_MAX_REDIRECTS
                        return _redirect_failure(url, response, hops, f"more than {limit} redirects")
                    seen.add(visit)
                    hops.append(str(target))
                    request_url = target


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """Sync: one fetch on a fresh event loop and AsyncFetcher (`check_url`, tests)."""

    async def once() -> FetchResult:
        async with AsyncFetcher() as fetcher:
            return await fetcher.fetch(url, etag=etag, last_modified=last_modified)

    return run_to_completion(once())


def run_to_completion(coroutine: Coroutine[object, object, T]) -> T:
    """`asyncio.run(coroutine)` from sync code, also where this thread already runs an event loop
    (a notebook, an async caller, a browser-driving test): there the coroutine gets a thread of
    its own. It must not touch the database, which belongs to the caller's thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1, thread_name_prefix="fetch-loop") as runner:
        return runner.submit(asyncio.run, coroutine).result()


def host_of(url: str) -> str:
    """The host `url` names, lowercased (IDNA decoded), or "" when it is not a URL."""
    try:
        return (URL(url.strip()).host or "").lower()
    except (ValueError, TypeError):
        return ""


def _redirect_target(base: URL, location: str) -> URL:
    try:
        return base.join(URL(location)).with_fragment(None)
    except ValueError as exc:
        raise BadLocation(f"{location!r} ({exc})") from exc


def _visit(target: URL, jar: Iterable[Morsel[str]]) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    cookies = tuple(sorted((c["domain"], c.key, c.value) for c in jar))
    return str(target.with_fragment(None)), cookies


def _redirect_failure(url: str, response: aiohttp.ClientResponse, hops: list[str], error: str) -> FetchResult:
    return FetchResult(
        url=url,
        outcome=Outcome.TOO_MANY_REDIRECTS,
        final_url=str(response.url),
        status_code=response.status,
        redirects=tuple(hops),
        error=error,
    )


async def _final(url: str, response: aiohttp.ClientResponse, hops: list[str]) -> FetchResult:
    headers = response.headers
    common = {
        "url": url,
        "final_url": str(response.url),
        "status_code": response.status,
        "content_type": headers.get("Content-Type", ""),
        "etag": _validator(headers.get("ETag", ""), 512),
        "last_modified": _validator(headers.get("Last-Modified", ""), 64),
        "redirects": tuple(hops),
    }
    status = response.status
    reason = response.reason or ""
    if status == 304:
        return FetchResult(outcome=Outcome.NOT_MODIFIED, **common)
    if 300 <= status < 400:  # a redirect we could follow would not be here
        error = f"HTTP {status} {reason} without a Location header".replace("  ", " ")
        return FetchResult(outcome=Outcome.BAD_REDIRECT, error=error, **common)
    if not 200 <= status < 300:
        outcome = Outcome.SERVER_ERROR if status >= 500 else Outcome.CLIENT_ERROR
        return FetchResult(outcome=outcome, error=f"HTTP {status} {reason}".strip(), **common)
    try:
        body = await read_body(response, settings.SOURCE_FETCH_MAX_BYTES)
    except TooLarge as exc:
        return FetchResult(outcome=Outcome.TOO_LARGE, error=str(exc), **common)
    outcome = Outcome.REDIRECTED if hops else Outcome.OK
    return FetchResult(outcome=outcome, body=body, **common)


def _validator(value: str, limit: int) -> str:
    """An ETag or Last-Modified we can send back later: printable ASCII that fits, else nothing."""
    return value if len(value) <= limit and value.isascii() and value.isprintable() else ""


async def read_body(response: aiohttp.ClientResponse, cap: int) -> bytes:
    """The decoded body, reading no more than `cap` bytes and inflating no more than `cap`."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"the body is {int(declared):,} bytes, over the {cap:,}-byte cap")
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    inflater = _Inflater(encoding)
    parts: list[bytes] = []
    raw = size = 0
    content = response.content
    while chunk := await content.readany():
        raw += len(chunk)
        if raw > cap:
            raise TooLarge(f"the body is over the {cap:,}-byte cap")
        data = inflater.feed(chunk, room=cap - size)
        size += len(data)
        parts.append(data)
    return b"".join(parts)


class _Inflater:
    """Decompresses gzip/deflate incrementally, never producing more than it is given room for."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._zlib: zlib._Decompress | None = None  # type: ignore[name-defined]
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, chunk: bytes, *, room: int) -> bytes:
        if self._encoding == "deflate" and self._zlib is None:
            # "deflate" is zlib-wrapped by the standard, raw by many servers: look at the header.
            wrapped = len(chunk) >= 2 and chunk[0] & 0x0F == 8 and (chunk[0] << 8 | chunk[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        if self._zlib is None:  # identity, or an encoding we did not ask for: keep the bytes
            if len(chunk) > room:
                raise TooLarge(f"the body is over the {room:,}-byte cap")
            return chunk
        try:
            data = self._zlib.decompress(chunk, room + 1)
        except zlib.error as exc:
            raise CorruptBody(f"the {self._encoding} body is corrupt ({exc})") from exc
        if len(data) > room:
            raise TooLarge(
                f"the body decompresses to more than the {settings.SOURCE_FETCH_MAX_BYTES:,}-byte cap"
            )
        return data


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def classify_error(exc: Exception) -> tuple[Outcome, str]:
    """Map a failed fetch to an outcome and a readable reason; unknown errors are re-raised."""
    chain = list(_causes(exc))
    message = str(exc) or type(exc).__name__
    blocked = next((e for e in chain if isinstance(e, FetchBlocked)), None)
    if blocked is not None:
        return Outcome.BLOCKED, str(blocked)
    if isinstance(exc, aiohttp.InvalidURL):
        return Outcome.BLOCKED, f"not a URL that can be fetched: {message}"
    if isinstance(exc, BadLocation):
        # The server's mistake, not a URL we refuse: it fails and backs off like any error.
        return Outcome.BAD_REDIRECT, f"a redirect with a malformed Location: {message}"
    if isinstance(exc, DNSFailure):
        return Outcome.DNS_FAILURE, message
    if isinstance(exc, DNSTimeout):
        return Outcome.TIMEOUT, message
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return Outcome.TIMEOUT, f"connecting took longer than {settings.SOURCE_FETCH_CONNECT_TIMEOUT:g} s"
    if isinstance(exc, TimeoutError):
        return Outcome.TIMEOUT, "the server stopped answering"
    if any(isinstance(e, (ssl.SSLError, ssl.CertificateError)) for e in chain):
        return Outcome.TLS_ERROR, message
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return Outcome.CONNECTION_REFUSED, message
    if any(isinstance(e, LineTooLong) for e in chain):
        return Outcome.TOO_LARGE, "the response headers are over 100 KB"
    if any(isinstance(e, BadHttpMessage) and "Too many headers" in str(e) for e in chain):
        return Outcome.TOO_LARGE, f"the response has more than {MAX_HEADERS} headers"
    if isinstance(exc, (aiohttp.ClientError, CorruptBody, OSError)):
        return Outcome.CONNECTION_ERROR, message
    raise exc
