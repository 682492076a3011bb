"""The compose stack without docker: the exact commands, against real PostgreSQL and Redis.

gunicorn, a Celery worker and Celery beat run as docker/compose.yaml runs them (the commands
come from tests/ops/stack.py, which test_compose.py holds the compose file to). A source
created through the ORM and pointing at a local HTTP server is checked by the worker, and the
claim citing it is served by gunicorn with the source's new health.
"""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from factcheck.health import HEARTBEAT_TASK
from sources.models import Health, Snapshot, Source, SourceCheck
from tests.ops import stack
from tests.servers import wait_for

pytestmark = pytest.mark.slow


def heartbeat_overdue() -> None:
    """Make beat's heartbeat entry due at once (it would first fire a minute after start)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name="heartbeat",
        defaults={
            "task": HEARTBEAT_TASK,
            "interval": every_minute,
            "last_run_at": timezone.now() - timedelta(minutes=5),
        },
    )


@pytest.fixture
def running_stack(tmp_path, httpserver, transactional_db):
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # this run's Redis DB: no leftover messages
    env = stack.stack_env(tmp_path, httpserver)
    running = stack.Stack(env, tmp_path)
    for command in (stack.MIGRATE_COMMAND, stack.COLLECTSTATIC_COMMAND):
        result = running.run(command)
        assert result.returncode == 0, result.stderr
    running.start("web", stack.WEB_COMMAND)
    running.start("worker", stack.WORKER_COMMAND)
    heartbeat_overdue()
    running.start("beat", stack.BEAT_COMMAND)
    yield running
    running.stop_all()


def test_the_compose_stack_checks_a_source_and_serves_its_claim(running_stack, httpserver):
    httpserver.expect_request("/istanbul").respond_with_data(stack.ARTICLE, content_type="text/html")
    health = running_stack.wait_healthy()
    assert health["checks"] == {"default": "ok", "broker": "ok"}

    # Through the ORM, as an import or the admin would: the new source is checked on commit.
    source = Source.objects.create(url=f"http://127.0.0.1:{httpserver.port}/istanbul", title="Istanbul")
    claim = stack.claim_citing(source)

    wait_for(lambda: Source.objects.get(pk=source.pk).health != Health.UNCHECKED, 30, "the worker's check")
    source.refresh_from_db()
    assert source.health == Health.OK, source.last_error
    assert SourceCheck.objects.get(source=source).outcome == "ok"
    snapshot = Snapshot.objects.get(source=source)
    assert snapshot.title == "Talks in Istanbul"
    assert (Path(running_stack.env["MEDIA_ROOT"]) / snapshot.body.name).stat().st_size > 0

    status, _, body = running_stack.get(f"/api/v1/claims/{claim.pk}/")
    assert status == 200
    detail = json.loads(body)
    assert detail["id"] == claim.pk
    cited = {c["source"]["url"]: c["source"]["health"] for c in detail["appearances"] + detail["evidence"]}
    assert cited[source.url] == "ok"

    # Beat sent the heartbeat at start (it was due), a worker ran it: /healthz shows both.
    health = wait_for(
        lambda: (
            (h := running_stack.wait_healthy())["worker"]["stale"] is False
            and h["beat"]["stale"] is False
            and h
        ),
        30,
        "worker and beat heartbeats",
        interval=0.5,
    )
    assert health["sources"]["overdue"] == 0
    assert health["status"] == "ok"

    # One JSON line per task, with its id; Celery's own per-task lines are not doubled up.
    tasks = [line for line in running_stack.json_lines("worker") if line["logger"] == "factcheck.task"]
    checks = [line for line in tasks if line["task"] == "sources.tasks.check_sources"]
    assert [line["state"] for line in checks] == ["SUCCESS"]
    assert re.fullmatch(r"[0-9a-f-]{36}", checks[0]["task_id"])
    assert "factcheck.heartbeat" in {line["task"] for line in tasks}
    assert not [line for line in running_stack.json_lines("worker") if line["logger"] == "celery.app.trace"]

    # The container health probe, run exactly as the Dockerfile and compose run it.
    assert running_stack.run(stack.HEALTHCHECK_COMMAND, ALLOWED_HOSTS=stack.HOST).returncode == 0


def test_the_stack_serves_static_files_redirects_to_https_and_logs_json(running_stack, httpserver):
    running_stack.wait_healthy()

    status, headers, _ = running_stack.get("/static/admin/css/base.css", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"

    status, headers, _ = running_stack.get("/api/v1/claims/", proxy_https=False)
    assert status == 301
    assert headers["Location"] == f"https://{stack.HOST}/api/v1/claims/"
    status, headers, _ = running_stack.get("/api/v1/claims/")
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")

    status, headers, _ = running_stack.get("/api/v1/topics/", **{"X-Request-ID": "smoke-42"})
    assert headers["X-Request-ID"] == "smoke-42"
    line = wait_for(
        lambda: next(
            (entry for entry in running_stack.json_lines("web") if entry.get("request_id") == "smoke-42"),
            None,
        ),
        5,
        "the request's log line",
    )
    assert (line["logger"], line["path"], line["status"]) == ("factcheck.request", "/api/v1/topics/", 200)
    assert not [
        entry
        for entry in running_stack.log("web").splitlines()
        if not entry.startswith("{") and re.search(r'"GET /', entry)
    ]
