"""ClaimReview import throughput and peak memory on 100,000 distinct records from the Google feed.

The records are the 1,166 items of `../shared/realdata/converted/google-factcheck-api_ukraine-war
.claimreview.json` (77 publishers, 30+ languages, real rating words), repeated with the review
URL and the claim text varied per copy (`?copy=N`, ` [N]`), so identity-based idempotency
cannot skip any of them. They are written as one DataFeed file (the Data Commons shape), then
imported by `manage.py import_claimreview` in a child process, exactly as operators run it:

  first     an empty table: every record parsed, rated, looked up and inserted
  again     the same file: every record parsed, looked up and found unchanged

Peak memory is the child's own maximum resident set size (wait4). Next to it, in the same run,
a baseline on the same machine and database: the same rows inserted by bare `bulk_create` in
batches of 500, with no parsing, so the ratio says what the importer adds on a noisy machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/factcheck_w11 \\
        .venv/bin/python bench/import_claimreview.py --records 100000

It deletes every ExternalReview in that database first: point it at a scratch database.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FEED = next(
    (
        base / "shared" / "realdata" / "converted" / "google-factcheck-api_ukraine-war.claimreview.json"
        for base in (ROOT.parent, ROOT.parent.parent)  # a checkout, or a worktree under wt/
        if (base / "shared" / "realdata").exists()
    ),
    ROOT.parent / "shared" / "realdata" / "converted" / "google-factcheck-api_ukraine-war.claimreview.json",
)
sys.path.insert(0, str(ROOT))


def write_feed(path: Path, records: int) -> int:
    """Write `records` distinct reviews as a DataFeed, streaming; returns the file size."""
    items = [item for element in json.loads(FEED.read_text())["dataFeedElement"] for item in element["item"]]
    with path.open("w", encoding="utf-8") as out:
        out.write('{"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": [\n')
        for n in range(records):
            item = dict(items[n % len(items)])
            copy = n // len(items)
            item["url"] = f"{item['url']}{'&' if '?' in item['url'] else '?'}copy={copy}"
            item["claimReviewed"] = f"{item.get('claimReviewed', '')} [{n}]"
            element = {"@type": "DataFeedItem", "item": [item]}
            out.write(("," if n else "") + json.dumps(element, ensure_ascii=False) + "\n")
        out.write("]}\n")
    return path.stat().st_size


def import_once(path: Path, log: Path) -> tuple[float, float, str]:
    """Run the command in a child process: (seconds, its own peak RSS in MB, its summary line)."""
    started = time.perf_counter()
    with log.open("w") as out:
        child = subprocess.Popen(
            [sys.executable, "manage.py", "import_claimreview", str(path), "--no-progress"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        sys.exit(f"import failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024, log.read_text().strip().splitlines()[-1]


def baseline(records: int) -> float:
    """Bare bulk_create of the same number of rows: the database's share of the work."""
    import django

    django.setup()
    from claims.models import ExternalReview

    ExternalReview.objects.all().delete()
    started = time.perf_counter()
    batch = []
    for n in range(records):
        batch.append(
            ExternalReview(
                identity=f"{n:064d}",
                url=f"https://example.org/review/{n}",
                author_name="Publisher",
                rating_text="False",
                rating="false",
                language="en",
                claim_text=f"Claim {n}",
            )
        )
        if len(batch) == 500:
            ExternalReview.objects.bulk_create(batch)
            batch = []
    ExternalReview.objects.bulk_create(batch)
    elapsed = time.perf_counter() - started
    ExternalReview.objects.all().delete()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    if not FEED.exists():
        sys.exit(f"{FEED} is missing: this benchmark reads the real Google feed (see ../shared/realdata).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")  # DEBUG stays off, as in production
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.json"
        size = write_feed(path, args.records)
        base = baseline(args.records)
        log = Path(folder) / "summary.txt"
        first, first_rss, first_summary = import_once(path, log)
        again, again_rss, again_summary = import_once(path, log)
    load = os.getloadavg()
    print(f"{args.records:,} records, {size / 1e6:.1f} MB DataFeed; load average {load[0]:.1f} {load[1]:.1f}")
    print(f"baseline bulk_create:  {base:6.1f} s  {args.records / base:8,.0f} rows/s")
    print(
        f"import (empty table):  {first:6.1f} s  {args.records / first:8,.0f} records/s  peak {first_rss:.0f} MB"
    )
    print(f"    {first_summary}")
    print(
        f"import again:          {again:6.1f} s  {args.records / again:8,.0f} records/s  peak {again_rss:.0f} MB"
    )
    print(f"    {again_summary}")
    print(f"importer / baseline time: {first / base:.1f}x (first), {again / base:.1f}x (again)")


if __name__ == "__main__":
    main()
