"""The Redis cache degrades to misses while Redis is down, and recovers by itself."""

import time

import pytest
from django.core.cache.backends.redis import RedisCache

from factcheck.cache import ResilientRedisCache


@pytest.fixture
def cache_on(private_redis):
    return ResilientRedisCache(
        private_redis.url, {"OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}}
    )


def test_an_outage_reads_as_a_miss_and_writes_are_dropped_quickly(private_redis, cache_on):
    cache_on.set("throttle", [1, 2], 60)
    assert cache_on.get("throttle") == [1, 2]

    private_redis.stop()
    started = time.monotonic()
    assert cache_on.get("throttle", "missing") == "missing"
    assert cache_on.get_many(["throttle"]) == {}
    assert cache_on.add("slot", 1, 60) is False
    cache_on.set("throttle", [3], 60)
    assert cache_on.delete("throttle") is False
    assert time.monotonic() - started < 2

    private_redis.start()
    cache_on.set("throttle", [4], 60)
    assert cache_on.get("throttle") == [4]


def test_djangos_own_redis_cache_would_fail_the_request(private_redis):
    """Why the subclass exists: the stock backend raises on an outage."""
    import redis

    stock = RedisCache(private_redis.url, {"OPTIONS": {"socket_connect_timeout": 1.0}})
    stock.set("k", 1)
    private_redis.stop()
    with pytest.raises(redis.ConnectionError):
        stock.get("k")
