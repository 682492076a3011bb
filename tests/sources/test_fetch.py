"""The fetcher against real local HTTP servers: every outcome is a value."""

import gzip
import itertools
import time
import zlib

import pytest
from werkzeug import Request, Response

from sources.fetch import fetch
from sources.models import Outcome

PAGE = b"<html><head><title>Istanbul talks</title></head><body><p>Delegations met.</p></body></html>"


def test_200_returns_the_body_and_validators(allow_server):
    allow_server.expect_request("/page").respond_with_data(
        PAGE,
        content_type="text/html",
        headers={"ETag": '"v1"', "Last-Modified": "Tue, 29 Mar 2022 10:00:00 GMT"},
    )
    result = fetch(allow_server.url_for("/page"))
    assert result.outcome == Outcome.OK
    assert (result.status_code, result.body, result.etag) == (200, PAGE, '"v1"')
    assert result.last_modified == "Tue, 29 Mar 2022 10:00:00 GMT"
    assert result.final_url == allow_server.url_for("/page")
    assert result.error == ""


def test_request_says_who_we_are_and_what_we_accept(allow_server, settings):
    allow_server.expect_request("/ua").respond_with_data("ok")
    fetch(allow_server.url_for("/ua"))
    request, _ = allow_server.log[-1]
    assert request.headers["User-Agent"] == settings.SOURCE_FETCH_USER_AGENT
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
    assert "If-None-Match" not in request.headers


def test_304_when_the_etag_still_matches(allow_server):
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(PAGE, content_type="text/html", headers={"ETag": '"v1"'})

    allow_server.expect_request("/cond").respond_with_handler(handler)
    first = fetch(allow_server.url_for("/cond"))
    second = fetch(allow_server.url_for("/cond"), etag=first.etag)
    assert first.outcome == Outcome.OK
    assert (second.outcome, second.status_code, second.body) == (Outcome.NOT_MODIFIED, 304, b"")
    assert allow_server.log[-1][0].headers["If-None-Match"] == '"v1"'


def test_validators_that_could_not_be_sent_back_are_dropped(allow_server):
    allow_server.expect_request("/weird").respond_with_data(
        PAGE, headers={"ETag": '"caf\u00e9"', "Last-Modified": "x" * 100}
    )
    result = fetch(allow_server.url_for("/weird"))
    assert (result.outcome, result.etag, result.last_modified) == (Outcome.OK, "", "")


def test_if_modified_since_is_sent(allow_server):
    allow_server.expect_request("/lm").respond_with_data("", status=304)
    result = fetch(allow_server.url_for("/lm"), last_modified="Tue, 29 Mar 2022 10:00:00 GMT")
    assert result.outcome == Outcome.NOT_MODIFIED
    assert allow_server.log[-1][0].headers["If-Modified-Since"] == "Tue, 29 Mar 2022 10:00:00 GMT"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (404, Outcome.CLIENT_ERROR),
        (410, Outcome.CLIENT_ERROR),
        (500, Outcome.SERVER_ERROR),
        (503, Outcome.SERVER_ERROR),
    ],
)
def test_error_statuses(allow_server, status, outcome):
    allow_server.expect_request("/err").respond_with_data("nope", status=status)
    result = fetch(allow_server.url_for("/err"))
    assert (result.outcome, result.status_code) == (outcome, status)
    assert result.error.startswith(f"HTTP {status}")
    assert result.body == b""


def test_redirect_chain_ends_redirected_with_the_final_url(allow_server):
    allow_server.expect_request("/a").respond_with_data("", status=301, headers={"Location": "/b"})
    allow_server.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/c"})
    allow_server.expect_request("/c").respond_with_data(
        "", status=307, headers={"Location": allow_server.url_for("/final")}
    )
    allow_server.expect_request("/final").respond_with_data(PAGE, content_type="text/html")
    result = fetch(allow_server.url_for("/a"))
    assert result.outcome == Outcome.REDIRECTED
    assert result.final_url == allow_server.url_for("/final")
    assert result.redirects == tuple(allow_server.url_for(p) for p in ("/b", "/c", "/final"))
    assert result.body == PAGE


def test_redirect_loop_is_detected(allow_server):
    allow_server.expect_request("/loop1").respond_with_data("", status=302, headers={"Location": "/loop2"})
    allow_server.expect_request("/loop2").respond_with_data("", status=302, headers={"Location": "/loop1"})
    result = fetch(allow_server.url_for("/loop1"))
    assert result.outcome == Outcome.TOO_MANY_REDIRECTS
    assert "loop" in result.error
    assert len(allow_server.log) == 2  # detected before asking /loop1 again


def test_more_than_five_redirects_stop(allow_server, settings):
    for i in range(10):
        allow_server.expect_request(f"/r{i}").respond_with_data(
            "", status=302, headers={"Location": f"/r{i + 1}"}
        )
    result = fetch(allow_server.url_for("/r0"))
    assert result.outcome == Outcome.TOO_MANY_REDIRECTS
    assert "more than 5 redirects" in result.error
    assert len(allow_server.log) == settings.SOURCE_FETCH_MAX_REDIRECTS + 1


def test_redirect_to_another_scheme_is_blocked(allow_server):
    allow_server.expect_request("/ftp").respond_with_data(
        "", status=302, headers={"Location": "ftp://example.org/x"}
    )
    result = fetch(allow_server.url_for("/ftp"))
    assert result.outcome == Outcome.BLOCKED
    assert "only http and https" in result.error


def test_slow_server_times_out(allow_server, settings):
    settings.SOURCE_FETCH_TIMEOUT = 1.0

    def slow(request: Request) -> Response:
        time.sleep(3)
        return Response("late")

    allow_server.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    result = fetch(allow_server.url_for("/slow"))
    assert result.outcome == Outcome.TIMEOUT
    assert time.monotonic() - started < 2


def test_trickling_body_is_cut_at_the_total_deadline(allow_server, settings):
    """Each byte arrives within the read timeout; the whole fetch still ends on time."""
    settings.SOURCE_FETCH_TIMEOUT = 1.0

    def trickle(request: Request) -> Response:
        def body():
            for _ in range(40):
                time.sleep(0.1)
                yield b"x"

        return Response(body(), content_type="text/plain")

    allow_server.expect_request("/trickle").respond_with_handler(trickle)
    started = time.monotonic()
    result = fetch(allow_server.url_for("/trickle"))
    assert result.outcome == Outcome.TIMEOUT
    assert "longer than 1 s" in result.error
    assert time.monotonic() - started < 1.6


def test_body_over_the_cap_stops_reading(allow_server, settings):
    settings.SOURCE_FETCH_MAX_BYTES = 100_000
    sent = itertools.count()

    def endless(request: Request) -> Response:
        def body():
            while True:  # never ends: only a reader that stops at the cap returns
                next(sent)
                yield b"a" * 8192

        return Response(body(), content_type="text/html")

    allow_server.expect_request("/endless").respond_with_handler(endless)
    result = fetch(allow_server.url_for("/endless"))
    assert result.outcome == Outcome.TOO_LARGE
    assert "100,000-byte cap" in result.error
    assert result.body == b""


def test_declared_length_over_the_cap_is_refused_before_reading(allow_server, settings):
    settings.SOURCE_FETCH_MAX_BYTES = 1000
    allow_server.expect_request("/big").respond_with_data(b"a" * 5000, content_type="text/plain")
    result = fetch(allow_server.url_for("/big"))
    assert result.outcome == Outcome.TOO_LARGE
    assert "5,000 bytes" in result.error


def test_gzip_bomb_stops_at_the_cap(allow_server, settings):
    settings.SOURCE_FETCH_MAX_BYTES = 1_000_000
    bomb = gzip.compress(b"\0" * 50_000_000, 9)  # ~50 KB on the wire, 50 MB inflated
    assert len(bomb) < settings.SOURCE_FETCH_MAX_BYTES
    allow_server.expect_request("/bomb").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    started = time.monotonic()
    result = fetch(allow_server.url_for("/bomb"))
    assert result.outcome == Outcome.TOO_LARGE
    assert "decompresses to more than" in result.error
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
    ],
)
def test_compressed_bodies_are_decoded(allow_server, encoding, compress):
    allow_server.expect_request("/z").respond_with_data(
        compress(PAGE), content_type="text/html", headers={"Content-Encoding": encoding}
    )
    result = fetch(allow_server.url_for("/z"))
    assert (result.outcome, result.body) == (Outcome.OK, PAGE)


def test_binary_body_is_returned_byte_for_byte(allow_server):
    data = bytes(range(256)) * 64
    allow_server.expect_request("/bin").respond_with_data(data, content_type="application/octet-stream")
    result = fetch(allow_server.url_for("/bin"))
    assert (result.outcome, result.body, result.content_type) == (
        Outcome.OK,
        data,
        "application/octet-stream",
    )


def test_pdf_body(allow_server):
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    allow_server.expect_request("/doc.pdf").respond_with_data(pdf, content_type="application/pdf")
    result = fetch(allow_server.url_for("/doc.pdf"))
    assert (result.outcome, result.body, result.content_type) == (Outcome.OK, pdf, "application/pdf")


def test_non_utf8_html_comes_back_as_sent(allow_server):
    html = "<html><body><p>Переговоры в Стамбуле</p></body></html>".encode("windows-1251")
    allow_server.expect_request("/cp1251").respond_with_data(
        html, content_type="text/html; charset=windows-1251"
    )
    result = fetch(allow_server.url_for("/cp1251"))
    assert (result.outcome, result.body) == (Outcome.OK, html)
    assert result.content_type == "text/html; charset=windows-1251"


def test_oversized_headers_are_refused(allow_server):
    allow_server.expect_request("/hdr").respond_with_data("x", headers={"X-Junk": "a" * 200_000})
    result = fetch(allow_server.url_for("/hdr"))
    assert result.outcome == Outcome.TOO_LARGE
    assert "headers" in result.error


def test_too_many_headers_are_refused(allow_server):
    allow_server.expect_request("/many").respond_with_data("x", headers={f"X-H{i}": "v" for i in range(200)})
    result = fetch(allow_server.url_for("/many"))
    assert result.outcome == Outcome.TOO_LARGE
    assert "headers" in result.error


def test_connection_refused(settings):
    settings.SOURCE_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    from tests.servers import free_port

    port = free_port()  # bound and released: nothing listens there now
    settings.SOURCE_FETCH_ALLOWED_PORTS = [port]
    result = fetch(f"http://127.0.0.1:{port}/")
    assert result.outcome == Outcome.CONNECTION_REFUSED


def test_tls_handshake_failure_is_a_tls_error(allow_server):
    allow_server.expect_request("/").respond_with_data("plain http")
    result = fetch(f"https://127.0.0.1:{allow_server.port}/")
    assert result.outcome == Outcome.TLS_ERROR


def test_credentials_in_the_url_are_refused_without_connecting(settings, silent_listener):
    listener = silent_listener("127.0.0.1")
    settings.SOURCE_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.SOURCE_FETCH_ALLOWED_PORTS = [listener.port]
    result = fetch(f"http://editor:secret@127.0.0.1:{listener.port}/")
    assert result.outcome == Outcome.BLOCKED
    assert "credentials" in result.error
    assert listener.connections() == 0


def test_ports_outside_the_allowed_list_are_refused_without_connecting(settings, silent_listener):
    listener = silent_listener("127.0.0.1")
    settings.SOURCE_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    result = fetch(f"http://127.0.0.1:{listener.port}/")
    assert result.outcome == Outcome.BLOCKED
    assert f"port {listener.port} is not allowed" in result.error
    assert listener.connections() == 0


def test_duration_is_recorded(allow_server):
    allow_server.expect_request("/t").respond_with_handler(lambda r: (time.sleep(0.05), Response("ok"))[1])
    assert fetch(allow_server.url_for("/t")).duration_ms >= 50
