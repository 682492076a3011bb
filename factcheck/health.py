"""What /healthz reports: the database and the broker, plus the worker and beat heartbeats and
how late the oldest due source check is.

The database and the broker decide the HTTP status (a web process without either cannot serve
its job: 503). A stale worker or beat, or a due check left waiting longer than the monitor's
lease, is `"status": "degraded"` with 200: the web tier still serves, so the load balancer and
compose's healthcheck (which expect 200) keep it, while operators and the admin banner see that
nothing is being checked. Answers are fixed words and timestamps, never error messages, which may
quote hosts or credentials; the details go to the log.

The broker connection and the source queries are cached for HEALTH_CACHE in the shared
cache: /healthz is public, and a burst of probes must not become a burst of connections and scans.
"""

import logging
import os
import sys
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.db.models import Min, Q
from django.db.models.functions import Coalesce
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
# A due check not started within the monitor's lease (CHECK_LEASE) means workers are not keeping up.
LATE_AFTER = timedelta(minutes=15)
HEALTH_CACHE = timedelta(seconds=10)
SOURCES_STATUS_CACHE_KEY = "ops:sources-status"
BROKER_STATUS_CACHE_KEY = "ops:broker-status"
OK, DEGRADED, ERROR = "ok", "degraded", "error"


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


def oldest_due_check() -> datetime | None:
    """When the longest-waiting check fell due: the oldest queued one (enqueued, never finished)
    or, when none is queued, the oldest due one that no dispatch has claimed."""
    from sources.models import Source

    now = timezone.now()
    waiting = Source.objects.aggregate(
        queued=Min("queued_at"),
        unclaimed=Min(
            Coalesce("next_check_at", "created_at"),
            filter=Q(queued_at__isnull=True) & (Q(next_check_at__lte=now) | Q(next_check_at__isnull=True)),
        ),
    )
    return min((at for at in waiting.values() if at is not None), default=None)


def record_sources_status() -> dict[str, object]:
    """Overdue count (later than their own interval) and the oldest due check, with `late` when it
    has waited past the lease: the two numbers that say the workers cannot keep up. Kept in the
    cache for /healthz and the admin banner, which then read it without touching the database."""
    from sources.monitor import overdue_sources

    now = timezone.now()
    oldest = oldest_due_check()
    status = {
        "overdue": overdue_sources().count(),
        "oldest_due": oldest.isoformat() if oldest else None,
        "late": oldest is not None and now - oldest > LATE_AFTER,
        "as_of": now.isoformat(),
    }
    cache.set(SOURCES_STATUS_CACHE_KEY, status, timeout=None)
    return status


def sources_status() -> dict[str, object]:
    """The recorded status when younger than HEALTH_CACHE, else a fresh one."""
    status = cache.get(SOURCES_STATUS_CACHE_KEY)
    if status and timezone.now() - datetime.fromisoformat(status["as_of"]) <= HEALTH_CACHE:
        return status
    return record_sources_status()


def broker_status_cached() -> str:
    status = cache.get(BROKER_STATUS_CACHE_KEY)
    if status is None:
        status = broker_status()
        cache.set(BROKER_STATUS_CACHE_KEY, status, timeout=HEALTH_CACHE.total_seconds())
    return status


def health_report() -> tuple[bool, dict[str, object]]:
    """(healthy, report): healthy means every database and the broker answered; the report's
    status is "degraded" when they did but the worker, beat or the check queue lag behind."""
    checks = {alias: database_status(alias) for alias in settings.DATABASES}
    checks["broker"] = broker_status_cached()
    healthy = all(value == OK for value in checks.values())
    report: dict[str, object] = {"status": OK if healthy else ERROR, "checks": checks}
    if checks["default"] == OK:
        now = timezone.now()
        report["worker"] = _heartbeat(worker_last_seen() if checks["broker"] == OK else None, now)
        report["beat"] = _heartbeat(beat_last_run(), now)
        report["sources"] = sources_status()
        if healthy and degraded_reasons(report):
            report["status"] = DEGRADED
    return healthy, report


def degraded_reasons(report: dict[str, Any]) -> list[str]:
    """What an operator must fix, in words, from a report whose database and broker answered."""
    reasons = []
    if report["worker"]["stale"]:
        reasons.append("no Celery worker has run the heartbeat in the last few minutes")
    if report["beat"]["stale"]:
        reasons.append("Celery beat has not sent its heartbeat in the last few minutes")
    if report["sources"]["late"]:
        reasons.append(f"the oldest due source check has waited since {report['sources']['oldest_due']}")
    return reasons


def admin_warnings(request: HttpRequest) -> dict[str, object]:
    """Context processor: staff on admin pages see, as a banner, that checks are not running.

    Reads only the cache (the heartbeat and the status the heartbeat task or /healthz recorded),
    so an admin page costs no extra query and never touches a replica.
    """
    user = getattr(request, "user", None)
    if not request.path.startswith("/admin/") or user is None or not user.is_staff:
        return {}
    now = timezone.now()
    report = {
        "worker": _heartbeat(worker_last_seen(), now),
        "beat": {"stale": False},  # beat is seen through the worker's heartbeat: it sends it
        "sources": cache.get(SOURCES_STATUS_CACHE_KEY) or {"late": False},
    }
    return {"ops_warnings": degraded_reasons(report)}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """GET /healthz: 200 when the database and the broker answer (also when degraded), 503 otherwise."""
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
