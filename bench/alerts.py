"""Alerts editors can trust (issue 12): accuracy over a churning corpus, the cost of a huge
page, and the snapshot diff's worst cases. Every number comes with its baseline from the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/factcheck_bench_alerts REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/alerts.py [--pages 500 --checks 20] [--only accuracy,huge,diff]

accuracy  N generated pages, each checked C times through `monitor.check_source` (real local HTTP
          server, PostgreSQL, snapshots): every page's article churns at every load in its own
          way (an "Updated N minutes ago" line, a rotating or A/B teaser between paragraphs, a
          share counter, or none), and a known share of pages gets one real edit (a number in a
          paragraph, a sentence replaced, a paragraph removed or added) at a random check. False
          change = a confirmed change with no edit behind it; missed change = an edit never
          alerted by the last check. Baseline: the old rule (any change of the extracted text's
          hash is a change) over the same answers.
huge      one 10 MB page of 200,000 paragraphs checked through the same path; wall time and peak
          RSS of this process and of the extraction child. Baseline: trafilatura in-process on a
          1 MB slice of the same page (the old path on the whole page took 95 s and 668 MB).
diff      the admin diff page (view + template) for two ~1 MB snapshots: prose with one word
          added, repetitive text with scattered edits, and every line changed. Baseline: difflib's
          SequenceMatcher on the same lines (the old diff), stopped after 30 s.

The database is created and migrated if missing, and emptied of sources first.
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import threading
import time
from difflib import SequenceMatcher
from multiprocessing import Process
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
os.environ.setdefault("SECRET_KEY", "bench-not-secret")
os.environ.setdefault("DEBUG", "1")
os.environ["SOURCE_FETCH_ALLOWED_NETWORKS"] = "127.0.0.1/32"

WORDS = [
    "delegation",
    "talks",
    "istanbul",
    "ceasefire",
    "guarantees",
    "security",
    "minister",
    "ukraine",
    "russia",
    "sanctions",
    "report",
    "court",
    "filing",
    "evidence",
    "statement",
    "official",
    "troops",
    "region",
    "capital",
    "agreement",
    "proposal",
    "negotiations",
    "foreign",
    "ministry",
    "withdrawal",
    "referendum",
    "humanitarian",
    "corridor",
    "observers",
]
TEASERS = [f"Read more: {w.title()} {v} latest" for w in WORDS[:12] for v in ("live", "update")]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    words.insert(rng.randint(1, len(words) - 1), f"{rng.randint(2, 900) * 50:,}")
    return " ".join(words).capitalize() + "."


class Page:
    """One generated page: its paragraphs, how it churns, and its known edit."""

    def __init__(self, number: int, rng: random.Random, checks: int, edit_share: float) -> None:
        self.paragraphs = [
            " ".join(sentence(rng) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(3, 9))
        ]
        self.churn = rng.choice(["all", "all", "timestamp", "teaser", "ab", "counter", "none"])
        self.teaser_at = rng.randint(1, len(self.paragraphs) - 1)
        self.edit_at = rng.randint(3, checks - 3) if rng.random() < edit_share else None
        self.edit_kind = rng.choice(["number", "sentence", "remove", "add"])
        self.rng = random.Random(number)
        self.load = 0

    def html(self) -> bytes:
        self.load += 1
        paragraphs = list(self.paragraphs)
        if self.edit_at is not None and self.load > self.edit_at:
            paragraphs = self.edited(paragraphs)
        body = [f"<p>{p}</p>" for p in paragraphs]
        churn = self.churn
        if churn in ("all", "timestamp"):
            body.insert(0, f"<p>Updated {self.rng.randint(1, 59)} minutes ago</p>")
        if churn in ("all", "teaser", "ab"):
            teaser = TEASERS[self.load % 2] if churn == "ab" else self.rng.choice(TEASERS)
            body.insert(self.teaser_at + 1, f"<p>{teaser}</p>")
        if churn in ("all", "counter"):
            body.append(f"<p>This article has been shared {self.rng.randint(100, 99999):,} times.</p>")
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Story</title></head><body>"
            f"<nav>Home</nav><main><article><h1>Story</h1>{''.join(body)}</article></main>"
            f"<footer>Generated {time.time()}</footer></body></html>"
        ).encode()

    def edited(self, paragraphs: list[str]) -> list[str]:
        k = len(paragraphs) // 2
        if self.edit_kind == "number":
            import re

            paragraphs[k] = re.sub(
                r"\d[\d,]*", lambda m: f"{int(m.group().replace(',', '')) * 2:,}", paragraphs[k], count=1
            )
        elif self.edit_kind == "sentence":
            paragraphs[k] = (
                paragraphs[k].split(".")[0] + ". The ministry later withdrew this statement entirely."
            )
        elif self.edit_kind == "remove":
            del paragraphs[k]
        else:
            paragraphs.insert(k, "A correction was appended to this article by the editors on Tuesday.")
        return paragraphs


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve(routes: dict[str, object]) -> tuple[str, object]:
    def app(environ, start_response):
        route = routes.get(environ["PATH_INFO"])
        if route is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no"]
        body = route() if callable(route) else route
        start_response(
            "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        )
        return [body]

    server = make_server("127.0.0.1", 0, app, server_class=ThreadingServer, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def setup_django() -> None:
    import django
    import psycopg
    from django.conf import settings

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    settings.SOURCE_FETCH_PER_HOST_PER_SECOND = 0
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the admin page through Client
    settings.SOURCE_CONFIRM_MIN_AGE = 0  # each check here stands for one minutes later
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="factcheck-bench-alerts-")
    from sources.models import Source

    Source.objects.all().delete()


def accuracy(pages: int, checks: int, edit_share: float) -> dict:
    from django.conf import settings

    from sources import monitor
    from sources.models import Source

    rng = random.Random(12)
    corpus = [Page(n, rng, checks, edit_share) for n in range(pages)]
    base, server = serve({f"/p{n}": page.html for n, page in enumerate(corpus)})
    host_port = int(base.rsplit(":", 1)[1])
    settings.SOURCE_FETCH_ALLOWED_PORTS = [host_port]
    sources = [Source.objects.create(url=f"{base}/p{n}") for n in range(pages)]
    false_alerts = alerted_edits = late = baseline_false = baseline_alerts = 0
    first_alert: dict[int, int] = {}
    started = time.monotonic()
    for round_number in range(1, checks + 1):
        for n, source in enumerate(sources):
            previous_hash = Source.objects.filter(pk=source.pk).values_list("content_hash", flat=True).get()
            result = monitor.check_source(source.pk, force=True)
            page = corpus[n]
            edited = page.edit_at is not None and round_number > page.edit_at
            if result.content_hash and previous_hash and result.content_hash != previous_hash:
                baseline_alerts += 1
                # The old rule alerts on every text change; only the first after the edit is true.
                if not (edited and round_number == page.edit_at + 1):
                    baseline_false += 1
            if result.changed:
                if edited and n not in first_alert:
                    first_alert[n] = round_number
                    alerted_edits += 1
                    late += round_number - page.edit_at - 1
                else:
                    false_alerts += 1
    elapsed = time.monotonic() - started
    server.shutdown()
    edits = sum(1 for p in corpus if p.edit_at is not None)
    total = pages * checks
    return {
        "pages": pages,
        "checks": total,
        "edits": edits,
        "false": false_alerts,
        "missed": edits - alerted_edits,
        "mean_delay": late / alerted_edits if alerted_edits else 0,
        "baseline_false": baseline_false,
        "baseline_alerts": baseline_alerts,
        "seconds": elapsed,
        "by_kind": {k: sum(1 for p in corpus if p.churn == k) for k in sorted({p.churn for p in corpus})},
    }


def huge() -> dict:
    from django.conf import settings

    from sources import monitor
    from sources.extract import extract
    from sources.models import Source

    paragraphs = [f"<p>Paragraph {i:06d} of the long report here.</p>" for i in range(200_000)]
    html = (
        "<!DOCTYPE html><html><head><title>Report</title></head><body><main>"
        + "\n".join(paragraphs)
        + "</main></body></html>"
    ).encode()
    base, server = serve({"/huge": html})
    settings.SOURCE_FETCH_ALLOWED_PORTS = [int(base.rsplit(":", 1)[1])]
    source = Source.objects.create(url=f"{base}/huge")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    result = monitor.check_source(source.pk, force=True)
    elapsed = time.monotonic() - started
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    server.shutdown()
    snapshot = source.snapshots.first()
    slice_html = html[: 1024 * 1024].rsplit(b"</p>", 1)[0] + b"</p></main></body></html>"
    started = time.monotonic()
    old = extract(slice_html, "text/html", linear_html_bytes=10**9)  # trafilatura, as before
    baseline = time.monotonic() - started
    return {
        "bytes": len(html),
        "outcome": result.outcome,
        "seconds": elapsed,
        "self_peak_mb": self_peak / 1024,
        "self_before_mb": rss_before / 1024,
        "child_peak_mb": child_peak / 1024,
        "paragraphs_kept": len(snapshot.text.splitlines()) if snapshot else 0,
        "baseline_seconds_1mb": baseline,
        "baseline_lines_1mb": len(old.text.splitlines()),
    }


def _old_diff(a: list[str], b: list[str]) -> None:
    SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def diff_cases() -> list[dict]:
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from sources.models import Snapshot, Source

    rng = random.Random(7)
    prose = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 30))) for _ in range(6_000)]
    while len("\n".join(prose)) < 1_000_000:
        prose.append(" ".join(rng.choice(WORDS) for _ in range(20)))
    prose_new = list(prose)
    prose_new[len(prose) // 2] += " added"
    unit = ["Read more: the latest news from the region.", "Advertisement", "Share this article", ""]
    repetitive = [line for _ in range(1_000_000 // 75) for line in unit if line]
    repetitive_new = list(repetitive)
    for k in range(0, len(repetitive_new), 997):
        repetitive_new[k] = repetitive_new[k] + " (updated)"
    every = [f"{line} v1" for line in prose]
    every_new = [f"{line} v2" for line in prose]
    cases = [
        ("prose, one word added", prose, prose_new),
        ("repetitive, an edit every 997 lines", repetitive, repetitive_new),
        ("every line changed", every, every_new),
    ]
    user = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", "", "x"
    )
    client = Client()
    client.force_login(user)
    results = []
    for name, a, b in cases:
        source = Source.objects.create(url=f"https://bench.example.org/{len(results)}")
        old = Snapshot.objects.create(source=source, content_hash="a", text="\n".join(a))
        new = Snapshot.objects.create(source=source, content_hash="b", text="\n".join(b))
        url = reverse("admin:sources_source_diff", args=[source.pk]) + f"?a={old.pk}&b={new.pk}"
        started = time.monotonic()
        response = client.get(url)
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.status_code
        process = Process(target=_old_diff, args=(a, b))
        started = time.monotonic()
        process.start()
        process.join(30)
        baseline = time.monotonic() - started
        if process.is_alive():
            process.kill()
            process.join()
            baseline = None
        results.append(
            {
                "case": name,
                "kb": (len(old.text) // 1024, len(new.text) // 1024),
                "seconds": elapsed,
                "html_kb": len(response.content) // 1024,
                "cut": b'class="cut"' in response.content,
                "baseline": baseline,
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--edit-share", type=float, default=0.3)
    parser.add_argument("--only", default="accuracy,huge,diff")
    args = parser.parse_args()
    setup_django()
    import logging

    logging.disable(logging.WARNING)
    parts = set(args.only.split(","))
    print(f"load average before: {os.getloadavg()}")
    if "diff" in parts:
        for row in diff_cases():
            base = f"{row['baseline']:.2f} s" if row["baseline"] is not None else "> 30 s (stopped)"
            print(
                f"diff {row['case']}: {row['kb']} KB, page {row['seconds']:.2f} s ({row['html_kb']} KB HTML, cut={row['cut']}); SequenceMatcher {base}"
            )
    if "huge" in parts:
        row = huge()
        print(
            f"huge: {row['bytes']:,} bytes -> {row['outcome']} in {row['seconds']:.2f} s, {row['paragraphs_kept']:,} lines kept; "
            f"peak RSS this process {row['self_peak_mb']:.0f} MB (before {row['self_before_mb']:.0f} MB), extraction child {row['child_peak_mb']:.0f} MB; "
            f"baseline trafilatura on 1 MB: {row['baseline_seconds_1mb']:.2f} s"
        )
    if "accuracy" in parts:
        row = accuracy(args.pages, args.checks, args.edit_share)
        print(
            f"accuracy: {row['pages']} pages x {args.checks} checks = {row['checks']} checks in {row['seconds']:.0f} s; churn kinds {row['by_kind']}\n"
            f"  edits {row['edits']}: missed {row['missed']} ({100 * row['missed'] / max(row['edits'], 1):.2f}%), "
            f"alerted {row['mean_delay']:.2f} checks after the edit on average (1 = the confirming check)\n"
            f"  false changes {row['false']} ({100 * row['false'] / row['checks']:.3f}% of checks)\n"
            f"  baseline (any text change is a change): {row['baseline_alerts']} alerts, {row['baseline_false']} false "
            f"({100 * row['baseline_false'] / row['checks']:.1f}% of checks)"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
