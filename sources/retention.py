"""Retention: checks and snapshots do not grow without limit, and nothing an editor relies on goes.

- Routine checks (no confirmed change) older than SOURCE_CHECK_RETENTION_DAYS are thinned to the
  first check of each source per day: the history keeps its daily shape and every change.
- Snapshots older than SOURCE_SNAPSHOT_RETENTION_DAYS are removed unless they are a source's
  first or latest, an editor opened them in a diff (`seen_at`), any row elsewhere points to them
  (a foreign key, found through the model's relations, so `sources` never imports `claims`), or a
  function listed in SOURCE_RETENTION_KEEP returns their id (claims lists the snapshot each
  citation was made against).

`plan()` only counts; `apply()` deletes in batches and removes the archived bodies from storage.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, Min, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone
from django.utils.module_loading import import_string

from sources.models import Snapshot, SourceCheck

BATCH = 1000


@dataclass(frozen=True)
class Plan:
    check_cutoff: datetime
    snapshot_cutoff: datetime
    checks: int
    snapshots: int
    checks_total: int
    snapshots_total: int


def routine_check_ids(cutoff: datetime) -> list[int]:
    """Checks to thin out: old, no change, not the first of their source's day."""
    ranked = (
        SourceCheck.objects.filter(checked_at__lt=cutoff)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("source_id"), TruncDate("checked_at")],
                order_by=[F("checked_at").asc(), F("id").asc()],
            )
        )
        .filter(rank__gt=1, changed=False)
    )
    return list(ranked.values_list("pk", flat=True))


def kept_snapshot_ids() -> set[int]:
    """Snapshots that other apps keep through SOURCE_RETENTION_KEEP."""
    ids: set[int] = set()
    for path in settings.SOURCE_RETENTION_KEEP:
        ids.update(import_string(path)())
    return ids


def removable_snapshots(cutoff: datetime) -> QuerySet[Snapshot]:
    """Old snapshots nobody relies on (see the module docstring)."""
    ends = Snapshot.objects.values("source_id").annotate(first=Min("id"), last=Max("id"))
    edge_ids = {v for row in ends for v in (row["first"], row["last"])}
    referenced = Q()
    for relation in Snapshot._meta.related_objects:
        if relation.many_to_many or relation.one_to_many:
            model = relation.related_model
            referenced |= Q(Exists(model._base_manager.filter(**{relation.field.name: OuterRef("pk")})))
    snapshots = Snapshot.objects.filter(taken_at__lt=cutoff, seen_at__isnull=True).exclude(
        pk__in=edge_ids | kept_snapshot_ids()
    )
    return snapshots.exclude(referenced) if referenced else snapshots


def plan(now: datetime | None = None) -> Plan:
    now = now or timezone.now()
    check_cutoff = now - timedelta(days=settings.SOURCE_CHECK_RETENTION_DAYS)
    snapshot_cutoff = now - timedelta(days=settings.SOURCE_SNAPSHOT_RETENTION_DAYS)
    return Plan(
        check_cutoff=check_cutoff,
        snapshot_cutoff=snapshot_cutoff,
        checks=len(routine_check_ids(check_cutoff)),
        snapshots=removable_snapshots(snapshot_cutoff).count(),
        checks_total=SourceCheck.objects.count(),
        snapshots_total=Snapshot.objects.count(),
    )


def apply(now: datetime | None = None) -> tuple[int, int]:
    """Delete what `plan()` counts; (checks, snapshots) deleted."""
    current = plan(now)
    checks = 0
    ids = routine_check_ids(current.check_cutoff)
    for start in range(0, len(ids), BATCH):
        checks += SourceCheck.objects.filter(pk__in=ids[start : start + BATCH]).delete()[0]
    snapshots = 0
    for snapshot in (
        removable_snapshots(current.snapshot_cutoff).only("pk", "body").iterator(chunk_size=BATCH)
    ):
        with transaction.atomic():
            body = snapshot.body.name
            snapshot.delete()
            if body:
                storage = snapshot.body.storage
                transaction.on_commit(lambda name=body, storage=storage: storage.delete(name))
        snapshots += 1
    return checks, snapshots
