"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def create_broker_folders(sender: Celery, **kwargs) -> None:
    """The filesystem broker (embedded default) needs its folders before the first message.

    Done once the configuration is loaded, not at import: reading `app.conf` while the
    `factcheck` package is imported would load the settings from inside their own import and
    bury a settings error (a missing SECRET_KEY) under "Models aren't loaded yet".
    """
    for folder in (sender.conf.broker_transport_options or {}).values():
        if isinstance(folder, str) and folder.startswith("/"):
            Path(folder).mkdir(parents=True, exist_ok=True)


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender: Task | None = None, **kwargs) -> None:
    """Between tasks, what Django does between requests: keep the connection until CONN_MAX_AGE,
    drop it if it failed. (Celery's fixup would close it every time; see CELERY_DB_REUSE_MAX.)"""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
