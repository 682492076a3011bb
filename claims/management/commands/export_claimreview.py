"""Write our published fact-checks as one ClaimReview DataFeed, streamed."""

import contextlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import claimreview, selectors


class Command(BaseCommand):
    help = (
        "Write every published fact-check as one schema.org ClaimReview DataFeed (JSON-LD), "
        "streamed: memory stays flat however many reviews there are. Other publishers' reviews "
        "are never exported as ours."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, help="File to write; standard output if omitted.")

    def handle(self, *args, output: Path | None, **options):
        claims = (
            selectors.public_claim_detail()
            .filter(pk__in=selectors.published_claims())
            .order_by("published_at", "id")
            .iterator(chunk_size=500)
        )
        pieces = 0
        with contextlib.ExitStack() as stack:
            try:
                out = stack.enter_context(output.open("w", encoding="utf-8")) if output else self.stdout
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror or exc}") from exc
            for piece in claimreview.claim_review_feed(claims):
                if output:
                    out.write(piece)
                else:
                    out.write(piece, ending="")
                pieces += 1
        if output is not None:
            self.stderr.write(f"Wrote {pieces - 2} reviews to {output}.")  # all but header and footer
