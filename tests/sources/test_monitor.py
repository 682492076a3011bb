"""Checking sources against a real local server: health, schedule, snapshots, claiming work."""

import gzip
import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, transaction
from django.utils import timezone
from werkzeug import Request, Response

from sources import monitor
from sources.models import Health, Outcome, Snapshot, Source, SourceCheck
from tests.sources.pages import ARTICLE, news_page

pytestmark = pytest.mark.django_db


def new_source(url: str, **fields) -> Source:
    return Source.objects.create(url=url, **fields)


def check(source: Source) -> SourceCheck:
    result = monitor.check_source(source.pk, force=True)
    source.refresh_from_db()
    return result


def test_first_check_keeps_a_snapshot_and_fills_in_title_and_publisher(page):
    source = new_source(page["url"])
    result = check(source)
    assert (result.outcome, result.health_after, result.changed) == (Outcome.OK, Health.OK, False)
    assert (source.health, source.status_code, source.consecutive_failures) == (Health.OK, 200, 0)
    assert source.title == "Istanbul talks end without ceasefire"
    assert source.publisher == "Example News"
    snapshot = source.snapshots.get()
    assert snapshot.content_hash == source.content_hash == result.content_hash
    assert ARTICLE[1] in snapshot.text
    with snapshot.body.open("rb") as handle:
        assert gzip.decompress(handle.read()) == page["html"].encode()
    assert snapshot.body_size == len(page["html"].encode())


def test_titles_typed_by_editors_are_kept(page):
    source = new_source(page["url"], title="Talks, day one", publisher="Agency")
    check(source)
    assert (source.title, source.publisher) == ("Talks, day one", "Agency")


def test_unchanged_and_boilerplate_only_checks_keep_no_new_snapshot(page):
    source = new_source(page["url"])
    check(source)
    check(source)
    page["html"] = news_page(ad="Another advert", generated="2027-01-01 00:00:00", comments=99)
    result = check(source)
    assert (result.outcome, result.changed, source.health) == (Outcome.OK, False, Health.OK)
    assert source.snapshots.count() == 1
    assert source.checks.count() == 3
    assert source.content_changed_at is None


def test_an_edited_paragraph_is_a_change_that_stays_until_reviewed(page):
    source = new_source(page["url"])
    check(source)
    page["html"] = news_page([ARTICLE[0], ARTICLE[1].replace("drastically", "slightly"), ARTICLE[2]])
    candidate = check(source)  # issue 12: a change alerts once a later check sees it again
    assert (candidate.changed, source.health, source.snapshots.count()) == (False, Health.OK, 1)
    assert "waiting for a confirming check" in candidate.note
    result = check(source)
    assert (result.changed, result.health_after, source.health) == (True, Health.CHANGED, Health.CHANGED)
    assert source.snapshots.count() == 2
    assert source.content_changed_at is not None
    assert "slightly" in source.snapshots.latest().text

    check(source)  # nothing new, but nobody has looked at the change yet
    assert source.health == Health.CHANGED

    assert monitor.mark_changes_reviewed([source.pk]) == 1
    source.refresh_from_db()
    assert source.health == Health.OK
    check(source)
    assert source.health == Health.OK


def test_304_keeps_the_state_and_sends_validators(allow_server):
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v7"':
            return Response(status=304)
        return Response(news_page(), content_type="text/html", headers={"ETag": '"v7"'})

    allow_server.expect_request("/etag").respond_with_handler(handler)
    source = new_source(allow_server.url_for("/etag"))
    check(source)
    result = check(source)
    assert result.outcome == Outcome.NOT_MODIFIED
    assert (source.health, source.etag, source.snapshots.count()) == (Health.OK, '"v7"', 1)
    assert result.content_hash == source.content_hash


def test_failures_back_off_and_become_broken(page, settings):
    settings.SOURCE_BROKEN_AFTER_FAILURES = 3
    source = new_source(page["url"])
    check(source)
    page["status"] = 500
    delays = []
    for expected in (Health.FAILING, Health.FAILING, Health.BROKEN, Health.BROKEN):
        before = timezone.now()
        result = check(source)
        assert (result.outcome, source.health) == (Outcome.SERVER_ERROR, expected)
        delays.append(source.next_check_at - before)
    assert source.consecutive_failures == 4
    assert source.last_error == "HTTP 500 INTERNAL SERVER ERROR"
    for n, delay in enumerate(delays, start=1):  # 15 min, 30, 60, 120, each with up to 20% jitter
        full = monitor.failure_delay(n)
        assert full * 0.8 - timedelta(seconds=1) <= delay <= full + timedelta(seconds=1)
    assert [monitor.failure_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (15, 30, 60)]
    assert monitor.failure_delay(50) == timedelta(days=7)

    page["status"] = 200
    check(source)
    assert (source.health, source.consecutive_failures, source.last_error) == (Health.OK, 0, "")
    assert source.snapshots.count() == 1  # same text as before the outage


def test_410_gone_is_broken_at_once(allow_server):
    allow_server.expect_request("/gone").respond_with_data("gone", status=410)
    source = new_source(allow_server.url_for("/gone"))
    check(source)
    assert (source.health, source.consecutive_failures) == (Health.BROKEN, 1)


def test_a_404_is_failing_first(allow_server):
    allow_server.expect_request("/missing").respond_with_data("no", status=404)
    source = new_source(allow_server.url_for("/missing"))
    check(source)
    assert (source.health, source.status_code) == (Health.FAILING, 404)


def test_redirected_source_records_where_it_went(allow_server):
    allow_server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    allow_server.expect_request("/new").respond_with_data(news_page(), content_type="text/html")
    source = new_source(allow_server.url_for("/old"))
    check(source)
    assert (source.health, source.final_url) == (Health.REDIRECTED, allow_server.url_for("/new"))
    assert source.snapshots.get().final_url == allow_server.url_for("/new")


def test_blocked_source(settings, silent_listener):
    listener = silent_listener("127.0.0.1")
    settings.SOURCE_FETCH_ALLOWED_PORTS = [listener.port]
    source = new_source(f"http://localhost:{listener.port}/")
    result = check(source)
    assert (result.outcome, source.health) == (Outcome.BLOCKED, Health.BLOCKED)
    assert "loopback" in source.last_error
    assert listener.connections() == 0
    assert source.next_check_at > timezone.now() + timedelta(minutes=30)  # no fast retries


def test_timeout_after_the_time_limit_counts_as_a_failure(page):
    source = new_source(page["url"])
    monitor.request_checks([source.pk])
    monitor.record_timeout(source.pk, "the check took longer than 60 s")
    source.refresh_from_db()
    assert (source.health, source.consecutive_failures, source.queued_at) == (Health.FAILING, 1, None)
    assert source.checks.get().outcome == Outcome.TIMEOUT


# ---- schedule --------------------------------------------------------------------------------


def test_healthy_sources_are_checked_more_often_while_new(page):
    source = new_source(page["url"])
    now = timezone.now()
    assert monitor.healthy_interval(source, now) == timedelta(hours=4)
    assert monitor.healthy_interval(source, now + timedelta(days=3)) == timedelta(hours=12)
    assert monitor.healthy_interval(source, now + timedelta(days=30)) == timedelta(days=1)
    source.check_interval = timedelta(minutes=5)
    assert monitor.healthy_interval(source, now) == timedelta(minutes=5)  # never below the floor


def test_next_checks_are_spread_within_their_interval():
    delays = [monitor.with_jitter(timedelta(days=1)) for _ in range(200)]
    assert all(timedelta(hours=19, minutes=12) <= d <= timedelta(days=1) for d in delays)
    assert max(delays) - min(delays) > timedelta(hours=3)  # a bulk import does not stay in step


def test_overdue_sources():
    now = timezone.now()
    fresh = new_source("https://a.example.org/", next_check_at=now - timedelta(hours=2))
    late = new_source("https://b.example.org/", next_check_at=now - timedelta(days=2))
    stuck = new_source("https://c.example.org/", next_check_at=now + timedelta(minutes=10))
    Source.objects.filter(pk=stuck.pk).update(queued_at=now - timedelta(days=1, hours=1))
    never = new_source("https://d.example.org/")
    Source.objects.filter(pk=never.pk).update(created_at=now - timedelta(days=3))
    new_source("https://e.example.org/")  # just added: due, not overdue
    fast = new_source("https://f.example.org/", check_interval=timedelta(minutes=10))
    Source.objects.filter(pk=fast.pk).update(next_check_at=now - timedelta(minutes=30))
    assert set(monitor.overdue_sources()) == {late, stuck, never, fast}
    assert fresh not in monitor.overdue_sources()


# ---- claiming work -----------------------------------------------------------------------------


def test_claiming_takes_due_sources_never_checked_first():
    now = timezone.now()
    later = new_source("https://a.example.org/", next_check_at=now + timedelta(hours=1))
    due = new_source("https://b.example.org/", next_check_at=now - timedelta(minutes=1))
    older = new_source("https://c.example.org/", next_check_at=now - timedelta(hours=1))
    unchecked = new_source("https://d.example.org/")
    with transaction.atomic():
        ids = monitor.claim_due_sources(limit=10, now=now)
    assert ids == [unchecked.pk, older.pk, due.pk]
    claimed = Source.objects.filter(pk__in=ids)
    assert all(s.queued_at == now and s.next_check_at == now + monitor.CHECK_LEASE for s in claimed)
    with transaction.atomic():
        assert monitor.claim_due_sources(limit=10, now=now) == []  # leased
    later.refresh_from_db()
    assert later.queued_at is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_take_a_source_twice():
    Source.objects.bulk_create([Source(url=f"https://news.example.org/{i}") for i in range(300)])
    now = timezone.now()
    barrier = threading.Barrier(2)
    taken: list[list[int]] = [[], []]

    def dispatcher(n: int) -> None:
        barrier.wait()
        try:
            while True:
                with transaction.atomic():
                    ids = monitor.claim_due_sources(limit=7, now=now)
                if not ids:
                    return
                taken[n].extend(ids)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=dispatcher, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not set(taken[0]) & set(taken[1])
    assert sorted(taken[0] + taken[1]) == sorted(Source.objects.values_list("pk", flat=True))
    assert taken[0] and taken[1]  # both really ran side by side


def test_a_check_runs_only_while_queued(page):
    """What makes the task idempotent: a second delivery finds the check already recorded."""
    source = new_source(page["url"])
    assert monitor.check_source(source.pk) is None  # not queued: nothing to do
    monitor.request_checks([source.pk])
    assert monitor.check_source(source.pk) is not None
    assert monitor.check_source(source.pk) is None
    assert SourceCheck.objects.filter(source=source).count() == 1
    assert Snapshot.objects.filter(source=source).count() == 1


def test_dispatcher_checks_each_due_source_once(page, eager_celery, django_capture_on_commit_callbacks):
    sources = [new_source(page["url"] + f"?n={i}") for i in range(3)]
    new_source(page["url"] + "?n=later", next_check_at=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert monitor.dispatch_due_checks(limit=100) == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert monitor.dispatch_due_checks(limit=100) == 0
    for source in sources:
        source.refresh_from_db()
        assert (source.health, source.queued_at, source.checks.count()) == (Health.OK, None, 1)


def test_a_new_source_is_checked_once_its_transaction_commits(
    page, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        source = new_source(page["url"])
        source.refresh_from_db()
        assert source.health == Health.UNCHECKED  # nothing happens before the commit
    assert callbacks
    source.refresh_from_db()
    assert (source.health, source.snapshots.count()) == (Health.OK, 1)
