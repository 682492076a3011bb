"""One safe fetch of any URL, printed as one JSON object; nothing is written to the database."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sources.fetch import fetch
from sources.models import Outcome
from sources.monitor import next_health, read_answer


class Command(BaseCommand):
    help = (
        "Fetch URL through the safe fetcher and print one JSON object: url, final_url, status_code, "
        "health, content_hash, error. Exits 0 for every outcome, blocked included."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="An http(s) URL.")

    def handle(self, *args, url: str, **options) -> None:
        if not url.strip():
            raise CommandError("Give a URL to check.")
        result = fetch(url)
        content_hash = ""
        if result.outcome in (Outcome.OK, Outcome.REDIRECTED):
            # The same reading as a scheduled check: bounded, interstitials and undecodable
            # bodies are failures, not text.
            result, extraction = read_answer(result)
            content_hash = extraction.content_hash if extraction else ""
        # As if this were a source's first check.
        failures = 0 if result.succeeded or result.outcome == Outcome.BLOCKED else 1
        health = next_health(
            outcome=result.outcome,
            status_code=result.status_code,
            failures=failures,
            unreviewed_change=False,
            redirected=bool(result.redirects),
        )
        payload = {
            "url": url,
            "final_url": result.final_url or None,
            "status_code": result.status_code,
            "health": health.value,
            "content_hash": content_hash or None,
            "error": result.error or None,
        }
        self.stdout.write(json.dumps(payload))
