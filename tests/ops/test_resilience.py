"""Resilience of the running stack: a Redis outage, a PostgreSQL restart, a worker killed mid-check.

Servers that get stopped are private instances on free loopback ports (tests/ops/conftest.py);
the shared PostgreSQL and Redis are never touched. Run alone with `pytest -m resilience`.
"""

import os
import re
import signal
import subprocess
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from sources.models import Health, Source, SourceCheck
from tests.factories import UserFactory
from tests.ops import stack
from tests.servers import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.resilience]

PASSWORD = "correct horse battery staple"


def start_stack(env: dict[str, str], folder, *names: str) -> stack.Stack:
    running = stack.Stack(env, folder)
    commands = {"web": stack.WEB_COMMAND, "worker": stack.WORKER_COMMAND, "beat": stack.BEAT_COMMAND}
    for name in names:
        running.start(name, commands[name])
    return running


def dispatch_every_two_seconds() -> None:
    """The dispatcher's beat entry (normally every minute), made quick enough for a test."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name="dispatch due source checks",
        defaults={"task": "sources.tasks.dispatch_due_checks", "interval": every, "enabled": True},
    )


def test_a_redis_outage_keeps_admin_and_api_serving_and_checks_resume(
    tmp_path, httpserver, private_redis, transactional_db
):
    httpserver.expect_request("/bucha").respond_with_data(stack.ARTICLE, content_type="text/html")
    UserFactory(username="editor", is_superuser=True)
    published = stack.claim_citing(Source.objects.create(url=f"http://127.0.0.1:{httpserver.port}/intro"))
    dispatch_every_two_seconds()
    env = stack.stack_env(tmp_path, httpserver, REDIS_URL=private_redis.url)
    running = start_stack(env, tmp_path, "web", "worker", "beat")
    try:
        running.wait_healthy()

        private_redis.stop()
        wait_for(lambda: running.get("/healthz")[0] == 503, 10, "/healthz to report the broker down")

        started = time.monotonic()
        status, _, _ = running.get(f"/api/v1/claims/{published.pk}/")
        assert status == 200
        assert time.monotonic() - started < 3  # the cache fails fast, it does not hang requests

        editor = stack.Browser(running)
        editor.login("editor", PASSWORD)
        url = f"http://127.0.0.1:{httpserver.port}/bucha"
        status, _, page = editor.submit("/admin/sources/source/add/", url=url, title="Bucha")
        assert status == 302, (
            re.findall(r'<ul class="errorlist[^>]*>.*?</ul>', page, re.S)
            or [e["exc_info"].splitlines()[-1] for e in running.json_lines("web") if "exc_info" in e][-1:]
        )
        saved = Source.objects.get(url=url)
        # Nothing lost: the check could not be sent, so the source was released, still due.
        assert saved.health == Health.UNCHECKED
        assert saved.queued_at is None and saved.next_check_at <= timezone.now()

        private_redis.start()  # empty: whatever was in the broker is gone, as after a real crash
        running.wait_healthy(timeout=30)
        # No help from the test: the dispatcher hands the due source out again by itself.

        wait_for(
            lambda: Source.objects.get(pk=saved.pk).health == Health.OK, 40, "the check after Redis returned"
        )
        assert SourceCheck.objects.filter(source=saved).count() == 1
    finally:
        running.stop_all()


@pytest.fixture
def private_database(private_postgres):
    """The test database's schema, loaded into a private PostgreSQL that the test may restart."""
    db = connection.settings_dict
    schema = subprocess.run(
        [
            "pg_dump",
            "--schema-only",
            "--no-owner",
            "-h",
            db["HOST"],
            "-p",
            str(db["PORT"]),
            "-U",
            db["USER"],
            db["NAME"],
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    with psycopg.connect(private_postgres.url("postgres"), autocommit=True) as admin:
        admin.execute("CREATE DATABASE factcheck")
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", private_postgres.url("factcheck")],
        input=schema,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return private_postgres


def health_of(url: str, source_url: str) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT health FROM sources_source WHERE url = %s", (source_url,)).fetchone()
    return row[0] if row else None


def test_workers_and_web_reconnect_after_a_postgresql_restart(tmp_path, httpserver, private_database, db):
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    httpserver.expect_request("/before").respond_with_data(stack.ARTICLE, content_type="text/html")
    httpserver.expect_request("/after").respond_with_data(stack.ARTICLE, content_type="text/html")
    database_url = private_database.url("factcheck")
    env = stack.stack_env(tmp_path, httpserver, DATABASE_URL=database_url)
    running = start_stack(env, tmp_path, "web", "worker")
    create = "from sources.models import Source\nSource.objects.create(url={!r})"
    try:
        running.wait_healthy()
        before = f"http://127.0.0.1:{httpserver.port}/before"
        assert (
            running.run(
                ["python", "-c", "import django\ndjango.setup()\n" + create.format(before)]
            ).returncode
            == 0
        )
        wait_for(lambda: health_of(database_url, before) == "ok", 20, "the first check")

        private_database.stop()
        assert running.get("/healthz")[0] == 503
        private_database.start()

        assert running.get("/healthz")[0] == 200  # the very first request after the restart
        after = f"http://127.0.0.1:{httpserver.port}/after"
        assert (
            running.run(["python", "-c", "import django\ndjango.setup()\n" + create.format(after)]).returncode
            == 0
        )
        wait_for(lambda: health_of(database_url, after) == "ok", 30, "a check after the restart")
    finally:
        running.stop_all()


def test_a_check_whose_worker_process_is_killed_is_redone(tmp_path, httpserver, transactional_db):
    import redis
    from django.conf import settings
    from werkzeug import Response

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    arrived, release = threading.Event(), threading.Event()
    requests = []

    def slow_first_answer(request):
        requests.append(time.monotonic())
        if len(requests) == 1:
            arrived.set()
            release.wait(20)  # the worker is killed while it waits for this answer
        return Response(stack.ARTICLE, content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow_first_answer)
    env = stack.stack_env(tmp_path, httpserver, CELERY_WORKER_CONCURRENCY="1")
    running = start_stack(env, tmp_path, "worker")
    try:
        source = Source.objects.create(url=f"http://127.0.0.1:{httpserver.port}/slow")
        assert arrived.wait(20), "the worker never started the check"

        main = running.processes["worker"].pid
        [child] = subprocess.run(["pgrep", "-P", str(main)], capture_output=True, text=True).stdout.split()
        os.kill(int(child), signal.SIGKILL)
        release.set()

        wait_for(lambda: Source.objects.get(pk=source.pk).health == Health.OK, 30, "the redone check")
        assert len(requests) == 2
        assert SourceCheck.objects.filter(source=source).count() == 1
        assert "WorkerLostError" in running.log("worker")
    finally:
        release.set()
        running.stop_all()
