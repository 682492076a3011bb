"""/healthz: 200 with the database and broker up, 503 when either is down, never a secret."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from factcheck.celery import app as celery_app
from factcheck.health import BROKER_STATUS_CACHE_KEY, HEARTBEAT_INTERVAL, HEARTBEAT_TASK
from factcheck.tasks import heartbeat
from tests.ops.conftest import production_env
from tests.servers import django_eval, free_port


@pytest.mark.django_db
def test_healthz_is_200_with_database_and_broker_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    # Nothing has run yet: operators see it rather than a green light, the web tier stays up.
    assert body["status"] == "degraded"
    assert body["checks"] == {"default": "ok", "broker": "ok"}
    assert body["worker"] == {"last_seen": None, "stale": True}
    assert body["beat"] == {"last_seen": None, "stale": True}
    assert {k: body["sources"][k] for k in ("overdue", "oldest_due", "late")} == {
        "overdue": 0,
        "oldest_due": None,
        "late": False,
    }


@pytest.mark.django_db
def test_healthz_shows_the_worker_heartbeat_and_beats_last_run(client):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_minute = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    sent = timezone.now() - timedelta(seconds=30)
    PeriodicTask.objects.create(
        name="heartbeat", task=HEARTBEAT_TASK, interval=every_minute, last_run_at=sent
    )
    heartbeat.apply()

    body = client.get("/healthz").json()

    assert body["worker"]["stale"] is False
    assert timezone.now() - timezone.datetime.fromisoformat(body["worker"]["last_seen"]) < timedelta(
        seconds=5
    )
    assert body["beat"] == {"last_seen": sent.isoformat(), "stale": False}


@pytest.mark.django_db
def test_healthz_counts_overdue_sources(client):
    from tests.factories import SourceFactory

    SourceFactory(next_check_at=timezone.now() - timedelta(days=3), check_interval=timedelta(days=1))
    SourceFactory(next_check_at=timezone.now() + timedelta(hours=1))

    assert client.get("/healthz").json()["sources"]["overdue"] == 1


@pytest.mark.django_db
def test_a_heartbeat_older_than_three_intervals_is_stale(client):
    from factcheck.health import record_worker_heartbeat

    record_worker_heartbeat(at=timezone.now() - timedelta(minutes=4))

    body = client.get("/healthz").json()

    assert body["status"] == "degraded"
    assert body["worker"]["stale"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_goes_down(client, private_redis, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", private_redis.url)
    assert client.get("/healthz").status_code == 200

    private_redis.stop()
    cache.delete(BROKER_STATUS_CACHE_KEY)  # the broker's answer is cached for HEALTH_CACHE
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"default": "ok", "broker": "error"}
    assert str(private_redis.port) not in response.content.decode()


@pytest.mark.django_db
def test_healthz_accepts_only_safe_methods(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_is_503_without_database_and_broker_and_leaks_nothing():
    """A production process whose servers are gone: 503, fixed words, no URL, password or host."""
    db_port, redis_port = free_port(), free_port()
    env = production_env(
        DATABASE_URL=f"postgres://factcheck:db-pass-XYZZY@127.0.0.1:{db_port}/factcheck",
        REDIS_URL=f"redis://:redis-pass-PLUGH@127.0.0.1:{redis_port}/0",
    )
    code = """
import logging
logging.disable(logging.CRITICAL)
from django.test import Client
response = Client().get("/healthz", HTTP_HOST="factcheck.example.org")
print(json.dumps({"status": response.status_code, "body": response.content.decode()}))
"""
    result = django_eval(code, env)

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert json.loads(answer["body"]) == {
        "status": "error",
        "checks": {"default": "error", "broker": "error"},
    }
    for secret in ("db-pass-XYZZY", "redis-pass-PLUGH", str(db_port), str(redis_port), "127.0.0.1"):
        assert secret not in answer["body"]


def test_beat_sends_the_heartbeat_as_often_as_health_expects(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == HEARTBEAT_TASK
    assert entry["schedule"] == HEARTBEAT_INTERVAL.total_seconds()
    assert "factcheck.tasks" in settings.CELERY_IMPORTS  # where workers find the task


def everything_running() -> None:
    """Beat sent the heartbeat 30 s ago and a worker ran it."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_minute = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="heartbeat",
        task=HEARTBEAT_TASK,
        interval=every_minute,
        last_run_at=timezone.now() - timedelta(seconds=30),
    )
    heartbeat.apply()


@pytest.mark.django_db
def test_healthz_is_ok_when_worker_beat_and_queue_keep_up(client):
    from tests.factories import SourceFactory

    SourceFactory(next_check_at=timezone.now() - timedelta(minutes=2))  # due, the next dispatch takes it
    everything_running()

    response = client.get("/healthz")

    assert (response.status_code, response.json()["status"]) == (200, "ok")
    assert response.json()["sources"]["late"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["queued_at", "next_check_at"])
def test_a_check_waiting_past_the_lease_is_degraded_with_200(client, field):
    """Queued but never run (the worker lost its broker) or due but never claimed: both are late."""
    from tests.factories import SourceFactory

    everything_running()
    waiting_since = timezone.now() - timedelta(minutes=20)
    SourceFactory(**{field: waiting_since})
    cache.clear()  # the heartbeat recorded the queue before this source existed

    response = client.get("/healthz")

    assert response.status_code == 200  # what compose's healthcheck expects: the web tier serves
    body = response.json()
    assert body["status"] == "degraded"
    assert body["sources"]["late"] is True
    assert body["sources"]["oldest_due"] == waiting_since.isoformat()


@pytest.mark.django_db
def test_the_expensive_parts_are_cached_between_probes(client):
    everything_running()
    client.get("/healthz")

    with CaptureQueriesContext(connection) as queries:
        body = client.get("/healthz").json()

    assert body["status"] == "ok"
    assert not [q for q in queries.captured_queries if "sources_source" in q["sql"]]
    assert cache.get(BROKER_STATUS_CACHE_KEY) == "ok"


@pytest.mark.django_db
def test_staff_see_a_banner_when_checks_are_not_running(client, editor):
    from tests.factories import SourceFactory

    client.force_login(editor)
    page = client.get("/admin/").content.decode()
    assert 'id="ops-warnings"' in page
    assert "no Celery worker has run the heartbeat" in page

    everything_running()
    assert 'id="ops-warnings"' not in client.get("/admin/").content.decode()

    SourceFactory(queued_at=timezone.now() - timedelta(hours=1))
    heartbeat.apply()  # the worker records the queue's lag every minute
    page = client.get("/admin/claims/claim/").content.decode()
    assert "the oldest due source check has waited since" in page


@pytest.mark.django_db
def test_the_banner_is_for_staff_on_admin_pages_only(client):
    assert 'id="ops-warnings"' not in client.get("/admin/login/").content.decode()
