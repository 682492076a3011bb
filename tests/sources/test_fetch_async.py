"""The async fetcher: many fetches in flight over one connection pool, each with its own
answer, its own deadline and its own cookies (real local servers)."""

import asyncio
import re
import threading
import time

import pytest
from werkzeug import Request, Response

from sources.fetch import AsyncFetcher, FetchResult, run_to_completion
from sources.models import Outcome

IN_FLIGHT = 200


def fetch_all(urls: list[str], *, limit: int = 0) -> list[FetchResult]:
    async def run() -> list[FetchResult]:
        async with AsyncFetcher(limit=limit) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    return run_to_completion(run())


def test_many_fetches_in_flight_each_get_their_own_answer(allow_server):
    lock = threading.Lock()
    load = {"now": 0, "peak": 0}

    def item(request: Request) -> Response:
        n = int(request.path.rsplit("/", 1)[1])
        with lock:
            load["now"] += 1
            load["peak"] = max(load["peak"], load["now"])
        time.sleep(0.5)  # long enough for every fetch to be waiting at once
        with lock:
            load["now"] -= 1
        if n % 10 == 3:
            return Response("gone", status=410)
        if n % 10 == 7:
            return Response("", status=302, headers={"Location": f"/moved/{n}"})
        return Response(f"<p>item {n}</p>" * (n + 1), content_type="text/html", headers={"ETag": f'"v{n}"'})

    allow_server.expect_request(re.compile(r"/item/\d+")).respond_with_handler(item)
    allow_server.expect_request(re.compile(r"/moved/\d+")).respond_with_handler(
        lambda request: Response(f"moved {request.path}", content_type="text/plain")
    )
    started = time.monotonic()
    results = fetch_all([allow_server.url_for(f"/item/{n}") for n in range(IN_FLIGHT)])
    elapsed = time.monotonic() - started

    for n, result in enumerate(results):
        assert result.url == allow_server.url_for(f"/item/{n}")
        if n % 10 == 3:
            assert (result.outcome, result.status_code, result.body) == (Outcome.CLIENT_ERROR, 410, b"")
        elif n % 10 == 7:
            assert (result.outcome, result.body) == (Outcome.REDIRECTED, f"moved /moved/{n}".encode())
            assert result.redirects == (allow_server.url_for(f"/moved/{n}"),)
        else:
            assert (result.outcome, result.etag) == (Outcome.OK, f'"v{n}"')
            assert result.body == f"<p>item {n}</p>".encode() * (n + 1)
    # One after another they would take IN_FLIGHT * 0.5 s.
    assert load["peak"] >= IN_FLIGHT // 2, load
    assert elapsed < 15


def test_a_connection_limit_queues_fetches_without_failing_them(allow_server):
    allow_server.expect_request(re.compile(r"/q/\d+")).respond_with_handler(
        lambda request: (time.sleep(0.05), Response(request.path))[1]
    )
    results = fetch_all([allow_server.url_for(f"/q/{n}") for n in range(40)], limit=4)
    assert [result.body for result in results] == [f"/q/{n}".encode() for n in range(40)]


def test_cookies_never_pass_from_one_fetch_to_another(allow_server):
    allow_server.expect_request("/set").respond_with_data(
        "set", headers={"Set-Cookie": "session=abc; Path=/"}
    )
    allow_server.expect_request("/bounce").respond_with_data(
        "", status=302, headers={"Location": "/echo", "Set-Cookie": "chain=1; Path=/"}
    )
    allow_server.expect_request("/echo").respond_with_handler(
        lambda request: Response(request.headers.get("Cookie", "none"))
    )
    url = allow_server.url_for

    async def run() -> tuple[FetchResult, ...]:
        async with AsyncFetcher() as fetcher:
            first = await fetcher.fetch(url("/set"))
            alone = await fetcher.fetch(url("/echo"))
            together = await asyncio.gather(
                fetcher.fetch(url("/bounce")), fetcher.fetch(url("/echo")), fetcher.fetch(url("/set"))
            )
            after = await fetcher.fetch(url("/echo"))
            return first, alone, *together, after

    first, alone, chained, beside, _, after = run_to_completion(run())
    assert first.outcome == Outcome.OK
    assert chained.body == b"chain=1"  # kept along its own redirect chain
    assert (alone.body, beside.body, after.body) == (b"none", b"none", b"none")


def test_each_fetch_has_its_own_deadline(allow_server, settings):
    settings.SOURCE_FETCH_TIMEOUT = 1.0
    allow_server.expect_request("/slow").respond_with_handler(
        lambda request: (time.sleep(3), Response("late"))[1]
    )
    allow_server.expect_request("/fast").respond_with_data("fast")
    started = time.monotonic()
    slow, fast = fetch_all([allow_server.url_for("/slow"), allow_server.url_for("/fast")])
    assert (slow.outcome, slow.error) == (Outcome.TIMEOUT, "the fetch took longer than 1 s")
    assert (fast.outcome, fast.body) == (Outcome.OK, b"fast")
    assert time.monotonic() - started < 2


def test_fetch_outside_the_context_is_a_programming_error():
    async def run() -> None:
        await AsyncFetcher().fetch("http://example.org/")

    with pytest.raises(RuntimeError, match="async with"):
        run_to_completion(run())
