"""Beat runs the dispatcher every minute: one periodic task, stored in the database (editable in the admin)."""

from django.db import migrations
from django.utils import timezone

TASK = "sources.tasks.dispatch_due_checks"
NAME = "Dispatch due source checks"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every_minute,
            "enabled": True,
            # A dispatch that waited longer than a minute is superseded by the next one.
            "expire_seconds": 55,
            "description": "Enqueues each source whose check is due, once (sources/monitor.py).",
        },
    )
    # Tell a running beat to reload its schedule (django-celery-beat's change marker).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0003_monitor_state"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
