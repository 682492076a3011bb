"""Check sources now, in this process, with a progress bar and a summary; or, with --enqueue,
through the production path (dispatcher, broker, workers)."""

from collections import Counter
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from tqdm import tqdm

from sources import monitor
from sources.models import Source
from sources.politeness import HostBusy

CHUNK = 200


class Command(BaseCommand):
    help = "Check sources synchronously: the due ones (default), all of them, or one by id."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--due", action="store_true", help="Sources whose check is due (default).")
        which.add_argument("--all", action="store_true", help="Every source.")
        which.add_argument("--id", type=int, action="append", metavar="N", help="This source (repeatable).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Do not check here: make the sources due and hand them to the dispatcher and the workers.",
        )

    def handle(self, *args, **options) -> None:
        if options["enqueue"]:
            self._enqueue(options)
            return
        if options["id"]:
            missing = set(options["id"]) - set(
                Source.objects.filter(pk__in=options["id"]).values_list("pk", flat=True)
            )
            if missing:
                raise CommandError(f"No source with id {', '.join(map(str, sorted(missing)))}.")
            total, ids = len(options["id"]), iter(options["id"])
        elif options["all"]:
            total, ids = Source.objects.count(), self._all_ids()
        else:
            total, ids = monitor.due_sources(timezone.now()).count(), self._claim_due()
        outcomes: Counter[str] = Counter()
        busy = 0
        bar = tqdm(total=total, unit="source", disable=options["no_progress"])
        for source_id in ids:
            try:
                check = monitor.check_source(source_id, force=True, politeness_wait=60)
            except HostBusy:
                busy += 1
            else:
                if check is not None:
                    outcomes[check.get_outcome_display()] += 1
            bar.update(1)
        bar.close()
        checked = sum(outcomes.values())
        parts = ", ".join(f"{count} {label.lower()}" for label, count in outcomes.most_common())
        self.stdout.write(f"Checked {checked} source(s)" + (f": {parts}." if parts else "."))
        if busy:
            self.stdout.write(
                f"{busy} skipped: their host stayed busy (politeness limit); they are retried after the lease."
            )
        health = Source.objects.order_by("health").values_list("health").annotate(n=Count("pk"))
        self.stdout.write("Health now: " + ", ".join(f"{h} {n}" for h, n in health))

    def _enqueue(self, options: dict) -> None:
        """Recheck through the workers, as changedetection.io's recheck_all does: the sources become
        due now and the dispatcher sends them (the rest on its next runs if the queue is full)."""
        if options["id"]:
            missing = set(options["id"]) - set(
                Source.objects.filter(pk__in=options["id"]).values_list("pk", flat=True)
            )
            if missing:
                raise CommandError(f"No source with id {', '.join(map(str, sorted(missing)))}.")
            count = monitor.request_checks(options["id"])
            self.stdout.write(f"Queued {count} source(s).")
            return
        made_due = monitor.make_all_due() if options["all"] else 0
        dispatched = monitor.dispatch_due_checks()
        waiting = monitor.due_sources(timezone.now()).count()
        self.stdout.write(
            (f"Made {made_due} source(s) due. " if options["all"] else "")
            + f"Dispatched {dispatched} check(s) to the workers"
            + (f"; {waiting} more are sent as the fetch queue drains (every minute)." if waiting else ".")
        )

    def _all_ids(self) -> Iterator[int]:
        return Source.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)

    def _claim_due(self) -> Iterator[int]:
        """Claim due sources as the dispatcher does, so a running dispatcher never doubles them."""
        now = timezone.now()
        while True:
            with transaction.atomic():
                ids = monitor.claim_due_sources(limit=CHUNK, now=now)
            if not ids:
                return
            yield from ids
