"""Import other publishers' ClaimReviews as external reviews (never as our verdicts)."""

import contextlib
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims import importer


class Command(BaseCommand):
    help = (
        "Import other fact-checkers' ClaimReviews as external reviews: JSON-LD (one object, an "
        "array, @graph, a DataFeed), a Google Fact Check Tools claims:search response, or "
        "ClaimsKG CSV. Nothing is published. Safe to run again and to run concurrently. Records "
        "that cannot be used are counted by reason; the exit code is non-zero only when the "
        "input itself cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file, or - for standard input.")
        parser.add_argument("--format", choices=["auto", "json", "csv"], default="auto")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, path: str, format: str, no_progress: bool, verbosity: int, **options):
        bar = tqdm(unit="record", disable=no_progress, file=self.stderr._out, mininterval=0.5)
        report = None
        try:
            with contextlib.ExitStack() as stack:
                try:
                    stream = sys.stdin.buffer if path == "-" else stack.enter_context(Path(path).open("rb"))
                except OSError as exc:
                    raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
                run = importer.Importer(progress=bar.update)
                try:
                    if format == "auto" and path.lower().endswith((".csv", ".tsv")):
                        format = "csv"
                    report = run.run(importer.read_input(stream, kind=format))
                except importer.InputError as exc:
                    report = run.report
                    raise CommandError(
                        f"Cannot read {path} further: {exc}. The {report.processed} records before "
                        "that point were handled as summarised; importing again is safe."
                    ) from exc
        finally:
            bar.close()
            if report is not None:
                self._summarise(report, verbosity)

    def _summarise(self, report: importer.ImportReport, verbosity: int) -> None:
        for title, counter in (
            ("skipped", report.skipped),
            ("warnings", report.warnings),
            ("ignored", report.ignored),
        ):
            for kind, count in counter.most_common():
                self.stderr.write(f"{title}: {count} × {kind}")
                for example in report.examples[kind][: 3 if verbosity > 1 else 1]:
                    self.stderr.write(f"    e.g. {example}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
