"""Per-host politeness shared by every worker: few requests at once, few per second, per host.

Slots are cache keys (Redis when REDIS_URL is set). `cache.add` is atomic (SET NX with a TTL),
so two workers never hold the same slot, and a worker killed while holding one frees it when
the key expires. While the cache is unreachable no slot can be taken: checks wait and retry
rather than fetch without coordination.

Settings: SOURCE_FETCH_PER_HOST_CONCURRENCY (requests in flight per host, default 2) and
SOURCE_FETCH_PER_HOST_PER_SECOND (request starts per host per second, default 1; 0 = no limit).

A batch's event loop (sources/monitor.py) takes its slots through `BatchSlots`: the same keys and
rules, but every request for a slot made in one turn of the loop goes to Redis in one script call,
and every release in one DEL, so hundreds of checks in flight cost a few round trips, not
hundreds, and never block the loop.
"""

import asyncio
import contextlib
import hashlib
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio
from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

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


# KEYS: none (names are built here, as `try_acquire` builds them). ARGV: ttl, concurrency, rate,
# token, then one name prefix per request ("<cache prefix>polite:slot:<host>:", "...rate...").
# Per request, the same steps as `try_acquire`: the first free slot, then a start token; the
# reply is the slot's key, or "" when the host is busy.
_ACQUIRE = """
local ttl, concurrency, rate, token = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local taken = {}
for i = 5, #ARGV, 2 do
  local slot_prefix, rate_prefix = ARGV[i], ARGV[i + 1]
  local got = ""
  for s = 0, concurrency - 1 do
    local slot = slot_prefix .. s
    if redis.call("SET", slot, token, "NX", "EX", ttl) then
      local started = rate <= 0
      for r = 0, rate - 1 do
        if not started and redis.call("SET", rate_prefix .. r, 1, "NX", "EX", 1) then
          started = true
        end
      end
      if started then got = slot else redis.call("DEL", slot) end
      break
    end
  end
  taken[#taken + 1] = got
end
return taken
"""


class BatchSlots:
    """Politeness for one event loop: `hold(host)` takes a slot as `try_acquire` does, batched (see
    above), waiting up to `wait` seconds for one.

    Without Redis (`make run` on the file cache), each request goes through `try_acquire`.
    """

    def __init__(self) -> None:
        self._client = (
            redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_timeout=1.0, socket_connect_timeout=1.0)
            if settings.REDIS_URL
            else None
        )
        self._script = self._client.register_script(_ACQUIRE) if self._client else None
        self._asked: list[tuple[str, asyncio.Future[str | None]]] = []
        self._released: list[str] = []
        self._tasks: set[asyncio.Task] = set()

    async def __aenter__(self) -> "BatchSlots":
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    @asynccontextmanager
    async def hold(self, host: str, *, wait: float = 5.0) -> AsyncIterator[None]:
        """Hold a slot for `host` while the block runs; HostBusy after `wait` seconds."""
        deadline = time.monotonic() + wait
        while (slot := await self._take(host)) is None:
            if time.monotonic() >= deadline:
                raise HostBusy(host, retry_after=random.uniform(5, 30))  # noqa: S311 (spreading, not secrets)
            await asyncio.sleep(random.uniform(0.05, 0.25))  # noqa: S311
        try:
            yield
        finally:
            self._release(slot)

    def _soon(self, work) -> None:
        task = asyncio.get_running_loop().create_task(work())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _take(self, host: str) -> str | None:
        if self._script is None:
            return try_acquire(host)
        future = asyncio.get_running_loop().create_future()
        self._asked.append((_host_key(host), future))
        if len(self._asked) == 1:  # the first request of this turn sends them all, next turn
            self._soon(self._send_asked)
        return await future

    async def _send_asked(self) -> None:
        asked, self._asked = self._asked, []
        args: list[object] = [SLOT_TTL, max(1, settings.SOURCE_FETCH_PER_HOST_CONCURRENCY), per_second()]
        args.append(uuid.uuid4().hex)
        for name, _ in asked:
            args += [cache.make_key(f"polite:slot:{name}:"), cache.make_key(f"polite:rate:{name}:")]
        try:
            slots = await self._script(args=args)
        except RedisError:  # no coordination, no fetch: every asker waits and asks again
            slots = [b""] * len(asked)
        for (_, future), slot in zip(asked, slots, strict=True):
            if not future.done():
                future.set_result(slot.decode() if slot else None)

    def _release(self, slot: str) -> None:
        if self._client is None:
            cache.delete(slot)
            return
        self._released.append(slot)
        if len(self._released) == 1:
            self._soon(self._send_released)

    async def _send_released(self) -> None:
        released, self._released = self._released, []
        with contextlib.suppress(RedisError):  # if not, the slots expire after SLOT_TTL
            await self._client.delete(*released)
