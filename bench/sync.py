"""What the change feed costs: its triggers on writes, and a `since` page next to `updated_since`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/factcheck_sync_bench \\
    REDIS_URL=redis://127.0.0.1:6379/9 SECRET_KEY=bench \\
    .venv/bin/python bench/sync.py [--claims 5000] [--rounds 5]

The database is created if missing, migrated and filled with published claims. Each
measurement is paired with its baseline in the same run, alternating rounds (the machine is
shared and noisy): the ratio is the figure to read, not the absolute times.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
os.environ.setdefault("API_THROTTLE_RATE", "100000000/min")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import django  # noqa: E402


def setup_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(count: int) -> None:
    from claims.models import Citation, Claim, Claimant, Status, Verdict
    from sources.models import Source

    if Claim.objects.count() >= count:
        return
    now = datetime.datetime.now(datetime.UTC)
    claimant = Claimant.objects.create(kind="person", name="Bench", slug=f"bench-{time.time_ns()}")
    source = Source.objects.create(url=f"https://bench.example.org/{time.time_ns()}")
    claims = Claim.objects.bulk_create(
        Claim(
            statement=f"Bench claim {i}",
            claimant=claimant,
            claimed_on=datetime.date(2022, 4, 6),
            slug=f"bench-{time.time_ns()}-{i}",
            status=Status.PUBLISHED,
            published_at=now,
        )
        for i in range(count)
    )
    Verdict.objects.bulk_create(
        Verdict(claim=c, rating="false", headline="h", reasoning="r", published_at=now) for c in claims
    )
    # One source cited by 10 claims: a health change touches all ten.
    Citation.objects.bulk_create(Citation(claim=c, source=source, role="refutes") for c in claims[:10])


def timed(fn, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup_database()
    fill(args.claims)

    from django.db import connection
    from django.test import Client

    from claims import sync
    from claims.models import Claim
    from sources.models import Source

    ids = list(Claim.objects.values_list("pk", flat=True)[:200])
    source = Source.objects.filter(citations__isnull=False).first()
    cursor = connection.cursor()

    def update_claims() -> None:
        for pk in ids:
            cursor.execute("UPDATE claims_claim SET context = context WHERE id = %s", [pk])

    health = iter(["broken", "ok"] * 100000)

    def flip_source() -> None:
        cursor.execute("UPDATE sources_source SET health = %s WHERE id = %s", [next(health), source.pk])

    def triggers(enabled: bool) -> None:
        verb = "ENABLE" if enabled else "DISABLE"
        cursor.execute(f"ALTER TABLE claims_claim {verb} TRIGGER claims_claim_change_xid")
        cursor.execute(f"ALTER TABLE sources_source {verb} TRIGGER claims_source_touch_claims")

    client = Client(HTTP_HOST="localhost")

    def page(params: dict) -> None:
        response = client.get("/api/v1/claims/", params)
        assert response.status_code == 200 and len(response.json()["results"]) == 100, response.status_code

    since = sync.current_token()
    update_claims()  # recent changes for both feeds to return
    updated_since = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=30)).isoformat()

    results: dict[str, list[float]] = {
        k: [] for k in ("upd_on", "upd_off", "src_on", "src_off", "feed", "ts")
    }
    for _ in range(args.rounds):
        triggers(False)
        results["upd_off"].append(timed(update_claims, 1) / len(ids))
        results["src_off"].append(timed(flip_source, 50))
        triggers(True)
        results["upd_on"].append(timed(update_claims, 1) / len(ids))
        results["src_on"].append(timed(flip_source, 50))
        results["feed"].append(timed(lambda: page({"since": since, "page_size": 100}), 20))
        results["ts"].append(
            timed(
                lambda: client.get("/api/v1/claims/", {"updated_since": updated_since, "page_size": 100}), 20
            )
        )
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"## Change feed ({args.claims} published claims, {args.rounds} alternating rounds, medians)\n")
    print("| measurement | with the feed | baseline | ratio |")
    print("| --- | --- | --- | --- |")
    print(
        f"| claim row UPDATE (stamp trigger) | {med['upd_on']:.3f} ms | {med['upd_off']:.3f} ms (trigger off) "
        f"| {med['upd_on'] / med['upd_off']:.2f}× |"
    )
    print(
        f"| source health change, 10 citing claims | {med['src_on']:.3f} ms | {med['src_off']:.3f} ms "
        f"(trigger off) | {med['src_on'] / med['src_off']:.2f}× |"
    )
    print(
        f"| list page of 100, `since=<token>` vs `updated_since` | {med['feed']:.1f} ms | {med['ts']:.1f} ms "
        f"| {med['feed'] / med['ts']:.2f}× |"
    )


if __name__ == "__main__":
    main()
