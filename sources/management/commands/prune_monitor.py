"""Show the retention policy for checks and snapshots, and apply it with --apply."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sources import retention


class Command(BaseCommand):
    help = (
        "Show what the retention policy would remove (routine checks older than "
        "SOURCE_CHECK_RETENTION_DAYS thinned to one per source per day; snapshots older than "
        "SOURCE_SNAPSHOT_RETENTION_DAYS that nobody saw or cites); --apply removes it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="Delete; without it nothing changes.")

    def handle(self, *args, apply: bool, **options) -> None:
        plan = retention.plan()
        self.stdout.write(
            f"Checks: keep every change and the first check of each source per day after "
            f"{settings.SOURCE_CHECK_RETENTION_DAYS} days ({plan.check_cutoff:%Y-%m-%d}); "
            f"{plan.checks} of {plan.checks_total} would go."
        )
        self.stdout.write(
            f"Snapshots: keep the first and latest of each source, every one an editor opened or a "
            f"citation points to; others older than {settings.SOURCE_SNAPSHOT_RETENTION_DAYS} days "
            f"({plan.snapshot_cutoff:%Y-%m-%d}): {plan.snapshots} of {plan.snapshots_total} would go."
        )
        if not apply:
            self.stdout.write("Nothing deleted (run with --apply to apply the policy).")
            return
        checks, snapshots = retention.apply()
        self.stdout.write(f"Deleted {checks} check(s) and {snapshots} snapshot(s).")
