"""The monitor: which sources are due, checking one, and what a check does to its health.

Health is a small state machine, decided by `next_health()` after every check:

    any ──success──▶ changed     when the main text changed (stays until an editor reviews it)
                     redirected  when the answer came after a redirect
                     ok          otherwise
    any ──failure──▶ failing     (consecutive_failures counts them)
                     broken      after SOURCE_BROKEN_AFTER_FAILURES failures, or at once on 410 Gone
    any ──blocked──▶ blocked     the URL leads to an address or port we never fetch

Healthy sources are checked on their interval (faster while they are new); failures back off
exponentially; every next check carries jitter, so a bulk import, a restart or an outage does not
make everything due in the same minute.

Claiming work: the dispatcher takes due sources in batches with SELECT ... FOR UPDATE SKIP LOCKED,
marks them queued and moves next_check_at one lease ahead, and enqueues them after its transaction
commits, so two dispatchers never enqueue a source twice. A check runs only while its source is
queued and clears the mark when it records its result: a second delivery of the same check (a
redelivered message, a duplicate enqueue) finds nothing to do, and a check that never finished
(worker killed) leaves the mark for the redelivery or, after the lease, for the dispatcher.
"""

import asyncio
import gzip
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Length
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from sources import politeness, readers, volatility
from sources.extract import Extraction, read_text, sha256
from sources.fetch import AsyncFetcher, FetchResult, host_of, run_to_completion
from sources.models import Health, LearnedBlock, Outcome, Snapshot, Source, SourceCheck
from sources.signals import snapshot_taken

logger = logging.getLogger(__name__)

MIN_INTERVAL = timedelta(minutes=5)
JITTER = 0.2  # a next check lands within the last fifth of its delay
BACKOFF_BASE = timedelta(minutes=15)
BACKOFF_MAX = timedelta(days=7)
# How long a queued check may take before the dispatcher hands it out again (a worker died,
# a message was lost). Longer than a check's hard time limit plus a normal queue wait.
CHECK_LEASE = timedelta(minutes=15)
DISPATCH_BATCH = 500
# The dispatcher tops the fetch queue up to this many messages per run, never floods it.
MAX_FETCH_BACKLOG = 20_000
# Seconds a batch waits for its answers; those still waiting then (behind the others, their
# host, a reader) go back as single checks, and the batch records the rest within its time limit.
BATCH_DEADLINE = 100


# ---- schedule -----------------------------------------------------------------------------


def check_soft_time_limit() -> int:
    """Seconds a check may take: the fetch, the extraction, politeness waits and writes."""
    return int(settings.SOURCE_FETCH_TIMEOUT + settings.SOURCE_EXTRACT_TIMEOUT) + 20


def healthy_interval(source: Source, now: datetime) -> timedelta:
    """A source's interval, shorter while it is new: new pages are the ones edited most."""
    age = now - source.created_at
    if age < timedelta(days=1):
        return max(source.check_interval / 6, MIN_INTERVAL)
    if age < timedelta(days=7):
        return max(source.check_interval / 2, MIN_INTERVAL)
    return source.check_interval


def failure_delay(failures: int) -> timedelta:
    """15 min, 30 min, 1 h, 2 h, ... up to a week."""
    return min(BACKOFF_BASE * 2 ** min(max(failures - 1, 0), 16), BACKOFF_MAX)


def with_jitter(delay: timedelta) -> timedelta:
    return delay * random.uniform(1 - JITTER, 1.0)  # noqa: S311 (spreading load, not a secret)


def next_health(
    *,
    outcome: Outcome,
    status_code: int | None,
    failures: int,
    unreviewed_change: bool,
    redirected: bool = False,
) -> Health:
    """The state machine above: health after a check, given its outcome. `redirected`: the
    answer came after a redirect (a 304 at the end of one too, so such sources do not flap)."""
    if outcome == Outcome.BLOCKED:
        return Health.BLOCKED
    if outcome in (Outcome.OK, Outcome.REDIRECTED, Outcome.NOT_MODIFIED):
        if unreviewed_change:
            return Health.CHANGED
        return Health.REDIRECTED if outcome == Outcome.REDIRECTED or redirected else Health.OK
    if status_code == 410 or failures >= settings.SOURCE_BROKEN_AFTER_FAILURES:
        return Health.BROKEN
    return Health.FAILING


def overdue_sources(now: datetime | None = None) -> QuerySet[Source]:
    """Sources whose check is late by more than their own interval (workers down, queue stuck)."""
    now = now or timezone.now()
    floor = now - MIN_INTERVAL  # every interval is at least this: lets the indexes narrow first
    late = ExpressionWrapper(Value(now) - F("check_interval"), output_field=DateTimeField())
    waiting = Q(queued_at__isnull=True, next_check_at__lt=floor) & Q(next_check_at__lt=late)
    stuck = Q(queued_at__lt=floor) & Q(queued_at__lt=late)
    never = Q(queued_at__isnull=True, next_check_at__isnull=True, created_at__lt=floor)
    never &= Q(created_at__lt=late)
    return Source.objects.filter(waiting | stuck | never)


# ---- claiming and enqueueing -----------------------------------------------------------------


def request_checks(source_ids: Iterable[int]) -> int:
    """Queue a check of these sources now (admin "check now", a new source); returns how many."""
    ids = list(source_ids)
    now = timezone.now()
    with transaction.atomic():
        count = Source.objects.filter(pk__in=ids).update(
            queued_at=Coalesce("queued_at", Value(now)), next_check_at=now + CHECK_LEASE
        )
        transaction.on_commit(lambda: enqueue_batches(ids), robust=True)
    return count


def check_new_source(
    sender: type[Source], instance: Source, created: bool, raw: bool = False, **kwargs
) -> None:
    """post_save receiver: a new source is checked right after the transaction creating it commits."""
    if created and not raw:
        transaction.on_commit(lambda: request_checks([instance.pk]), robust=True)


def enqueue_batches(source_ids: list[int]) -> None:
    """Send the checks to the broker, one message per SOURCE_CHECK_BATCH sources (a worker checks
    a batch's sources at once). While the broker is down, release the lease of what it did not
    take instead of failing: those sources stay due and the next dispatch (a minute later) sends
    them."""
    from sources.tasks import check_sources

    size = settings.SOURCE_CHECK_BATCH
    for start in range(0, len(source_ids), size):
        try:
            check_sources.delay(source_ids[start : start + size])
        except KombuOperationalError as exc:
            unsent = source_ids[start:]
            logger.warning("broker unavailable (%s); %d checks left for the next dispatch", exc, len(unsent))
            Source.objects.filter(pk__in=unsent).update(queued_at=None, next_check_at=timezone.now())
            return


def due_sources(now: datetime) -> QuerySet[Source]:
    """Sources the dispatcher would claim now: never checked, or due (queued ones are leased)."""
    return Source.objects.filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))


def make_all_due() -> int:
    """Every source not already queued becomes due now (an operator's "recheck everything"); the
    dispatcher sends them as it sends any due source. Returns how many were made due."""
    return Source.objects.filter(queued_at__isnull=True).update(next_check_at=timezone.now())


def claim_due_sources(*, limit: int, now: datetime) -> list[int]:
    """Mark up to `limit` due sources queued and return their ids (call inside a transaction).

    SKIP LOCKED lets concurrent dispatchers take disjoint batches; the lease moves the claimed
    rows out of the due range once this transaction commits.
    """
    due = Source.objects.select_for_update(skip_locked=True).values_list("pk", flat=True)
    # Never-checked sources first (their next_check_at is empty), then the longest due.
    ids = list(due.filter(next_check_at__isnull=True).order_by("pk")[:limit])
    if len(ids) < limit:
        ids += list(due.filter(next_check_at__lte=now).order_by("next_check_at")[: limit - len(ids)])
    if ids:
        Source.objects.filter(pk__in=ids).update(
            queued_at=Coalesce("queued_at", Value(now)), next_check_at=now + CHECK_LEASE
        )
    return ids


def dispatch_due_checks(*, batch_size: int = DISPATCH_BATCH, limit: int | None = None) -> int:
    """Enqueue every due source once, batch by batch; the number enqueued."""
    now = timezone.now()
    if limit is None:
        backlog = fetch_backlog()
        limit = MAX_FETCH_BACKLOG - (backlog or 0) * settings.SOURCE_CHECK_BATCH
        if limit <= 0:
            logger.warning("fetch queue holds %s batches of checks; dispatching none this time", backlog)
            return 0
    total = 0
    while total < limit:
        with transaction.atomic():
            ids = claim_due_sources(limit=min(batch_size, limit - total), now=now)
            if ids:
                transaction.on_commit(lambda ids=ids: enqueue_batches(ids), robust=True)
        if not ids:
            break
        total += len(ids)
    if total:
        logger.info("dispatched %d source checks", total)
    return total


def fetch_backlog() -> int | None:
    """Messages waiting in the fetch queue, or None when the broker cannot say."""
    from sources.tasks import check_source

    queue = settings.CELERY_TASK_ROUTES.get(check_source.name, {}).get("queue", "celery")
    try:
        with check_source.app.connection_for_read() as connection:
            return connection.default_channel.queue_declare(queue=queue, passive=True).message_count
    except Exception:  # any transport error means "unknown", and dispatching goes on
        return None


# ---- checking -------------------------------------------------------------------------------


def check_source(source_id: int, *, force: bool = False, politeness_wait: float = 5.0) -> SourceCheck | None:
    """Fetch one source and record the check; None when there was nothing to do.

    Without `force`, only a queued source is checked (see the module docstring): this is what
    makes the Celery task safe to run twice. Raises politeness.HostBusy when the host has no free
    slot within `politeness_wait` seconds; nothing is recorded then.

    A queued check that was started longer ago than a check may take and never recorded was
    killed (the worker's hard time limit, an out-of-memory kill): its redelivery records that as
    a failure, which backs off, instead of repeating the check after every lease.
    """
    sources = _load([source_id], queued_only=not force)
    if not sources:
        return None
    source = sources[0]
    if not force:
        killed = _killed_check(source, timezone.now())
        if killed is not None:
            return record_check(source, killed, raw_hash=None, extraction=None, force=False)
        _mark_started([source])
    (answer,) = run_to_completion(gather_answers([source], politeness_wait=politeness_wait))
    if isinstance(answer, politeness.HostBusy):
        raise answer
    return record_check(
        source, answer.result, raw_hash=answer.raw_hash, extraction=answer.extraction, force=force
    )


def _load(source_ids: list[int], *, queued_only: bool) -> list[Source]:
    """The sources with what their checks need, in one query: whether a change waits for its
    confirming check (its answer is read even if identical) and the length of the last text."""
    candidates = LearnedBlock.objects.filter(source=OuterRef("pk")).exclude(candidate_hash="")
    last_text = (
        Snapshot.objects.filter(source=OuterRef("pk")).annotate(length=Length("text")).values("length")
    )
    sources = Source.objects.filter(pk__in=source_ids)
    if queued_only:
        sources = sources.filter(queued_at__isnull=False)
    return list(sources.annotate(confirming=Exists(candidates), usual_length=Subquery(last_text[:1])))


def _mark_started(sources: list[Source]) -> None:
    now = timezone.now()
    Source.objects.filter(pk__in=[s.pk for s in sources], queued_at__isnull=False).update(
        check_started_at=now
    )


def _killed_check(source: Source, now: datetime) -> FetchResult | None:
    started = source.check_started_at
    if started is not None and started < now - timedelta(seconds=check_soft_time_limit()):
        error = (
            f"the check started at {started:%Y-%m-%d %H:%M:%S} UTC never finished: killed at its time limit"
        )
        return FetchResult(url=source.url, outcome=Outcome.KILLED, error=error)
    return None


@dataclass(frozen=True)
class Answer:
    """What the network and the extraction said about one source, before anything is recorded."""

    result: FetchResult
    raw_hash: str | None = None
    extraction: Extraction | None = None


async def gather_answers(
    sources: list[Source], *, politeness_wait: float = 5.0, deadline: float | None = None
) -> list[Answer | politeness.HostBusy]:
    """The network half of checking `sources` (as `_load` gives them), all on one event loop:
    up to SOURCE_CHECKS_IN_FLIGHT at once, one connection pool, politeness batched through Redis,
    extraction in the reader processes. It touches no database; an answer per source, in order,
    or HostBusy where the host had no free slot in time, or where the answer was still waiting
    (for its turn, its host, the network or a reader) `deadline` seconds after the start."""
    in_flight = asyncio.Semaphore(settings.SOURCE_CHECKS_IN_FLIGHT)
    async with AsyncFetcher() as fetcher, politeness.BatchSlots() as slots:

        async def one(source: Source) -> Answer | politeness.HostBusy:
            async with in_flight:
                try:
                    return await _answer(source, fetcher, slots, politeness_wait)
                except politeness.HostBusy as busy:
                    return busy

        tasks = [asyncio.create_task(one(source)) for source in sources]
        _, late = await asyncio.wait(tasks, timeout=deadline)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
    return [
        politeness.HostBusy(host_of(source.url), retry_after=random.uniform(5, 30))  # noqa: S311
        if task in late
        else task.result()
        for source, task in zip(sources, tasks, strict=True)
    ]


async def _answer(
    source: Source, fetcher: AsyncFetcher, slots: politeness.BatchSlots, politeness_wait: float
) -> Answer:
    confirming = source.confirming  # a change waiting for confirmation needs this answer's text
    async with slots.hold(host_of(source.url) or "-", wait=politeness_wait):
        conditional = bool(source.content_hash) and not confirming
        result = await fetcher.fetch(
            source.url,
            etag=source.etag if conditional else "",
            last_modified=source.last_modified if conditional else "",
        )
    raw_hash = extraction = None
    if result.outcome in (Outcome.OK, Outcome.REDIRECTED):
        raw_hash = sha256(result.body)
        # Extraction is the expensive part of a check: skip it when the bytes are identical.
        if raw_hash != source.body_hash or not source.content_hash or confirming:
            needs_names = not source.content_hash and not (source.title and source.publisher)
            read = await readers.read(
                result.body,
                result.content_type,
                url=result.final_url,
                with_metadata=needs_names,
                usual_length=source.usual_length or 0,
            )
            result, extraction = _with_text(result, read)
            if extraction is None:
                raw_hash = None  # a failure: the next answer is read again whatever its bytes
        else:
            result = replace(result, body=b"")  # nothing keeps bytes that were not read
    return Answer(result=result, raw_hash=raw_hash, extraction=extraction)


@dataclass
class BatchOutcome:
    """What `check_sources` did: the checks it recorded, and the sources whose host was busy."""

    checks: list[SourceCheck] = field(default_factory=list)
    busy: dict[int, float] = field(default_factory=dict)  # source id -> retry after (seconds)


def check_sources(source_ids: Iterable[int], *, politeness_wait: float = 5.0) -> BatchOutcome:
    """Check a batch of queued sources with their fetches in flight together.

    The database sees the batch, not its checks: one query reads the sources with what their
    checks need, one UPDATE marks them started, and once every answer is in, `record_answers`
    writes them all together. A source already recorded (a redelivered batch) is not in the first
    query, as `check_source` skips it.
    """
    sources = _load(list(source_ids), queued_only=True)
    now = timezone.now()
    ready: list[tuple[Source, Answer]] = []
    live = []
    for source in sources:
        killed = _killed_check(source, now)
        if killed is None:
            live.append(source)
        else:
            ready.append((source, Answer(result=killed)))
    _mark_started(live)
    outcome = BatchOutcome()
    answers = []
    if live:
        gathering = gather_answers(live, politeness_wait=politeness_wait, deadline=BATCH_DEADLINE)
        answers = run_to_completion(gathering)
    for source, answer in zip(live, answers, strict=True):
        if isinstance(answer, politeness.HostBusy):
            outcome.busy[source.pk] = answer.retry_after
        else:
            ready.append((source, answer))
    if outcome.busy:  # not started after all: their single checks must not take them for killed
        Source.objects.filter(pk__in=list(outcome.busy), queued_at__isnull=False).update(
            check_started_at=None
        )
    outcome.checks = record_answers(ready)
    return outcome


def read_answer(
    result: FetchResult, *, with_metadata: bool = False, usual_length: int = 0
) -> tuple[FetchResult, Extraction | None]:
    """The text of a successful answer, read here (`check_url`); see `_with_text`."""
    read = read_text(
        result.body,
        result.content_type,
        url=result.final_url,
        with_metadata=with_metadata,
        usual_length=usual_length,
        bounds=readers.bounds(),
    )
    return _with_text(result, read)


def _with_text(result: FetchResult, read: Extraction) -> tuple[FetchResult, Extraction | None]:
    """An answer without usable text (undecodable, over the bounds, an interstitial) becomes a
    failed result with the problem as its outcome."""
    if read.problem:
        return replace(result, outcome=Outcome(read.problem), error=read.error), None
    return result, read


def record_timeout(source_id: int, error: str) -> SourceCheck | None:
    """A check that ran out of its time limit counts as a timed-out fetch."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return None
    result = FetchResult(url=source.url, outcome=Outcome.TIMEOUT, error=error)
    return record_check(source, result, raw_hash=None, extraction=None, force=False)


# What a check writes to its source.
CHECK_FIELDS = (
    "check_started_at",
    "health",
    "health_changed_at",
    "last_checked_at",
    "next_check_at",
    "queued_at",
    "consecutive_failures",
    "content_hash",
    "body_hash",
    "content_changed_at",
    "final_url",
    "status_code",
    "etag",
    "last_modified",
    "last_error",
    "updated_at",
)
# What a check reads to decide whether its result still applies (see `record_answers`).
GUARD_FIELDS = ("last_checked_at", "url", "change_reviewed_at")
# What a first snapshot fills in when editors left it empty.
NAME_FIELDS = ("title", "publisher")


def record_check(
    source: Source,
    result: FetchResult,
    *,
    raw_hash: str | None,
    extraction: Extraction | None,
    force: bool,
) -> SourceCheck | None:
    """Record one check (see `record_answers`); None when another delivery recorded it first."""
    answer = Answer(result=result, raw_hash=raw_hash, extraction=extraction)
    checks = record_answers([(source, answer)], force=force)
    return checks[0] if checks else None


@dataclass
class _Record:
    source: Source
    answer: Answer
    seen: tuple  # GUARD_FIELDS as read before the fetch
    assessment: volatility.Assessment | None
    names: dict[str, str] = field(default_factory=dict)  # NAME_FIELDS to fill in, if still empty


def record_answers(answers: list[tuple[Source, Answer]], *, force: bool = False) -> list[SourceCheck]:
    """Apply each answer to its source (as read before the fetch): health, schedule, what the text
    says, snapshots; the checks recorded.

    A check's result applies only if no other check was recorded since that read, the URL was
    not edited (it must not inherit the old URL's hash, ETag and final URL) and nobody marked the
    changes reviewed meanwhile (that must not be undone); unless forced, the source must also
    still be queued. So of two deliveries of a check exactly one records it, without a row lock
    held across the network call; a source that fails the guard stays queued and is checked again.

    The database sees the batch, not its checks: the last snapshot texts and learned places are
    read in two queries, the guarded updates are one statement on PostgreSQL (UPDATE ... FROM
    VALUES), and the snapshots and checks one INSERT each.
    """
    if not answers:
        return []
    now = timezone.now()
    baselines, known = _prior_texts([s for s, a in answers if a.extraction is not None and s.content_hash])
    records = []
    for source, answer in answers:
        seen = tuple(getattr(source, name) for name in GUARD_FIELDS)
        assessment = _apply(
            source,
            answer,
            now=now,
            baseline=baselines.get(source.pk),
            known=known.get(source.pk, {}),
        )
        record = _Record(source, answer, seen, assessment)
        if _keeps_text(record):  # fill in the names editors left empty (never what they typed)
            record.names = {
                name: value
                for name in NAME_FIELDS
                if (value := getattr(answer.extraction, name)) and not getattr(source, name)
            }
        records.append(record)
    with transaction.atomic():
        claimed = _claim(records, force=force)
        records = [record for record in records if record.source.pk in claimed]
        snapshots = [_snapshot(record, now) for record in records if _keeps_text(record)]
        firsts = [r.source.pk for r in records if r.assessment and r.assessment.first]
        if firsts:  # a first text (new source, or its URL changed): nothing learned holds
            LearnedBlock.objects.filter(source_id__in=firsts).delete()
        for record in records:
            if record.assessment is not None:
                volatility.save(record.assessment)
        snapshots = Snapshot.objects.bulk_create(snapshots)
        for snapshot in snapshots:
            transaction.on_commit(
                lambda s=snapshot: snapshot_taken.send(Source, source_id=s.source_id, snapshot_id=s.pk),
                robust=True,
            )
        return SourceCheck.objects.bulk_create(_check_row(record, now) for record in records)


def _prior_texts(sources: list[Source]) -> tuple[dict[int, str], dict[int, dict[str, LearnedBlock]]]:
    """The last snapshot's text and the learned places of each source, in two queries."""
    if not sources:
        return {}, {}
    by_pk = {source.pk: source for source in sources}
    last_text = Snapshot.objects.filter(source=OuterRef("pk")).values("text")[:1]
    baselines = {
        pk: text
        for pk, text in Source.objects.filter(pk__in=by_pk)
        .annotate(last_text=Subquery(last_text))
        .values_list("pk", "last_text")
        if text is not None
    }
    known: dict[int, dict[str, LearnedBlock]] = {}
    for row in LearnedBlock.objects.filter(source_id__in=list(baselines)):
        row.source = by_pk[row.source_id]
        known.setdefault(row.source_id, {})[row.key] = row
    return baselines, known


def _apply(
    source: Source, answer: Answer, *, now: datetime, baseline: str | None, known: dict[str, LearnedBlock]
) -> volatility.Assessment | None:
    """What a check does to its source (health, schedule, validators), on the object only; the
    assessment of its text when it has one."""
    result, extraction = answer.result, answer.extraction
    before = source.health
    assessment = None
    if result.succeeded:
        source.consecutive_failures = 0
        if extraction is not None:
            assessment = volatility.assess(source, extraction.text, now=now, baseline=baseline, known=known)
            source.content_hash = extraction.content_hash
        if answer.raw_hash is not None:
            source.body_hash = answer.raw_hash
        if assessment and assessment.changed:
            source.content_changed_at = now
        if result.outcome == Outcome.NOT_MODIFIED:  # a 304 may repeat the validators, or not
            source.etag = result.etag or source.etag
            source.last_modified = result.last_modified or source.last_modified
        else:
            source.etag, source.last_modified = result.etag, result.last_modified
        delay = with_jitter(healthy_interval(source, now))
        if assessment and assessment.pending:  # confirm soon, but not within seconds
            min_age = timedelta(seconds=settings.SOURCE_CONFIRM_MIN_AGE)
            delay = max(
                with_jitter(timedelta(seconds=settings.SOURCE_CONFIRM_DELAY)), min_age + timedelta(seconds=1)
            )
    elif result.outcome == Outcome.BLOCKED:
        delay = with_jitter(healthy_interval(source, now))
    else:
        source.consecutive_failures += 1
        delay = with_jitter(failure_delay(source.consecutive_failures))
    source.health = next_health(
        outcome=result.outcome,
        status_code=result.status_code,
        failures=source.consecutive_failures,
        unreviewed_change=source.has_unreviewed_change,
        redirected=bool(result.redirects),
    )
    if source.health != before:
        source.health_changed_at = now
    source.last_checked_at = source.updated_at = now
    source.next_check_at = now + delay
    source.queued_at = source.check_started_at = None
    source.status_code = result.status_code
    if result.final_url:
        source.final_url = result.final_url[:2048]
    source.last_error = result.error
    return assessment


def _keeps_text(record: _Record) -> bool:
    return record.assessment is not None and (record.assessment.first or record.assessment.changed)


def _snapshot(record: _Record, now: datetime) -> Snapshot:
    """Keep what the source said: text as hashed, and the raw body gzip-compressed in storage."""
    source, result, extraction = record.source, record.answer.result, record.answer.extraction
    snapshot = Snapshot(
        source=source,
        taken_at=now,
        content_hash=extraction.content_hash,
        status_code=result.status_code,
        final_url=result.final_url[:2048],
        content_type=result.content_type[:200],
        title=extraction.title,
        text=extraction.text,
        body_size=len(result.body),
    )
    snapshot.body.save(
        f"{extraction.content_hash[:16]}.gz", ContentFile(gzip.compress(result.body, 6)), save=False
    )
    return snapshot


def _claim(records: list[_Record], *, force: bool) -> set[int]:
    """Write each record's source where its guard holds; the ids written."""
    if connection.vendor != "postgresql":
        claimed = set()
        for record in records:
            source = record.source
            seen = dict(zip(GUARD_FIELDS, record.seen, strict=True))
            if not force:
                seen["queued_at__isnull"] = False
            fields = {name: getattr(source, name) for name in CHECK_FIELDS}
            if Source.objects.filter(pk=source.pk, **seen).update(**fields):
                claimed.add(source.pk)
                for name, value in record.names.items():
                    Source.objects.filter(pk=source.pk, **{name: ""}).update(**{name: value})
        return claimed
    pk = Source._meta.pk
    fields = [Source._meta.get_field(name) for name in CHECK_FIELDS]
    guards = [Source._meta.get_field(name) for name in GUARD_FIELDS]
    names = [Source._meta.get_field(name) for name in NAME_FIELDS]
    quote = connection.ops.quote_name
    casts = [f"%s::{f.db_type(connection)}" for f in [*fields, *guards, *names]]
    row = "(" + ", ".join([*casts, f"%s::{pk.rel_db_type(connection)}"]) + ")"
    columns = [quote(f.column) for f in fields] + [f"seen_{f.column}" for f in guards]
    columns += [f"fill_{f.column}" for f in names] + ["id"]
    assignments = [f"{quote(f.column)} = v.{quote(f.column)}" for f in fields]
    assignments += [
        f"{quote(f.column)} = CASE WHEN s.{quote(f.column)} = '' THEN v.fill_{f.column} ELSE s.{quote(f.column)} END"
        for f in names
    ]
    conditions = [f"s.{quote(pk.column)} = v.id"]
    conditions += [f"s.{quote(f.column)} IS NOT DISTINCT FROM v.seen_{f.column}" for f in guards]
    if not force:
        conditions.append("s.queued_at IS NOT NULL")
    # Only the model's names and placeholders are spliced in; every value is a parameter.
    sql = (
        f"UPDATE {quote(Source._meta.db_table)} AS s SET {', '.join(assignments)}"  # noqa: S608
        f" FROM (VALUES {', '.join([row] * len(records))}) AS v({', '.join(columns)})"
        f" WHERE {' AND '.join(conditions)} RETURNING s.{quote(pk.column)}"
    )
    params: list[object] = []
    for record in records:
        source = record.source
        params += [f.get_db_prep_save(getattr(source, f.attname), connection) for f in fields]
        params += [
            f.get_db_prep_save(value, connection) for f, value in zip(guards, record.seen, strict=True)
        ]
        params += [record.names.get(f.name, "") for f in names]
        params.append(source.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        claimed = {pk for (pk,) in cursor.fetchall()}
    for record in records:  # the object says what the row says now
        if record.source.pk in claimed:
            for name, value in record.names.items():
                setattr(record.source, name, value)
    return claimed


def _check_row(record: _Record, now: datetime) -> SourceCheck:
    source, result, assessment = record.source, record.answer.result, record.assessment
    return SourceCheck(
        source=source,
        checked_at=now,
        duration_ms=result.duration_ms,
        outcome=result.outcome,
        status_code=result.status_code,
        final_url=result.final_url[:2048],
        content_hash=source.content_hash if result.succeeded else "",
        changed=bool(assessment and assessment.changed),
        note=assessment.note if assessment else "",
        health_after=source.health,
        error=result.error,
    )


# ---- editors' actions ------------------------------------------------------------------------


def mark_changes_reviewed(source_ids: Iterable[int]) -> int:
    """An editor has looked at the changes: changed sources go back to ok (or redirected)."""
    now = timezone.now()
    count = 0
    with transaction.atomic():
        for source in Source.objects.select_for_update().filter(pk__in=list(source_ids)):
            source.change_reviewed_at = now
            fields = ["change_reviewed_at", "updated_at"]
            if source.health == Health.CHANGED:
                last = source.checks.values_list("outcome", flat=True).first()
                source.health = Health.REDIRECTED if last == Outcome.REDIRECTED else Health.OK
                source.health_changed_at = now
                fields += ["health", "health_changed_at"]
            source.save(update_fields=fields)
            count += 1
    return count


def forget_url_state(source: Source) -> None:
    """The URL was edited: what we knew about the old one says nothing about the new one."""
    source.health = Health.UNCHECKED
    source.health_changed_at = timezone.now()
    source.consecutive_failures = 0
    source.content_hash = source.body_hash = source.etag = source.last_modified = ""
    source.content_changed_at = None
    source.final_url = source.last_error = ""
    source.status_code = None
    source.next_check_at = None
