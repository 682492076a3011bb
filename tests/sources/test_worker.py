"""The real path: dispatchers and a Celery worker in their own processes, Redis, PostgreSQL.

Each test has a private redis-server (its queues hold only this test's messages) and works on
the test database, which the subprocesses reach through DATABASE_URL.
"""

import base64
import json
import os
import signal
import threading
import time

import pytest
import redis
from django.db import connection
from werkzeug import Request, Response

from sources.models import Health, Outcome, Source, SourceCheck
from tests.servers import wait_for
from tests.sources.conftest import django_run, django_start
from tests.sources.pages import news_page

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def queued_source_ids(redis_url: str, queue: str = "fetch") -> list[int]:
    """The source ids of the check messages (single checks and batches) waiting in `queue`, in order."""
    ids = []
    for raw in redis.Redis.from_url(redis_url).lrange(queue, 0, -1):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        if message["headers"]["task"] == "sources.tasks.check_sources":
            ids += args[0]
        else:
            assert message["headers"]["task"] == "sources.tasks.check_source"
            ids.append(args[0])
    return ids


def test_two_dispatchers_at_once_enqueue_each_due_source_once(subprocess_env, private_redis):
    Source.objects.bulk_create(Source(url=f"https://news.example.org/story/{i}") for i in range(400))
    start = time.time() + 3  # both interpreters are up by then; they start dispatching together
    code = (
        "import time\n"
        "from sources.monitor import dispatch_due_checks\n"
        f"time.sleep(max(0, {start} - time.time()))\n"
        "print(dispatch_due_checks(batch_size=10))\n"
    )
    dispatchers = [django_start(code, subprocess_env) for _ in range(2)]
    counts = []
    for process in dispatchers:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err[-3000:]
        counts.append(int(out.split()[-1]))

    queued = queued_source_ids(private_redis)
    all_ids = sorted(Source.objects.values_list("pk", flat=True))
    assert sorted(queued) == all_ids  # every due source once: none lost, none twice
    assert sum(counts) == 400
    assert min(counts) > 0, counts  # the two really overlapped
    assert not Source.objects.filter(queued_at__isnull=True).exists()

    # A third run finds nothing due: the claimed sources are leased.
    assert (
        django_run(
            "from sources.monitor import dispatch_due_checks\nprint(dispatch_due_checks())", subprocess_env
        ).split()[-1]
        == "0"
    )
    assert len(queued_source_ids(private_redis)) == 400


def test_dispatched_checks_run_on_the_worker_once_each(subprocess_env, private_redis, start_worker, server):
    server.expect_request("/page").respond_with_data(news_page(), content_type="text/html")
    Source.objects.bulk_create(Source(url=server.url_for("/page") + f"?n={i}") for i in range(3))
    start_worker(SOURCE_FETCH_ALLOWED_PORTS=str(server.port))
    code = "from sources.monitor import dispatch_due_checks\nprint(dispatch_due_checks())\nprint(dispatch_due_checks())"
    assert django_run(code, subprocess_env).split() == ["3", "0"]

    wait_for(lambda: SourceCheck.objects.count() == 3, 60, "three checks")
    time.sleep(1)  # a duplicate, if there were one, would land now
    assert SourceCheck.objects.count() == 3
    assert set(Source.objects.values_list("health", flat=True)) == {Health.OK}
    assert len(server.log) == 3


def test_a_worker_killed_mid_check_loses_nothing(subprocess_env, private_redis, start_worker, server):
    """SIGKILL the pool process while it waits on the source: the check is redone, once."""
    received, release = threading.Event(), threading.Event()

    def slow_first_time(request: Request) -> Response:
        if not received.is_set():
            received.set()
            release.wait(30)  # the worker is killed while it waits here
        return Response(news_page(), content_type="text/html")

    server.expect_request("/slow").respond_with_handler(slow_first_time)
    (source,) = Source.objects.bulk_create([Source(url=server.url_for("/slow"))])
    worker = start_worker(SOURCE_FETCH_ALLOWED_PORTS=str(server.port))
    django_run(f"from sources.monitor import request_checks\nrequest_checks([{source.pk}])", subprocess_env)

    assert received.wait(30), worker.output()
    (pool_process,) = worker.pool_processes()
    os.kill(pool_process, signal.SIGKILL)
    release.set()

    wait_for(lambda: SourceCheck.objects.filter(source=source).exists(), 60, "the redone check")
    time.sleep(1)
    check = SourceCheck.objects.get(source=source)  # exactly one
    assert (check.outcome, check.health_after) == (Outcome.OK, Health.OK)
    assert len(server.log) == 2  # the interrupted request and the redone one
    source.refresh_from_db()
    assert (source.queued_at, source.snapshots.count()) == (None, 1)
    assert "WorkerLostError" in worker.output() or "SIGKILL" in worker.output()


def worker_sessions() -> set[tuple[int, object]]:
    """The PostgreSQL sessions the worker holds (it connects as application_name "test-worker")."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE application_name = 'test-worker'"
        )
        return set(cursor.fetchall())


def test_the_worker_keeps_its_database_session_and_rechecks_all_on_demand(
    subprocess_env, private_redis, start_worker, server
):
    """Bulk-created sources reach the worker through the dispatcher; `check_sources --all --enqueue`
    sends them all again through the same path; the worker stays connected to PostgreSQL between
    its tasks."""
    server.expect_request("/page").respond_with_data(news_page(), content_type="text/html")
    Source.objects.bulk_create(Source(url=server.url_for("/page") + f"?n={i}") for i in range(10))
    # One connection for the whole test (CONN_MAX_AGE), no per-second politeness: all share a host.
    start_worker(
        SOURCE_FETCH_ALLOWED_PORTS=str(server.port),
        SOURCE_FETCH_PER_HOST_PER_SECOND="0",
        CONN_MAX_AGE="600",
        PGAPPNAME="test-worker",
    )
    django_run("from sources.monitor import dispatch_due_checks\ndispatch_due_checks()", subprocess_env)
    wait_for(lambda: SourceCheck.objects.count() == 10, 60, "the first checks")
    first = worker_sessions()
    assert first  # still open after its last task

    command = (
        "from django.core.management import call_command\ncall_command('check_sources', '--all', '--enqueue')"
    )
    assert "Made 10 source(s) due. Dispatched 10 check(s) to the workers." in django_run(
        command, subprocess_env
    )
    wait_for(lambda: SourceCheck.objects.count() == 20, 60, "the rechecks")
    # Still connected after them (Celery's fixup would have closed it after each task). The
    # benchmark counts the sessions opened per round (pg_stat_database.sessions).
    assert worker_sessions()
    assert len(server.log) == 20
    assert not Source.objects.filter(queued_at__isnull=False).exists()


def test_a_page_over_the_extraction_bounds_is_recorded_by_the_worker_inside_its_soft_limit(
    subprocess_env, private_redis, start_worker, server
):
    # Issue 12: trafilatura on this page takes many seconds; the worker's extraction child is
    # killed at the 2 s bound and the check records its own outcome, long before the soft limit.
    server.expect_request("/huge").respond_with_data(
        news_page([f"Paragraph {i}." for i in range(60_000)]), content_type="text/html"
    )
    (source,) = Source.objects.bulk_create(
        [Source(url=server.url_for("/huge"))]
    )  # no signal: dispatched below
    worker = start_worker(
        SOURCE_FETCH_ALLOWED_PORTS=str(server.port),
        SOURCE_EXTRACT_TIMEOUT="2",
        SOURCE_EXTRACT_IN_PROCESS_BYTES="0",
        SOURCE_EXTRACT_LINEAR_HTML_BYTES=str(10**9),
    )
    started = time.monotonic()
    django_run(
        "from sources.monitor import dispatch_due_checks\nprint(dispatch_due_checks())", subprocess_env
    )
    wait_for(lambda: SourceCheck.objects.filter(source=source).exists(), 60, "the check")
    elapsed = time.monotonic() - started
    check = SourceCheck.objects.get(source=source)
    assert (check.outcome, check.error) == (
        Outcome.EXTRACTION_LIMIT,
        "extracting the text took longer than 2 s",
    )
    assert elapsed < 15  # the soft limit here is 20 + 2 + 20 s
    assert "SoftTimeLimitExceeded" not in worker.output()
    source.refresh_from_db()
    assert (source.health, source.queued_at, source.check_started_at) == (Health.FAILING, None, None)
