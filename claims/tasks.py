"""Celery tasks of the claims app: thin wrappers around claims/alerts.py."""

from celery import shared_task

from claims import alerts


@shared_task(
    acks_late=True, reject_on_worker_lost=True, ignore_result=True, soft_time_limit=120, time_limit=150
)
def send_attention_digest() -> int:
    """Run by beat every hour: sends this period's digest once, and only if something happened."""
    digest = alerts.send_digest()
    return digest.items if digest else 0
