import json
from pathlib import Path

from django.core.management.base import BaseCommand

from claims import claimreview, selectors


class Command(BaseCommand):
    help = "Write every published fact-check as one schema.org ClaimReview DataFeed (JSON-LD)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, help="File to write; standard output if omitted.")

    def handle(self, *args, output: Path | None, **options):
        claims = (
            selectors.public_claim_detail()
            .filter(pk__in=selectors.published_claims())
            .order_by("published_at", "id")
        )
        feed = claimreview.claim_review_feed(claims)
        text = json.dumps(feed, ensure_ascii=False, indent=2)
        if output is None:
            self.stdout.write(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {len(feed['dataFeedElement'])} reviews to {output}.")
