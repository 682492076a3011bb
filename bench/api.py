"""Public API benchmark: list, detail and search through the full Django/DRF stack, next to a
baseline that fetches the same rows with one raw SQL query and serialises them to JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/factcheck_api_bench \\
    REDIS_URL=redis://127.0.0.1:6379/3 SECRET_KEY=bench \\
    .venv/bin/python bench/api.py [--claims 100000] [--requests 400] [--reload]

The database named in DATABASE_URL is created if missing, migrated, and filled once with a
synthetic data set (published claims plus drafts and claims in review, claimants, topics,
sources, verdicts with some history, citations) by COPY; later runs reuse it (--reload to
rebuild). Requests go through Django's WSGI handler in this process, so every middleware, the
URL resolver, DRF, throttling (Redis) and the renderer are measured; only the socket is not.
Results are printed as a markdown section for bench/README.md.
"""

import argparse
import datetime
import gc
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
os.environ.setdefault("API_THROTTLE_RATE", "100000000/min")  # measure the throttle, never hit it
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")

import django  # noqa: E402

RNG = random.Random(20261125)
EN_WORDS = [
    "bridge",
    "ferry",
    "harbour",
    "tariff",
    "election",
    "ballot",
    "pension",
    "vaccine",
    "border",
    "treaty",
    "sanction",
    "pipeline",
    "refinery",
    "grain",
    "export",
    "import",
    "inflation",
    "budget",
    "deficit",
    "minister",
    "parliament",
    "court",
    "ruling",
    "protest",
    "strike",
    "airport",
    "railway",
    "tunnel",
    "highway",
    "subsidy",
    "reactor",
    "drought",
    "flood",
    "wildfire",
    "census",
    "migration",
    "asylum",
    "embassy",
    "summit",
    "ceasefire",
    "corridor",
    "convoy",
    "brigade",
    "missile",
    "drone",
    "shelter",
    "hospital",
    "school",
    "teacher",
    "salary",
    "rent",
    "mortgage",
    "bank",
    "currency",
    "reserve",
    "bond",
    "auction",
    "contract",
]
RU_WORDS = [
    "переговоры",
    "мост",
    "граница",
    "санкции",
    "выборы",
    "пенсия",
    "бюджет",
    "министр",
    "парламент",
    "суд",
    "протест",
    "аэропорт",
    "железная",
    "дорога",
    "субсидия",
    "засуха",
    "наводнение",
    "перемирие",
    "коридор",
    "больница",
    "школа",
]
UK_WORDS = [
    "переговори",
    "міст",
    "кордон",
    "санкції",
    "вибори",
    "пенсія",
    "бюджет",
    "міністр",
    "парламент",
    "суд",
    "протест",
    "аеропорт",
    "залізниця",
    "субсидія",
    "посуха",
    "повінь",
    "перемир'я",
    "коридор",
    "лікарня",
    "школа",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "to",
    "vi",
    "de",
    "fa",
    "go",
    "hu",
    "ja",
    "ke",
    "lu",
    "mo",
    "ni",
    "po",
    "ri",
    "su",
    "ta",
    "ve",
    "zo",
]
PSEUDO_WORDS = sorted({"".join(RNG.choices(SYLLABLES, k=RNG.choice((2, 3, 4)))) for _ in range(4000)})
REAL_WORD_SHARE = 0.045  # makes each real word appear in about 4 % of claims (statement+verdict)
RARE_WORD = "zanzibarite"  # appended to about 0.1 % of statements
COMMON_WORD = "pipeline"


def _sentence(words: list[str], n: int) -> str:
    picks = [
        RNG.choice(words) if RNG.random() < REAL_WORD_SHARE else RNG.choice(PSEUDO_WORDS) for _ in range(n)
    ]
    return " ".join(picks).capitalize() + "."


def load(claims: int) -> None:
    """Fill the database by COPY: seconds, not minutes. Triggers are off while loading; the
    search vectors are then computed in one pass by claims.search.refresh_search_vectors()."""
    from django.db import connection

    from claims.search import refresh_search_vectors

    drafts = claims // 10
    total = claims + drafts
    claimants, topics, sources = 2_000, 60, 40_000
    now = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE claims_claim_topics, claims_citation, claims_verdict, claims_claim, claims_claimant, "
            "claims_topic, sources_snapshot, sources_sourcecheck, sources_source RESTART IDENTITY CASCADE"
        )
        cur.execute("ALTER TABLE claims_claim DISABLE TRIGGER claims_claim_search_vector")
        cur.execute("ALTER TABLE claims_verdict DISABLE TRIGGER claims_verdict_refresh_claim")

        def copy(table: str, columns: str, rows: Any) -> None:
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)

        copy(
            "claims_claimant",
            "kind, name, slug, description, country, wikidata_id, created_at, updated_at",
            (
                (
                    "person" if i % 3 else "organisation",
                    f"Claimant {i}",
                    f"claimant-{i}",
                    "",
                    "UA",
                    "",
                    now,
                    now,
                )
                for i in range(1, claimants + 1)
            ),
        )
        copy(
            "claims_topic",
            "name, slug, description",
            ((f"Topic {i}", f"topic-{i}", "") for i in range(1, topics + 1)),
        )
        # Sources belong to another app whose columns change; let Django fill its defaults.
        from sources.models import Source

        Source.objects.bulk_create(
            (
                Source(url=f"https://news{i % 500}.example.org/story/{i}", title=f"Story {i}")
                for i in range(sources)
            ),
            batch_size=5_000,
        )
        statuses = ["published"] * claims + ["draft"] * (drafts // 2) + ["review"] * (drafts - drafts // 2)
        RNG.shuffle(statuses)
        claim_rows, verdict_rows, citation_rows, topic_rows = [], [], [], []
        for cid in range(1, total + 1):
            lang = RNG.choices(["en", "ru", "uk"], weights=[80, 10, 10])[0]
            words = {"en": EN_WORDS, "ru": RU_WORDS, "uk": UK_WORDS}[lang]
            statement = _sentence(words, 14)
            if RNG.random() < 0.001:
                statement += f" {RARE_WORD}"
            status = statuses[cid - 1]
            claimed = datetime.date(2015, 1, 1) + datetime.timedelta(days=RNG.randrange(4000))
            published = (
                now - datetime.timedelta(minutes=RNG.randrange(500_000)) if status == "published" else None
            )
            claim_rows.append(
                (
                    cid,
                    statement,
                    lang,
                    1 + RNG.randrange(claimants),
                    claimed,
                    _sentence(words, 5),
                    status,
                    f"claim-{cid}",
                    published or now,
                    published or now,
                    published,
                    "",
                )
            )
            verdict_time = published or now
            if RNG.random() < 0.1:  # an earlier, superseded verdict
                verdict_rows.append(
                    (
                        cid,
                        "mixed",
                        "Earlier view",
                        _sentence(words, 20),
                        False,
                        published,
                        verdict_time,
                        verdict_time,
                    )
                )
            rating = RNG.choice(["true", "mostly_true", "mixed", "misleading", "mostly_false", "false"])
            verdict_rows.append(
                (cid, rating, _sentence(words, 6), _sentence(words, 30), True, published, verdict_time, None)
            )
            first, second = RNG.sample(range(1, sources + 1), 2)
            citation_rows.append((cid, first, "appearance", "", now))
            citation_rows.append((cid, second, RNG.choice(["supports", "refutes", "context"]), "", now))
            for tid in RNG.sample(range(1, topics + 1), 2):
                topic_rows.append((cid, tid))
        copy(
            "claims_claim",
            "id, statement, language, claimant_id, claimed_on, context, status, slug, created_at, updated_at, "
            "published_at, retraction_reason, correction_note",
            ((*row, "") for row in claim_rows),
        )
        copy(
            "claims_verdict",
            "claim_id, rating, headline, reasoning, is_current, published_at, created_at, superseded_at, "
            "original_rating, author_name, imported_from",
            ((*row, "", "desk", "") for row in verdict_rows),
        )
        copy("claims_citation", "claim_id, source_id, role, quote, created_at", citation_rows)
        copy("claims_claim_topics", "claim_id, topic_id", topic_rows)
        cur.execute("SELECT setval(pg_get_serial_sequence('claims_claim', 'id'), %s)", [total])
        cur.execute("ALTER TABLE claims_claim ENABLE TRIGGER claims_claim_search_vector")
        cur.execute("ALTER TABLE claims_verdict ENABLE TRIGGER claims_verdict_refresh_claim")
    loaded = time.perf_counter() - started
    refresh_search_vectors()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(
        f"loaded {claims:,} published + {drafts:,} unpublished claims, {len(verdict_rows):,} verdicts, "
        f"{len(citation_rows):,} citations in {loaded:.1f} s; search vectors in "
        f"{time.perf_counter() - started - loaded:.1f} s",
        file=sys.stderr,
    )


# --- The baseline: one SQL query, serialised straight to JSON ------------------------------

LIST_SQL = """
WITH page AS (
    SELECT c.id {rank} FROM claims_claim c
     WHERE c.status = 'published' {where}
     ORDER BY {order} LIMIT %s
)
SELECT c.id, c.slug, c.statement, c.language, c.claimed_on, c.context, c.status, c.published_at,
       c.updated_at, c.retracted_at, cl.id, cl.slug, cl.name, cl.kind, v.rating, v.headline,
       (SELECT coalesce(json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name', t.name)
                                 ORDER BY t.name), '[]')
          FROM claims_claim_topics ct JOIN claims_topic t ON t.id = ct.topic_id WHERE ct.claim_id = c.id),
       (SELECT coalesce(json_agg(json_build_object('id', s.id, 'url', s.url, 'role', ci.role,
                                                   'health', s.health) ORDER BY ci.role, ci.id), '[]')
          FROM claims_citation ci JOIN sources_source s ON s.id = ci.source_id WHERE ci.claim_id = c.id)
       {outer_rank}
  FROM page
  JOIN claims_claim c ON c.id = page.id
  JOIN claims_claimant cl ON cl.id = c.claimant_id
  LEFT JOIN claims_verdict v ON v.claim_id = c.id AND v.is_current AND v.published_at IS NOT NULL
 ORDER BY {outer_order}
"""
TSQUERY = (
    "(websearch_to_tsquery('english'::regconfig, %s) || websearch_to_tsquery('russian'::regconfig, %s) "
    "|| websearch_to_tsquery('simple'::regconfig, %s))"
)
DETAIL_SQL = """
SELECT json_build_object(
  'id', c.id, 'slug', c.slug, 'statement', c.statement, 'language', c.language,
  'claimed_on', c.claimed_on, 'context', c.context, 'status', c.status,
  'published_at', c.published_at, 'updated_at', c.updated_at,
  'claimant', json_build_object('id', cl.id, 'slug', cl.slug, 'name', cl.name, 'kind', cl.kind,
                                'country', cl.country, 'wikidata_id', cl.wikidata_id),
  'topics', (SELECT coalesce(json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name', t.name)), '[]')
               FROM claims_claim_topics ct JOIN claims_topic t ON t.id = ct.topic_id WHERE ct.claim_id = c.id),
  'verdicts', (SELECT coalesce(json_agg(json_build_object('id', v.id, 'rating', v.rating, 'headline', v.headline,
                   'reasoning', v.reasoning, 'is_current', v.is_current, 'published_at', v.published_at,
                   'superseded_at', v.superseded_at) ORDER BY v.published_at DESC), '[]')
                 FROM claims_verdict v WHERE v.claim_id = c.id AND v.published_at IS NOT NULL),
  'citations', (SELECT coalesce(json_agg(json_build_object('role', ci.role, 'quote', ci.quote,
                   'source', json_build_object('id', s.id, 'url', s.url, 'title', s.title, 'health', s.health,
                   'latest_snapshot_at', (SELECT max(sn.taken_at) FROM sources_snapshot sn WHERE sn.source_id = s.id)))
                   ORDER BY ci.role, ci.id), '[]')
                  FROM claims_citation ci JOIN sources_source s ON s.id = ci.source_id WHERE ci.claim_id = c.id))
  FROM claims_claim c JOIN claims_claimant cl ON cl.id = c.claimant_id
 WHERE c.id = %s AND c.status IN ('published', 'retracted')
"""

LIST_KEYS = (
    "id",
    "slug",
    "statement",
    "language",
    "claimed_on",
    "context",
    "status",
    "published_at",
    "updated_at",
    "retracted_at",
)


def _list_json(rows: list[tuple]) -> bytes:
    items = []
    for row in rows:
        item = dict(zip(LIST_KEYS, row[:10], strict=True))
        item["claimant"] = {"id": row[10], "slug": row[11], "name": row[12], "kind": row[13]}
        item["verdict"] = {"rating": row[14], "headline": row[15]} if row[14] else None
        item["topics"], item["sources"] = row[16], row[17]
        if len(row) > 18:
            item["relevance"] = row[18]
        items.append(item)
    return json.dumps({"results": items}, default=str).encode()


def baseline_list(page_size: int) -> bytes:
    from django.db import connection

    sql = LIST_SQL.format(
        rank="",
        where="",
        order="c.claimed_on DESC, c.id DESC",
        outer_rank="",
        outer_order="c.claimed_on DESC, c.id DESC",
    )
    with connection.cursor() as cur:
        cur.execute(sql, [page_size])
        return _list_json(cur.fetchall())


def baseline_search(term: str, page_size: int) -> bytes:
    from django.db import connection

    sql = LIST_SQL.format(
        rank=f", ts_rank(c.search_vector, {TSQUERY}) AS rank",
        where=f"AND c.search_vector @@ {TSQUERY}",
        order="rank DESC, c.id DESC",
        outer_rank=", page.rank",
        outer_order="page.rank DESC, c.id DESC",
    )
    with connection.cursor() as cur:
        cur.execute(sql, [term] * 6 + [page_size])
        return _list_json(cur.fetchall())


def baseline_detail(claim_id: int) -> bytes:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(DETAIL_SQL, [claim_id])
        return json.dumps(cur.fetchone()[0], default=str).encode()


# --- Measuring ---------------------------------------------------------------------------------


def wsgi_get(app: Any, path: str) -> bytes:
    """One GET through Django's WSGI handler, as a WSGI server would call it."""
    from urllib.parse import urlsplit

    parts = urlsplit(path)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "HTTP_ACCEPT": "application/json",
        "HTTP_X_FORWARDED_PROTO": "https",  # TLS ends at the proxy, as in production
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status = []
    body = b"".join(app(environ, lambda s, h, exc_info=None: status.append(s)))
    if not status[0].startswith("200"):
        raise RuntimeError(f"{path}: {status[0]} {body[:200]!r}")
    return body


def _summary(name: str, timings: list[float], elapsed: float) -> dict[str, Any]:
    q = statistics.quantiles(timings, n=100)
    return {"name": name, "p50": q[49], "p95": q[94], "p99": q[98], "rps": len(timings) / elapsed}


def measure_pair(name: str, api: list[Any], base: list[Any], warmup: int = 30) -> tuple[dict, dict]:
    """Alternate API and baseline calls, so both see the same machine load (2 shared cores)."""
    for a, b in zip(api[:warmup], base[:warmup], strict=True):
        a()
        b()
    api_times, base_times, api_total, base_total = [], [], 0.0, 0.0
    for a, b in zip(api, base, strict=True):
        t0 = time.perf_counter()
        a()
        t1 = time.perf_counter()
        b()
        t2 = time.perf_counter()
        api_times.append((t1 - t0) * 1000)
        base_times.append((t2 - t1) * 1000)
        api_total += t1 - t0
        base_total += t2 - t1
    return _summary(name, api_times, api_total), _summary(name, base_times, base_total)


def run(requests: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    from django.core.handlers.wsgi import WSGIHandler

    from claims.models import Claim, Status

    app = WSGIHandler()
    published = list(Claim.objects.filter(status=Status.PUBLISHED).values_list("id", flat=True)[::50])
    ids = [RNG.choice(published) for _ in range(requests)]
    # Each scenario: (label, API path for request i, baseline call for request i)
    scenarios = [
        ("list, 50 per page", lambda i: "/api/v1/claims/?page_size=50", lambda i: baseline_list(50)),
        ("list, 100 per page", lambda i: "/api/v1/claims/?page_size=100", lambda i: baseline_list(100)),
        ("detail", lambda i: f"/api/v1/claims/{ids[i]}/", lambda i: baseline_detail(ids[i])),
        (
            f"search, rare word ({RARE_WORD})",
            lambda i: f"/api/v1/claims/?search={RARE_WORD}&page_size=50",
            lambda i: baseline_search(RARE_WORD, 50),
        ),
        (
            f"search, common word ({COMMON_WORD})",
            lambda i: f"/api/v1/claims/?search={COMMON_WORD}&page_size=50",
            lambda i: baseline_search(COMMON_WORD, 50),
        ),
        (
            "search, two words (bridge ferry)",
            lambda i: "/api/v1/claims/?search=bridge%20ferry&page_size=50",
            lambda i: baseline_search("bridge ferry", 50),
        ),
    ]
    root = [lambda: wsgi_get(app, "/api/v1/")] * requests
    results = [measure_pair("API root", root, [lambda: b"{}"] * requests)]
    for label, path_for, baseline_for in scenarios:
        api_calls = [lambda i=i, path=path_for: wsgi_get(app, path(i)) for i in range(requests)]
        base_calls = [lambda i=i, base=baseline_for: base(i) for i in range(requests)]
        results.append(measure_pair(label, api_calls, base_calls))
    return results


def explain_api_search(term: str) -> str:
    """EXPLAIN ANALYZE of every SQL statement the API runs for one search page."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app = WSGIHandler()
    with CaptureQueriesContext(connection) as queries:
        wsgi_get(app, f"/api/v1/claims/?search={term}&page_size=50")
    plans = []
    with connection.cursor() as cur:
        for query in queries.captured_queries:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query["sql"])
            plans.append(query["sql"] + "\n\n" + "\n".join(row[0] for row in cur.fetchall()))
    return "\n\n".join(plans)


def prepare_database(claims: int, *, reload: bool) -> str:
    """Set Django up, migrate, load the data set unless it is already there; the server version."""
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from claims.models import Claim

    if reload or Claim.objects.filter(status="published").count() != claims:
        load(claims)
    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(" on ")[0]
    gc.collect()
    return version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--reload", action="store_true", help="rebuild the data set")
    args = parser.parse_args()
    version = prepare_database(args.claims, reload=args.reload)
    results = run(args.requests)
    lines = [
        "## API",
        "",
        f"`bench/api.py`, {args.claims:,} published claims + {args.claims // 10:,} drafts/in review, "
        f"{args.requests} sequential requests per row after 30 warm-up requests, one process; "
        f"{version}; {os.cpu_count()} cores. API = through Django's WSGI handler (all middleware, "
        "URL routing, DRF, Redis throttle, JSON renderer); baseline = the same rows by one raw SQL "
        "query, serialised with `json.dumps`. Times in ms.",
        "",
        "| request | API p50 | API p95 | API p99 | API req/s | baseline p50 | baseline p95 | baseline p99 "
        "| baseline req/s | ratio (p50) | ratio (p95) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    root, _ = results.pop(0)
    for api, base in results:
        lines.append(
            f"| {api['name']} | {api['p50']:.2f} | {api['p95']:.2f} | {api['p99']:.2f} | {api['rps']:.0f} "
            f"| {base['p50']:.2f} | {base['p95']:.2f} | {base['p99']:.2f} | {base['rps']:.0f} "
            f"| {api['p50'] / base['p50']:.2f}x | {api['p95'] / base['p95']:.2f}x |"
        )
    lines += [
        "",
        f"Fixed cost of a request that runs no query (`/api/v1/`: middleware, routing, DRF, the Redis "
        f"throttle): p50 {root['p50']:.2f} ms, p95 {root['p95']:.2f} ms.",
        "",
        f"Query plans of a search page through the API (common word `{COMMON_WORD}`, 50 per page): "
        "the first query picks the page's ids by rank, the second loads those rows.",
        "",
        "```",
        explain_api_search(COMMON_WORD),
        "```",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
