"""Per-host politeness through the shared cache (Redis in the test settings)."""

import time

import pytest

from sources.politeness import HostBusy, host_slot, try_acquire


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SOURCE_FETCH_PER_HOST_CONCURRENCY = 2
    settings.SOURCE_FETCH_PER_HOST_PER_SECOND = 0


def test_no_more_than_the_concurrency_limit_per_host():
    first, second = try_acquire("news.example.org"), try_acquire("news.example.org")
    assert first and second and first != second
    assert try_acquire("news.example.org") is None
    assert try_acquire("other.example.org") is not None  # hosts do not share slots
    with pytest.raises(HostBusy) as busy, host_slot("news.example.org", wait=0.2):
        pass
    assert 5 <= busy.value.retry_after <= 30


def test_a_slot_is_free_again_after_the_block():
    with host_slot("news.example.org"), host_slot("news.example.org"):
        assert try_acquire("news.example.org") is None
    assert try_acquire("news.example.org") is not None


def test_a_slot_is_released_when_the_fetch_fails():
    for _ in range(3):
        with pytest.raises(RuntimeError), host_slot("news.example.org", wait=0):
            raise RuntimeError("fetch blew up")
    assert try_acquire("news.example.org") is not None


def test_requests_per_second_are_limited(settings):
    settings.SOURCE_FETCH_PER_HOST_PER_SECOND = 1
    with host_slot("news.example.org"):
        pass
    started = time.monotonic()
    with host_slot("news.example.org", wait=3):  # waits for the next second's token
        waited = time.monotonic() - started
    assert 0.05 < waited < 2.5


def test_host_names_are_case_insensitive():
    try_acquire("News.Example.org")
    try_acquire("news.example.ORG")
    assert try_acquire("news.example.org") is None
