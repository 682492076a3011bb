"""Import every real ClaimReview file into an empty database and check what the issue promises.

For each file under `../shared/realdata/converted/` and `verbatim/` (never copied into the
repository, so this is a script, not a test):

- `import_claimreview` exits 0 (nothing crashes), twice; the second run creates and updates
  nothing;
- every record with a claim text, a rating text and a URL is stored (checked against the file
  read independently with the json module: a row with that URL and that claim text exists), so
  none is lost to a shared article URL;
- no claim exists or is public afterwards (import alone never publishes);
- each record's `inLanguage` is stored exactly as given.

    .venv/bin/python bench/realdata_check.py [--database factcheck_realdata_check]

The database named is dropped and created on the local PostgreSQL (127.0.0.1:5432).
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
# ../shared/realdata next to the checkout (or two levels up, from a worktree under wt/).
REALDATA = next(
    (
        p
        for p in (ROOT.parent / "shared" / "realdata", ROOT.parent.parent / "shared" / "realdata")
        if p.exists()
    ),
    ROOT.parent / "shared" / "realdata",
)
SERVER = "postgres://postgres@127.0.0.1:5432"


def reviews_in(node, found: list[dict]) -> list[dict]:
    """Every ClaimReview object in a parsed document, wherever it sits."""
    if isinstance(node, list):
        for item in node:
            reviews_in(item, found)
    elif isinstance(node, dict):
        kinds = node.get("@type", [])
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "ClaimReview" in kinds:
            found.append(node)
        for key in ("@graph", "dataFeedElement", "item", "associatedClaimReview"):
            if key in node:
                reviews_in(node[key], found)
    return found


def text(value) -> str:
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    return value.strip() if isinstance(value, str) else ""


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="factcheck_realdata_check")
    args = parser.parse_args()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    url = f"{SERVER}/{args.database}"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    migrated = manage(env, "migrate", "-v0")
    if migrated.returncode:
        sys.exit(migrated.stderr)
    files = sorted((REALDATA / "converted").glob("*")) + sorted((REALDATA / "verbatim").glob("*"))
    if not files:
        sys.exit(f"No real data under {REALDATA}.")
    failures = 0
    for path in files:
        runs = [manage(env, "import_claimreview", str(path), "--no-progress") for _ in range(2)]
        expected = [r for r in reviews_in(json.loads(path.read_text()), []) if text(r.get("url"))]
        complete = [r for r in expected if text(r.get("claimReviewed")) and text(r.get("reviewRating"))]
        with psycopg.connect(url) as db:
            stored = set(db.execute("SELECT url, claim_text FROM claims_externalreview").fetchall())
            languages = {
                (u, c): lang
                for u, c, lang in db.execute("SELECT url, claim_text, language FROM claims_externalreview")
            }
            claims = db.execute(
                "SELECT count(*), count(*) FILTER (WHERE status = 'published') FROM claims_claim"
            )
            claims = claims.fetchone()
        lost = [r for r in complete if (text(r["url"]), text(r["claimReviewed"])) not in stored]
        wrong_language = [
            r
            for r in expected
            if isinstance(r.get("inLanguage"), str)
            and languages.get((text(r["url"]), text(r.get("claimReviewed")))) not in (r["inLanguage"], None)
        ]
        ok = (
            all(r.returncode == 0 for r in runs)
            and "0 created, 0 updated" in runs[1].stdout
            and not lost
            and not wrong_language
            and claims == (0, 0)
        )
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {path.relative_to(REALDATA)}")
        for number, run in enumerate(runs, 1):
            summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-500:]
            print(f"     run {number} (exit {run.returncode}): {summary}")
        print(
            f"     {len(complete)} records with claim, rating and URL: {len(lost)} not stored; "
            f"{len(wrong_language)} languages not as given; claims in the database: {claims[0]} "
            f"({claims[1]} published)"
        )
    with psycopg.connect(url) as db:
        total, distinct_languages = db.execute(
            "SELECT count(*), count(DISTINCT language) FROM claims_externalreview"
        ).fetchone()
    print(f"{total} external reviews stored, {distinct_languages} distinct language tags (incl. empty)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
