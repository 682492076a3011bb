"""The one safe fetcher: every request to a source URL goes through `fetch()`.

Source URLs are hostile input. The rules (sources/netpolicy.py) are enforced where they cannot
be dodged:

- at connect time, in a custom httpcore network backend: the host name is resolved once, the
  whole answer is refused if any address is not public, and the checked IP is what gets dialled
  (TLS still verifies the host name). A DNS answer that changes between a check and the
  connection (rebinding) therefore cannot reach an internal address;
- on every redirect hop, followed here one by one (at most SOURCE_FETCH_MAX_REDIRECTS, loops
  detected), each through the same backend;
- with bounded time (connect, each read, and the whole fetch: every socket operation gets at most
  the time left before the deadline), bounded body (reading stops past SOURCE_FETCH_MAX_BYTES,
  compressed or decompressed, so a gzip bomb stops at the cap), bounded headers (httpcore's
  100 KB limit).

Every outcome is a value (`FetchResult.outcome`), never an exception; only programming errors
raise.
"""

import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import ContextVar
from dataclasses import dataclass, replace

import certifi
import httpcore
import httpx
from django.conf import settings

from sources import netpolicy
from sources.models import Outcome

ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"
SUCCESS = frozenset({Outcome.OK, Outcome.REDIRECTED, Outcome.NOT_MODIFIED})


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


class FetchBlocked(Exception):
    """The URL or the address it leads to is not allowed; the message says why."""


class DNSFailure(Exception):
    """The host name does not resolve."""


class TotalTimeout(Exception):
    """The whole fetch took longer than SOURCE_FETCH_TIMEOUT."""


class TooLarge(Exception):
    """The body is over SOURCE_FETCH_MAX_BYTES, before or after decompression."""


# The deadline of the fetch running in this thread; every socket operation is bounded by it.
_deadline: ContextVar[float | None] = ContextVar("fetch_deadline", default=None)


def _time_left(timeout: float | None) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise TotalTimeout(f"the fetch took longer than {settings.SOURCE_FETCH_TIMEOUT:g} s")
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    """A socket stream whose reads and writes never outlast the fetch's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _BoundedStream(self._stream.start_tls(ssl_context, server_hostname, _time_left(timeout)))

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


_resolver_lock = threading.Lock()
_resolver: ThreadPoolExecutor | None = None


def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """All addresses of `host`, within the time left (getaddrinfo itself has no timeout)."""
    global _resolver
    with _resolver_lock:
        if _resolver is None:
            _resolver = ThreadPoolExecutor(max_workers=32, thread_name_prefix="fetch-dns")
        future = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout)
    except FutureTimeout:
        raise TotalTimeout(f"resolving {host} took too long") from None
    except (socket.gaierror, UnicodeError) as exc:
        raise DNSFailure(f"{host} does not resolve ({exc})") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PublicAddressBackend(httpcore.NetworkBackend):
    """Resolves, refuses any non-public answer, then dials exactly the address it checked."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: object = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port, _time_left(timeout))
        for address in addresses:
            problem = netpolicy.address_problem(address)
            if problem:
                raise FetchBlocked(problem if address == host.strip("[]") else f"{host}: {problem}")
        error: Exception = DNSFailure(f"{host} has no address")
        for address in addresses:
            try:
                stream = self._backend.connect_tcp(
                    address, port, _time_left(timeout), local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
            else:
                return _BoundedStream(stream)
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: object = None):
        raise FetchBlocked("unix sockets are never fetched")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: httpcore.Response) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream.stream

    def close(self) -> None:
        self._stream.close()


class SafeTransport(httpx.BaseTransport):
    """An httpx transport around httpcore's pool with the public-address backend.

    Shared by every fetch in a process (connections are reused); `close()` is a no-op so a
    per-fetch `httpx.Client` can be closed freely, `shutdown()` really closes the pool.
    """

    def __init__(self) -> None:
        context = ssl.create_default_context(cafile=certifi.where())
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            # A worker process has SOURCE_CHECKS_IN_FLIGHT fetches at once, and most sources are
            # the only page checked on their host that day: few kept alive, because httpcore
            # scans the whole pool on every request.
            max_connections=max(16, settings.SOURCE_CHECKS_IN_FLIGHT),
            max_keepalive_connections=4,
            keepalive_expiry=30.0,
            network_backend=PublicAddressBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._pool.handle_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response),
            extensions=response.extensions,
        )

    def close(self) -> None:
        """Closing a per-fetch client leaves the shared pool open."""

    def shutdown(self) -> None:
        self._pool.close()


_transport_lock = threading.Lock()
_transport: SafeTransport | None = None


def get_transport() -> SafeTransport:
    global _transport
    with _transport_lock:
        if _transport is None:
            _transport = SafeTransport()
        return _transport


def reset_transport() -> None:
    """Drop pooled connections (tests, and after settings change)."""
    global _transport
    with _transport_lock:
        if _transport is not None:
            _transport.shutdown()
        _transport = None


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """GET `url` under every rule above; conditional when `etag`/`last_modified` are given."""
    started = time.monotonic()
    token = _deadline.set(started + settings.SOURCE_FETCH_TIMEOUT)
    try:
        result = _fetch(url, etag=etag, last_modified=last_modified)
    except Exception as exc:
        outcome, error = classify_error(exc)
        if outcome == Outcome.TIMEOUT and time.monotonic() - started >= settings.SOURCE_FETCH_TIMEOUT:
            error = f"the fetch took longer than {settings.SOURCE_FETCH_TIMEOUT:g} s"  # cut by the deadline
        result = FetchResult(url=url, outcome=outcome, error=error)
    finally:
        _deadline.reset(token)
    return replace(result, duration_ms=int((time.monotonic() - started) * 1000))


def _fetch(url: str, *, etag: str, last_modified: str) -> FetchResult:
    headers = {
        "User-Agent": settings.SOURCE_FETCH_USER_AGENT,
        "Accept": ACCEPT,
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(settings.SOURCE_FETCH_TIMEOUT, connect=settings.SOURCE_FETCH_CONNECT_TIMEOUT)
    # A client per fetch (cheap: the transport is shared) so no cookie outlives one redirect chain.
    with httpx.Client(transport=get_transport(), headers=headers, timeout=timeout, trust_env=False) as client:
        request = client.build_request("GET", url.strip())
        # A loop is the same URL asked again with the same cookies: a server that sets a cookie
        # and redirects to the same URL (a cookie bounce) answers differently the second time.
        seen = {_visit(request.url, client)}
        hops: list[str] = []
        while True:
            problem = netpolicy.url_problem(request.url)
            if problem:
                return FetchResult(url=url, outcome=Outcome.BLOCKED, redirects=tuple(hops), error=problem)
            response = client.send(request, stream=True)
            try:
                if response.next_request is None:
                    return _final(url, response, hops)
                target = response.next_request.url.copy_with(fragment=None)
                if _visit(target, client) in seen:
                    return _redirect_failure(url, response, hops, f"redirect loop back to {target}")
                if len(hops) >= settings.SOURCE_FETCH_MAX_REDIRECTS:
                    limit = settings.SOURCE_FETCH_MAX_REDIRECTS
                    return _redirect_failure(url, response, hops, f"more than {limit} redirects")
                seen.add(_visit(target, client))
                hops.append(str(target))
                request = response.next_request
            finally:
                response.close()


def _visit(target: httpx.URL, client: httpx.Client) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    cookies = tuple(sorted((c.domain, c.name, c.value or "") for c in client.cookies.jar))
    return str(target.copy_with(fragment=None)), cookies


def _redirect_failure(url: str, response: httpx.Response, hops: list[str], error: str) -> FetchResult:
    return FetchResult(
        url=url,
        outcome=Outcome.TOO_MANY_REDIRECTS,
        final_url=str(response.url),
        status_code=response.status_code,
        redirects=tuple(hops),
        error=error,
    )


def _final(url: str, response: httpx.Response, hops: list[str]) -> FetchResult:
    common = {
        "url": url,
        "final_url": str(response.url),
        "status_code": response.status_code,
        "content_type": response.headers.get("content-type", ""),
        "etag": _validator(response.headers.get("etag", ""), 512),
        "last_modified": _validator(response.headers.get("last-modified", ""), 64),
        "redirects": tuple(hops),
    }
    status = response.status_code
    if status == 304:
        return FetchResult(outcome=Outcome.NOT_MODIFIED, **common)
    if 300 <= status < 400:  # a redirect we could follow would not be here
        error = f"HTTP {status} {response.reason_phrase} without a Location header".replace("  ", " ")
        return FetchResult(outcome=Outcome.BAD_REDIRECT, error=error, **common)
    if not 200 <= status < 300:
        outcome = Outcome.SERVER_ERROR if status >= 500 else Outcome.CLIENT_ERROR
        return FetchResult(outcome=outcome, error=f"HTTP {status} {response.reason_phrase}".strip(), **common)
    try:
        body = read_body(response, settings.SOURCE_FETCH_MAX_BYTES)
    except TooLarge as exc:
        return FetchResult(outcome=Outcome.TOO_LARGE, error=str(exc), **common)
    outcome = Outcome.REDIRECTED if hops else Outcome.OK
    return FetchResult(outcome=outcome, body=body, **common)


def _validator(value: str, limit: int) -> str:
    """An ETag or Last-Modified we can send back later: printable ASCII that fits, else nothing."""
    return value if len(value) <= limit and value.isascii() and value.isprintable() else ""


def read_body(response: httpx.Response, cap: int) -> bytes:
    """The decoded body, reading no more than `cap` bytes and inflating no more than `cap`."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"the body is {int(declared):,} bytes, over the {cap:,}-byte cap")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    inflater = _Inflater(encoding)
    parts: list[bytes] = []
    raw = size = 0
    for chunk in response.iter_raw():
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
            raise httpx.DecodingError(f"the {self._encoding} body is corrupt ({exc})") from exc
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
    if isinstance(exc, FetchBlocked):
        return Outcome.BLOCKED, message
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol, httpcore.UnsupportedProtocol)):
        return Outcome.BLOCKED, f"not a URL that can be fetched: {message}"
    if isinstance(exc, httpx.RemoteProtocolError) and "location header" in message:
        if "IPv4 address" in message or "IPv6 address" in message:
            # 0177.0.0.1, 0x7f.1: an address spelled to slip past checks is refused as such.
            return Outcome.BLOCKED, f"a redirect to a URL that cannot be fetched: {message}"
        # Otherwise the server's mistake, not a URL we refuse: it fails and backs off like any error.
        return Outcome.BAD_REDIRECT, f"a redirect with a malformed Location: {message}"
    if isinstance(exc, DNSFailure):
        return Outcome.DNS_FAILURE, message
    if isinstance(exc, TotalTimeout):
        return Outcome.TIMEOUT, message
    if isinstance(exc, (httpcore.ConnectTimeout, httpx.ConnectTimeout)):
        return Outcome.TIMEOUT, f"connecting took longer than {settings.SOURCE_FETCH_CONNECT_TIMEOUT:g} s"
    if isinstance(exc, (httpcore.TimeoutException, httpx.TimeoutException)):
        return Outcome.TIMEOUT, "the server stopped answering"
    if any(isinstance(e, (ssl.SSLError, ssl.CertificateError)) for e in chain):
        return Outcome.TLS_ERROR, message
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return Outcome.CONNECTION_REFUSED, message
    if isinstance(exc, (httpcore.RemoteProtocolError, httpx.RemoteProtocolError)) and "too long" in message:
        return Outcome.TOO_LARGE, "the response headers are over 100 KB"
    if isinstance(exc, (httpcore.NetworkError, httpcore.ProtocolError, httpx.HTTPError, OSError)):
        return Outcome.CONNECTION_ERROR, message
    raise exc
