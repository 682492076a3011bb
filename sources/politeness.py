"""Per-host politeness shared by every worker: few requests at once, few per second, per host.

Slots are cache keys (Redis when REDIS_URL is set). `cache.add` is atomic (SET NX with a TTL),
so two workers never hold the same slot, and a worker killed while holding one frees it when
the key expires. While the cache is unreachable no slot can be taken: checks wait and retry
rather than fetch without coordination.

Settings: SOURCE_FETCH_PER_HOST_CONCURRENCY (requests in flight per host, default 2) and
SOURCE_FETCH_PER_HOST_PER_SECOND (request starts per host per second, default 1; 0 = no limit).
"""

import hashlib
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

# Longer than a check's hard time limit, so a slot never expires under a running check.
SLOT_TTL = 180


class HostBusy(Exception):
    """Every slot for the host is taken; try again after `retry_after` seconds."""

    def __init__(self, host: str, retry_after: float) -> None:
        super().__init__(f"{host} already has as many requests as politeness allows")
        self.host = host
        self.retry_after = retry_after


def per_second() -> int:
    return settings.SOURCE_FETCH_PER_HOST_PER_SECOND


def _host_key(host: str) -> str:
    host = host.lower()
    return host if len(host) <= 100 else hashlib.sha256(host.encode()).hexdigest()


def try_acquire(host: str) -> str | None:
    """Take a concurrency slot and a start token for `host`; the slot's key, or None if busy."""
    name = _host_key(host)
    token = uuid.uuid4().hex
    for i in range(max(1, settings.SOURCE_FETCH_PER_HOST_CONCURRENCY)):
        slot = f"polite:slot:{name}:{i}"
        if cache.add(slot, token, timeout=SLOT_TTL):
            rate = per_second()
            if rate <= 0 or any(cache.add(f"polite:rate:{name}:{j}", 1, timeout=1) for j in range(rate)):
                return slot
            cache.delete(slot)
            return None
    return None


@contextmanager
def host_slot(host: str, *, wait: float = 5.0) -> Iterator[None]:
    """Hold a politeness slot for `host` while the block runs; HostBusy after `wait` seconds."""
    deadline = time.monotonic() + wait
    while (slot := try_acquire(host)) is None:
        if time.monotonic() >= deadline:
            raise HostBusy(host, retry_after=random.uniform(5, 30))  # noqa: S311 (spreading, not secrets)
        time.sleep(random.uniform(0.05, 0.25))  # noqa: S311
    try:
        yield
    finally:
        cache.delete(slot)
