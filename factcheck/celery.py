"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
# The embedded default broker (SQLite); registered by name so that Redis deployments never
# import SQLAlchemy.
TRANSPORT_ALIASES["factcheck-sqlite"] = "factcheck.broker:Transport"

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def create_broker_folder(sender: Celery, **kwargs) -> None:
    """The embedded SQLite broker needs its folder before the first connection.

    Done once the configuration is loaded, not at import: reading `app.conf` while the
    `factcheck` package is imported would load the settings from inside their own import and
    bury a settings error (a missing SECRET_KEY) under "Models aren't loaded yet".
    """
    url = sender.conf.broker_url or ""
    if url.startswith("factcheck-sqlite+sqlite:///"):
        Path(url.removeprefix("factcheck-sqlite+sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender: Task | None = None, **kwargs) -> None:
    """Between tasks, what Django does between requests: keep the connection until CONN_MAX_AGE,
    drop it if it failed. (Celery's fixup would close it every time; see CELERY_DB_REUSE_MAX.)"""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
