"""Celery tasks: thin wrappers that find work by id and call sources/monitor.py."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from sources import monitor
from sources.politeness import HostBusy

# The fetch and the extraction have their own bounds; the rest is politeness waits and writes.
CHECK_SOFT_TIME_LIMIT = monitor.check_soft_time_limit()
CHECK_TIME_LIMIT = CHECK_SOFT_TIME_LIMIT + 30
# Infrastructure hiccups are worth a retry; a failed fetch is not (it is recorded and backs off).
TRANSIENT_ERRORS = (OperationalError, InterfaceError, RedisConnectionError)


def idempotent_task(**options):
    """A task that is safe to run twice: acknowledged when it ends, requeued if its worker dies."""
    return shared_task(acks_late=True, reject_on_worker_lost=True, **options)


@idempotent_task(
    bind=True,
    soft_time_limit=CHECK_SOFT_TIME_LIMIT,
    time_limit=CHECK_TIME_LIMIT,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    ignore_result=True,
)
def check_source(self, source_id: int) -> None:
    """Check one source (routed to the "fetch" queue); a second delivery finds nothing to do."""
    try:
        monitor.check_source(source_id)
    except HostBusy as exc:
        raise self.retry(countdown=exc.retry_after, max_retries=50) from None
    except SoftTimeLimitExceeded:
        monitor.record_timeout(source_id, f"the check took longer than {CHECK_SOFT_TIME_LIMIT} s")


@idempotent_task(soft_time_limit=50, time_limit=58, ignore_result=True)
def dispatch_due_checks() -> int:
    """Run by beat every minute: enqueue each due source once."""
    return monitor.dispatch_due_checks()


@idempotent_task(
    soft_time_limit=monitor.BATCH_DEADLINE + 60,  # time to record what came in before the deadline
    time_limit=monitor.BATCH_DEADLINE + 90,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    ignore_result=True,
)
def check_sources(source_ids: list[int]) -> None:
    """Check a batch of sources, their fetches in flight together (the dispatcher's messages, on
    the "fetch" queue). A source whose host stays busy, or whose answer missed the batch's
    deadline, goes back as a single check, later; a redelivered batch skips what was recorded."""
    try:
        outcome = monitor.check_sources(source_ids)
    except SoftTimeLimitExceeded:
        for source_id in source_ids:  # recorded ones are not queued any more: no second record
            monitor.record_timeout(source_id, f"the batch took longer than {monitor.BATCH_DEADLINE + 60} s")
        return
    for source_id, retry_after in outcome.busy.items():
        check_source.apply_async((source_id,), countdown=retry_after)
