"""Reading text off the event loop: a pool of extraction processes per worker process.

Extraction (trafilatura, pypdf) is the CPU-heavy part of a check, 5-20 ms for a news page. A batch
keeps hundreds of fetches in flight on one event loop (sources/monitor.py); extracting on that
loop, or in threads under its GIL, would stall every fetch behind it. So answers whose bytes moved
are read in SOURCE_EXTRACT_PROCESSES processes, started once per worker process (forkserver, with
the extraction code preloaded) and kept across tasks:

- each read is bounded as before (`extract.read_text`: size cap, a killable child for large
  bodies), and also by time here: a read that outlives SOURCE_EXTRACT_TIMEOUT (plus a margin for
  that child) has its pool killed and replaced, and ends as an extraction_limit problem; reads
  that shared the killed pool are read once more in the new one. An event loop hands the pool
  one read per process at a time, so the bound times the read, not its queue;
- the pool processes run under the same address-space limit as the bounded child
  (SOURCE_EXTRACT_MAX_MEMORY) and are replaced after MAX_READS_PER_PROCESS reads, so a slow leak
  in a parser cannot grow a worker without bound.

SOURCE_EXTRACT_PROCESSES=0 reads in a thread instead: no process per worker, and no time bound
beyond the child's for large bodies.
"""

import asyncio
import functools
import logging
import multiprocessing
import resource
import threading
import weakref
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings

from sources.extract import EXTRACTION_LIMIT, Bounds, Extraction, read_text

logger = logging.getLogger(__name__)

MAX_READS_PER_PROCESS = 500
# The bounded child of a large body has SOURCE_EXTRACT_TIMEOUT itself; starting it takes a moment.
CHILD_MARGIN = 5.0

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_loop_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def bounds() -> Bounds:
    return Bounds(
        max_bytes=settings.SOURCE_EXTRACT_MAX_BYTES,
        in_process_bytes=settings.SOURCE_EXTRACT_IN_PROCESS_BYTES,
        linear_html_bytes=settings.SOURCE_EXTRACT_LINEAR_HTML_BYTES,
        timeout=settings.SOURCE_EXTRACT_TIMEOUT,
        max_memory=settings.SOURCE_EXTRACT_MAX_MEMORY,
    )


def _limit_memory(max_memory: int) -> None:
    """Pool initializer: the same address-space cap as the bounded child."""
    resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))


def _allow_children() -> None:
    """Let a Celery prefork child start the pool. Billiard marks its children daemonic, which
    multiprocessing takes to mean "may not start processes" (they could be orphaned; these cannot:
    a pool process exits when its task pipe closes, the forkserver when its parent's pipe does),
    and leaves them an authentication key of its own class, which multiprocessing will not send
    to the forkserver; the same key as multiprocessing's own class fixes that."""
    process = multiprocessing.current_process()
    process._config.pop("daemon", None)
    process._config["authkey"] = multiprocessing.process.AuthenticationString(process.authkey)


def _get_pool() -> ProcessPoolExecutor | None:
    global _pool
    processes = settings.SOURCE_EXTRACT_PROCESSES
    if processes <= 0:
        return None
    with _lock:
        if _pool is None:
            _allow_children()
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["sources.extract"])
            _pool = ProcessPoolExecutor(
                processes,
                mp_context=context,
                initializer=_limit_memory,
                initargs=(settings.SOURCE_EXTRACT_MAX_MEMORY,),
                max_tasks_per_child=MAX_READS_PER_PROCESS,
            )
        return _pool


def _discard(pool: ProcessPoolExecutor, *, kill: bool) -> None:
    """Forget `pool` (the next read starts a new one); with `kill`, stop its processes now."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    if kill:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the pool (worker shutdown, tests)."""
    with _lock:
        pool = _pool
    if pool is not None:
        _discard(pool, kill=False)


def _turns() -> asyncio.Semaphore:
    """One read per reader process at a time from this event loop, so that a read's time bound
    counts its own work, not its wait behind the others."""
    loop = asyncio.get_running_loop()
    turns = _loop_turns.get(loop)
    if turns is None:
        turns = _loop_turns[loop] = asyncio.Semaphore(max(1, settings.SOURCE_EXTRACT_PROCESSES))
    return turns


async def read(
    body: bytes, content_type: str, *, url: str, with_metadata: bool, usual_length: int
) -> Extraction:
    """`extract.read_text` for one answer, in the pool; never raises for a bad body."""
    limits = bounds()
    call = functools.partial(
        read_text,
        body,
        content_type,
        url=url,
        with_metadata=with_metadata,
        usual_length=usual_length,
        bounds=limits,
    )
    # A large body is read by a child that the reader kills at the bound itself.
    bound = limits.timeout + (CHILD_MARGIN if len(body) > limits.in_process_bytes else 0)
    async with _turns():
        pool = _get_pool()
        if pool is None:
            return await asyncio.to_thread(call)
        loop = asyncio.get_running_loop()
        for _ in range(2):
            try:
                return await asyncio.wait_for(loop.run_in_executor(pool, call), bound)
            except TimeoutError:
                _discard(pool, kill=True)
                logger.warning("reading %s outlived %s s; its reader processes were replaced", url, bound)
                error = f"extracting the text took longer than {limits.timeout:g} s"
                return Extraction(kind="", content_hash="", problem=EXTRACTION_LIMIT, error=error)
            except MemoryError:
                limit = limits.max_memory // 2**20
                error = f"extracting the text ran out of memory (limit {limit} MB)"
                return Extraction(kind="", content_hash="", problem=EXTRACTION_LIMIT, error=error)
            except BrokenProcessPool:  # killed for another read, or by the kernel: read once more
                _discard(pool, kill=False)
                pool = _get_pool()
    error = "the reader process died twice reading this body"
    return Extraction(kind="", content_hash="", problem=EXTRACTION_LIMIT, error=error)
