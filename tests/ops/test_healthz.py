"""/healthz: 200 with the database and broker up, 503 when either is down, never a secret."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from factcheck.celery import app as celery_app
from factcheck.health import HEARTBEAT_INTERVAL, HEARTBEAT_TASK
from factcheck.tasks import heartbeat
from tests.ops.conftest import production_env
from tests.servers import django_eval, free_port


@pytest.mark.django_db
def test_healthz_is_200_with_database_and_broker_up(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"default": "ok", "broker": "ok"}
    # Nothing has run yet: operators see it rather than a green light.
    assert body["worker"] == {"last_seen": None, "stale": True}
    assert body["beat"] == {"last_seen": None, "stale": True}
    assert body["sources"] == {"overdue": 0}


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

    assert client.get("/healthz").json()["sources"] == {"overdue": 1}


@pytest.mark.django_db
def test_a_heartbeat_older_than_three_intervals_is_stale(client):
    from factcheck.health import record_worker_heartbeat

    record_worker_heartbeat(at=timezone.now() - timedelta(minutes=4))

    body = client.get("/healthz").json()

    assert body["status"] == "ok"
    assert body["worker"]["stale"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_goes_down(client, private_redis, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", private_redis.url)
    assert client.get("/healthz").status_code == 200

    private_redis.stop()
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
