"""Operations tasks and the one-JSON-line-per-task log (imported by workers via CELERY_IMPORTS)."""

import logging
import time

from celery import shared_task
from celery.signals import setup_logging, task_postrun, task_prerun

from factcheck.health import HEARTBEAT_TASK, record_sources_status, record_worker_heartbeat
from factcheck.middleware import task_id_var

logger = logging.getLogger("factcheck.task")

_started: dict[str, tuple[float, object]] = {}


@shared_task(name=HEARTBEAT_TASK, ignore_result=True)
def heartbeat() -> None:
    """Sent by beat every minute and run by any worker: /healthz shows when it last ran, and the
    admin banner reads the check queue's lag it records."""
    record_worker_heartbeat()
    record_sources_status()


@setup_logging.connect
def keep_django_logging(**kwargs: object) -> None:
    """Workers and beat keep Django's LOGGING (JSON lines on stdout at LOG_LEVEL).

    Celery imports this module (CELERY_IMPORTS) before it sets up logging; without a receiver
    it would lower the root logger to its own default level, WARNING, and drop the task lines.
    """


@task_prerun.connect
def _task_started(task_id: str, task: object, **kwargs: object) -> None:
    _started[task_id] = (time.perf_counter(), task_id_var.set(task_id))


@task_postrun.connect
def _task_finished(task_id: str, task: object, state: str | None = None, **kwargs: object) -> None:
    started, token = _started.pop(task_id, (None, None))
    logger.info(
        "task",
        extra={
            "task": getattr(task, "name", str(task)),
            "state": state,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        },
    )
    if token is not None:
        task_id_var.reset(token)
