import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import claimreview


class Command(BaseCommand):
    help = (
        "Import ClaimReview JSON-LD from other fact-checkers (one object, an array, @graph or a "
        "DataFeed). Safe to run again. Records that cannot be used are listed with the reason; "
        "the exit code is non-zero only when the file itself cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A JSON-LD file, or - for standard input.")

    def handle(self, *args, path: Path, **options):
        try:
            text = self.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        if not isinstance(data, dict | list):
            raise CommandError(
                f"Cannot read {path}: expected a JSON object or array, not {type(data).__name__}."
            )
        report = claimreview.import_claim_reviews(data)
        for label in report.created:
            self.stdout.write(f"created {label}")
        for label in report.updated:
            self.stdout.write(f"updated {label}")
        for path_, reason in report.warnings:
            self.stderr.write(f"warning {path_}: {reason}")
        for path_, reason in report.skipped:
            self.stderr.write(self.style.WARNING(f"skipped {path_}: {reason}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped."
            )
        )
