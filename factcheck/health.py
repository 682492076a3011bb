"""What /healthz reports: the database and the broker, plus the worker and beat heartbeats.

The database and the broker decide the HTTP status (a web process without either cannot serve
its job); a stale worker or beat is reported, not failed, so a load balancer keeps the web tier
up while operators restart the workers. Answers are fixed words and timestamps, never error
messages, which may quote hosts or credentials; the details go to the log.
"""

import logging
import os
import sys
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "factcheck.heartbeat"
HEARTBEAT_INTERVAL = timedelta(seconds=60)
HEARTBEAT_CACHE_KEY = "ops:worker-heartbeat"
# Beat writes its last run to the database after each send (CELERY_BEAT_SYNC_EVERY = 1).
STALE_AFTER = 3 * HEARTBEAT_INTERVAL
OK, ERROR = "ok", "error"


def database_status(alias: str = "default") -> str:
    """OK when the database answers a trivial query on this process's connection."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("health: database %s unreachable", alias)
        return ERROR
    return OK


def broker_status() -> str:
    """OK when a fresh connection to the Celery broker opens at the first attempt."""
    from factcheck.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0, timeout=2)
    except Exception:  # kombu raises transport-specific errors; every one means "down"
        logger.exception("health: broker unreachable")
        return ERROR
    return OK


def record_worker_heartbeat(*, at: datetime | None = None) -> None:
    """Called by the heartbeat task on a worker: proves that beat, broker and a worker all run."""
    cache.set(HEARTBEAT_CACHE_KEY, (at or timezone.now()).isoformat(), timeout=None)


def worker_last_seen() -> datetime | None:
    value = cache.get(HEARTBEAT_CACHE_KEY)
    return datetime.fromisoformat(value) if value else None


def beat_last_run() -> datetime | None:
    """When beat last sent the heartbeat (django-celery-beat keeps it; also shown in the admin)."""
    from django_celery_beat.models import PeriodicTask

    return (
        PeriodicTask.objects.filter(task=HEARTBEAT_TASK, enabled=True)
        .order_by("-last_run_at")
        .values_list("last_run_at", flat=True)
        .first()
    )


def _heartbeat(at: datetime | None, now: datetime) -> dict[str, object]:
    return {"last_seen": at.isoformat() if at else None, "stale": at is None or now - at > STALE_AFTER}


def overdue_sources_count() -> int:
    """Sources later than their own interval: a growing number means workers cannot keep up."""
    from sources.monitor import overdue_sources

    return overdue_sources().count()


def health_report() -> tuple[bool, dict[str, object]]:
    """(healthy, report) where healthy means every database and the broker answered."""
    checks = {alias: database_status(alias) for alias in settings.DATABASES}
    checks["broker"] = broker_status()
    healthy = all(value == OK for value in checks.values())
    report: dict[str, object] = {"status": OK if healthy else ERROR, "checks": checks}
    if checks["default"] == OK:
        now = timezone.now()
        report["worker"] = _heartbeat(worker_last_seen() if checks["broker"] == OK else None, now)
        report["beat"] = _heartbeat(beat_last_run(), now)
        report["sources"] = {"overdue": overdue_sources_count()}
    return healthy, report


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """GET /healthz: 200 when the database and the broker answer, 503 otherwise."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def probe(port: int | None = None) -> int:
    """Exit status for container health checks: 0 when this host's /healthz answers 200.

    Sends a Host header from ALLOWED_HOSTS so the probe passes Django's host validation.
    """
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
    if host in ("", "*"):
        host = "localhost"
    port = port or int(os.environ.get("PORT", "8000"))
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed loopback URL)
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(probe())
