"""A Redis cache that degrades to "no cache" while Redis is unreachable.

The cache holds only derived data (throttle counters, heartbeats, politeness slots), so an
outage must cost cache misses, not failed admin saves or API requests.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_OUTAGE = (RedisConnectionError, RedisTimeoutError)


def _fallback(name: str, value: Callable[..., Any]) -> Callable[..., Any]:
    original = getattr(RedisCacheClient, name)

    @wraps(original)
    def method(self: RedisCacheClient, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        except _OUTAGE as exc:
            logger.warning("cache unavailable", extra={"operation": name, "error": type(exc).__name__})
            return value(*args, **kwargs)

    return method


class ResilientRedisCacheClient(RedisCacheClient):
    """Each operation answers as if the key were absent when Redis cannot be reached."""

    get = _fallback("get", lambda key, default: default)
    get_many = _fallback("get_many", lambda keys: {})
    has_key = _fallback("has_key", lambda key: False)
    add = _fallback("add", lambda key, value, timeout: False)
    set = _fallback("set", lambda key, value, timeout: None)
    set_many = _fallback("set_many", lambda data, timeout: [])
    touch = _fallback("touch", lambda key, timeout: False)
    delete = _fallback("delete", lambda key: False)
    delete_many = _fallback("delete_many", lambda keys: None)
    clear = _fallback("clear", lambda: False)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache with the outage-tolerant client (incr still raises: callers decide)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
