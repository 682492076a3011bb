"""Batches of checks (issue 13): the dispatcher's messages carry many sources, whose fetches a
worker process keeps in flight together; each is recorded as a single check would be."""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from werkzeug import Request, Response

from sources import monitor
from sources.models import Health, Outcome, Source, SourceCheck
from sources.tasks import CHECK_SOFT_TIME_LIMIT
from tests.sources.pages import news_page
from tests.sources.test_volatility import EDITED, churning  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def queued_sources(urls: list[str]) -> list[int]:
    sources = Source.objects.bulk_create(Source(url=url) for url in urls)
    ids = [source.pk for source in sources]
    monitor.request_checks(ids)
    return ids


@pytest.fixture
def slow_pages(allow_server):
    """Pages that answer after `delay` seconds, counting how many requests wait at once."""
    state = {"delay": 0.5, "now": 0, "most": 0}
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(state["delay"])
        with lock:
            state["now"] -= 1
        return Response(news_page(), content_type="text/html")

    allow_server.expect_request("/slow").respond_with_handler(handler)
    state["url"] = allow_server.url_for("/slow")
    return state


def test_a_batch_waits_on_its_fetches_together_and_records_each_once(slow_pages, allow_server, settings):
    settings.SOURCE_FETCH_PER_HOST_CONCURRENCY = 20  # one test server stands for many hosts
    ids = queued_sources([f"{slow_pages['url']}?n={n}" for n in range(12)])
    started = time.monotonic()
    outcome = monitor.check_sources(ids)
    elapsed = time.monotonic() - started

    assert elapsed < 3  # one after another: 12 times 0.5 s
    assert slow_pages["most"] >= 6
    assert sorted(check.source_id for check in outcome.checks) == ids
    assert {check.outcome for check in outcome.checks} == {Outcome.OK}
    assert outcome.busy == {}
    assert not Source.objects.filter(pk__in=ids).exclude(health=Health.OK, queued_at=None).exists()

    # The same message again (redelivered): everything is recorded, nothing is fetched twice.
    assert monitor.check_sources(ids).checks == []
    assert (SourceCheck.objects.count(), len(allow_server.log)) == (12, 12)


def test_a_busy_host_is_handed_back_unchecked(slow_pages, settings):
    settings.SOURCE_FETCH_PER_HOST_CONCURRENCY = 1
    ids = queued_sources([f"{slow_pages['url']}?n={n}" for n in range(3)])
    outcome = monitor.check_sources(ids, politeness_wait=0)

    assert slow_pages["most"] == 1  # politeness holds inside a batch too
    assert outcome.busy and len(outcome.checks) + len(outcome.busy) == 3
    assert all(5 <= seconds <= 30 for seconds in outcome.busy.values())
    busy = Source.objects.filter(pk__in=outcome.busy)
    assert not SourceCheck.objects.filter(source__in=busy).exists()
    assert busy.filter(queued_at__isnull=False).count() == len(outcome.busy)  # still leased


def test_a_batch_learns_and_confirms_changes_as_single_checks_do(churning):  # noqa: F811
    source = churning["source"]

    def batch() -> SourceCheck:
        monitor.request_checks([source.pk])
        (check,) = monitor.check_sources([source.pk]).checks
        source.refresh_from_db()
        return check

    assert batch().outcome == Outcome.OK
    churning["paragraphs"] = EDITED
    assert batch().changed is False  # a candidate: the batch read that it must be confirmed
    confirmed = batch()
    assert confirmed.changed is True and "confirmed" in confirmed.note
    assert (source.health, source.snapshots.count()) == (Health.CHANGED, 2)


def test_a_batch_records_a_killed_check_without_fetching(slow_pages, allow_server):
    (source_id,) = queued_sources([slow_pages["url"]])
    killed_at = timezone.now() - timedelta(seconds=CHECK_SOFT_TIME_LIMIT + 30)
    Source.objects.filter(pk=source_id).update(check_started_at=killed_at)
    (check,) = monitor.check_sources([source_id]).checks
    assert check.outcome == Outcome.KILLED and len(allow_server.log) == 0


def test_answers_still_waiting_at_the_batch_deadline_go_back_as_single_checks(
    slow_pages, settings, monkeypatch
):
    settings.SOURCE_FETCH_PER_HOST_CONCURRENCY = 20
    settings.SOURCE_CHECKS_IN_FLIGHT = 2
    slow_pages["delay"] = 0.4
    monkeypatch.setattr(monitor, "BATCH_DEADLINE", 0.6)  # two rounds of 0.4 s do not fit
    ids = queued_sources([f"{slow_pages['url']}?n={n}" for n in range(6)])
    outcome = monitor.check_sources(ids)

    assert len(outcome.checks) == 2 and len(outcome.busy) == 4
    late = Source.objects.filter(pk__in=outcome.busy)
    assert late.filter(queued_at__isnull=False, check_started_at=None).count() == 4  # leased, not started
    slow_pages["delay"] = 0
    (first_late, *_) = outcome.busy
    assert monitor.check_source(first_late).outcome == Outcome.OK  # its single check: not "killed"


def test_a_batch_costs_a_few_statements_however_many_sources_it_holds(page, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SOURCE_FETCH_PER_HOST_CONCURRENCY = 100

    def statements(count: int, html: str) -> int:
        page["html"] = html
        Source.objects.all().delete()
        ids = queued_sources([f"{page['url']}?n={n}" for n in range(count)])
        monitor.check_sources(ids)  # first checks: snapshots
        monitor.request_checks(ids)
        with CaptureQueriesContext(connection) as queries:
            checks = monitor.check_sources(ids).checks  # unchanged bytes
        assert len(checks) == count
        return len(queries)

    assert statements(40, news_page()) == statements(4, news_page())
