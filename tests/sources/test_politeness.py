"""Per-host politeness through the shared cache (Redis in the test settings)."""

import asyncio
import contextlib
import time

import pytest

from sources.fetch import run_to_completion
from sources.politeness import BatchSlots, HostBusy, try_acquire


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SOURCE_FETCH_PER_HOST_CONCURRENCY = 2
    settings.SOURCE_FETCH_PER_HOST_PER_SECOND = 0


async def hold(*hosts: str, wait: float = 5.0, then=None):
    """Hold a slot for each of `hosts` at once (one batch), run `then()` inside, return its value."""
    async with BatchSlots() as slots, contextlib.AsyncExitStack() as held:
        for host in hosts:
            await held.enter_async_context(slots.hold(host, wait=wait))
        return then() if then else None


def test_no_more_than_the_concurrency_limit_per_host():
    first, second = try_acquire("news.example.org"), try_acquire("news.example.org")
    assert first and second and first != second
    assert try_acquire("news.example.org") is None
    assert try_acquire("other.example.org") is not None  # hosts do not share slots
    with pytest.raises(HostBusy) as busy:
        run_to_completion(hold("news.example.org", wait=0.2))
    assert 5 <= busy.value.retry_after <= 30


def test_a_slot_is_free_again_after_the_block():
    inside = run_to_completion(
        hold("news.example.org", "news.example.org", then=lambda: try_acquire("news.example.org"))
    )
    assert inside is None
    assert try_acquire("news.example.org") is not None


def test_a_slot_is_released_when_the_fetch_fails():
    def fetch_blows_up():
        raise RuntimeError("fetch blew up")

    for _ in range(3):
        with pytest.raises(RuntimeError):
            run_to_completion(hold("news.example.org", wait=0, then=fetch_blows_up))
    assert try_acquire("news.example.org") is not None


def test_requests_per_second_are_limited(settings):
    settings.SOURCE_FETCH_PER_HOST_PER_SECOND = 1
    run_to_completion(hold("news.example.org"))
    started = time.monotonic()
    run_to_completion(hold("news.example.org", wait=3))  # waits for the next second's token
    waited = time.monotonic() - started
    assert 0.05 < waited < 2.5


def test_host_names_are_case_insensitive():
    try_acquire("News.Example.org")
    try_acquire("news.example.ORG")
    assert try_acquire("news.example.org") is None


# ---- a batch's slots (issue 13) ---------------------------------------------------------------


def test_a_batch_asks_for_all_its_slots_in_one_script_call_and_releases_them_together(settings):
    import redis

    server = redis.Redis.from_url(settings.REDIS_URL)
    hosts = [f"site{i}.example.org" for i in range(200)]

    def calls(name: str) -> int:
        return server.info("commandstats").get(f"cmdstat_{name}", {}).get("calls", 0)

    async def batch() -> list[str | None]:
        async with BatchSlots() as slots:

            async def one(host: str) -> str | None:
                async with slots.hold(host, wait=0):
                    await asyncio.sleep(0.05)
                    return try_acquire(host) and try_acquire(host)  # a single check finds no third slot

            return await asyncio.gather(*(one(host) for host in hosts))

    scripts, deletes = calls("evalsha") + calls("eval"), calls("del") + calls("unlink")
    assert run_to_completion(batch()) == [None] * 200  # each host had 2 slots: the batch held 1, a check 1
    assert calls("evalsha") + calls("eval") - scripts <= 2  # one call (a retry if the script was new)
    assert calls("del") + calls("unlink") - deletes < 20  # released a turn of the loop at a time, not 200
    assert all(try_acquire(host) for host in hosts[:3])  # the batch's slots are free again


async def hold_two_then_ask(slots: BatchSlots) -> None:
    async with slots.hold("news.example.org"), slots.hold("news.example.org"):
        started = time.monotonic()
        with pytest.raises(HostBusy):
            async with slots.hold("news.example.org", wait=0.3):
                pass
        assert 0.3 <= time.monotonic() - started < 1


def test_a_batch_host_at_its_limit_waits_then_is_busy():
    async def batch() -> None:
        async with BatchSlots() as slots:
            await hold_two_then_ask(slots)

    run_to_completion(batch())
    assert try_acquire("news.example.org") is not None


def test_without_redis_a_batch_fetches_nothing(settings):
    from tests.servers import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there

    async def batch() -> None:
        async with BatchSlots() as slots, slots.hold("news.example.org", wait=0.3):
            pytest.fail("fetched without coordination")

    with pytest.raises(HostBusy):
        run_to_completion(batch())
