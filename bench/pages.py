"""Public pages benchmark: a claim page from the page cache and uncached, with 100,000 published
claims, next to baselines measured in the same run (the machine is shared and noisy).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/factcheck_pages_bench \\
    REDIS_URL=redis://127.0.0.1:6379/14 SECRET_KEY=bench \\
    .venv/bin/python bench/pages.py [--claims 100000] [--requests 400] [--reload]

The data set is bench/api.py's (created and filled by COPY on the first run, reused after).
Requests go through Django's WSGI handler in this process: every middleware, the locale prefix,
the URL resolver, the version query, Redis (the page cache) and the template engine are
measured; only the socket is not. Calls alternate with the baseline so both see the same load.
Baselines: the same claim's data by one raw SQL query serialised to JSON (the floor of any
uncached page), and the API's detail view (DRF). Each uncached request asks for a claim never
asked for before in the run, so it cannot come from the cache. Prints a markdown section for
bench/README.md.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import api as api_bench  # bench/api.py: the data set, the WSGI call and the SQL baseline

WARMUP = 30


def measure(
    name: str, page: list[Callable], base: list[Callable], warmup: list[Callable]
) -> tuple[dict, dict]:
    """Alternate page and baseline calls; the warm-up calls touch other claims than the measured ones."""
    for call in warmup:
        call()
    page_times, base_times, page_total, base_total = [], [], 0.0, 0.0
    for a, b in zip(page, base, strict=True):
        t0 = time.perf_counter()
        a()
        t1 = time.perf_counter()
        b()
        t2 = time.perf_counter()
        page_times.append((t1 - t0) * 1000)
        base_times.append((t2 - t1) * 1000)
        page_total += t1 - t0
        base_total += t2 - t1
    return api_bench._summary(name, page_times, page_total), api_bench._summary(name, base_times, base_total)


def run(requests: int) -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler

    from claims.models import Claim, Status

    app = WSGIHandler()
    published = list(Claim.objects.filter(status=Status.PUBLISHED).values_list("id", flat=True))
    ids = api_bench.RNG.sample(published, 2 * requests + 2 * WARMUP)
    cold, cold_warmup = ids[:requests], ids[requests : requests + WARMUP]
    hot, hot_warmup = ids[requests + WARMUP : 2 * requests + WARMUP], ids[2 * requests + WARMUP :]

    def get(path: str) -> Callable[[], bytes]:
        return lambda: api_bench.wsgi_get(app, path)

    def sql(claim_id: int) -> Callable[[], bytes]:
        return lambda: api_bench.baseline_detail(claim_id)

    cache.clear()
    results = []
    results.append(
        (
            *measure(
                "claim page, uncached",
                [get(f"/en/claims/{i}/") for i in cold],
                [sql(i) for i in cold],
                [get(f"/en/claims/{i}/") for i in cold_warmup],
            ),
            "raw SQL",
        )
    )
    for claim_id in hot:  # fill the cache for the claims measured next
        get(f"/en/claims/{claim_id}/")()
    results.append(
        (
            *measure(
                "claim page, from cache",
                [get(f"/en/claims/{i}/") for i in hot],
                [sql(i) for i in hot],
                [get(f"/en/claims/{i}/") for i in hot_warmup],
            ),
            "raw SQL",
        )
    )
    results.append(
        (
            *measure(
                "claim page, from cache",
                [get(f"/en/claims/{i}/") for i in hot],
                [get(f"/api/v1/claims/{i}/") for i in hot],
                [get(f"/en/claims/{i}/") for i in hot_warmup],
            ),
            "API detail (DRF)",
        )
    )
    results.append(
        (
            *measure(
                "home page, from cache",
                [get("/en/")] * requests,
                [get("/api/v1/claims/?page_size=20")] * requests,
                [get("/en/")] * WARMUP,
            ),
            "API list, 20",
        )
    )
    return results


def uncached_median(path: str, runs: int = 7) -> float:
    """Median time of `path` right after the cache was cleared (after one warm-up request)."""
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()
    api_bench.wsgi_get(app, path)
    timings = []
    for _ in range(runs):
        cache.clear()
        started = time.perf_counter()
        api_bench.wsgi_get(app, path)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--reload", action="store_true", help="rebuild the data set")
    args = parser.parse_args()
    version = api_bench.prepare_database(args.claims, reload=args.reload)
    results = run(args.requests)
    lines = [
        "## Public pages",
        "",
        f"`bench/pages.py`, {args.claims:,} published claims + {args.claims // 10:,} drafts/in review "
        f"(bench/api.py's data set), {args.requests} sequential requests per row after {WARMUP} warm-up "
        f"requests on other claims, one process; {version}; {os.cpu_count()} cores shared with other "
        "work. Page = through Django's WSGI handler (all middleware, locale prefix, version query, "
        "Redis page cache, templates). Times in ms.",
        "",
        "| request | page p50 | page p95 | page p99 | page req/s | baseline | baseline p50 | baseline p95 "
        "| ratio (p50) | ratio (p95) |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for page, base, base_name in results:
        lines.append(
            f"| {page['name']} | {page['p50']:.2f} | {page['p95']:.2f} | {page['p99']:.2f} | {page['rps']:.0f} "
            f"| {base_name} | {base['p50']:.2f} | {base['p95']:.2f} "
            f"| {page['p50'] / base['p50']:.2f}x | {page['p95'] / base['p95']:.2f}x |"
        )
    lines += [
        "",
        "Other pages right after the cache was cleared (median of 7): "
        + ", ".join(
            f"`{path}` {uncached_median(path):.0f} ms"
            for path in ("/en/", "/sitemap-claims.xml", "/en/feed/", "/en/search/?search=pipeline")
        )
        + ".",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
