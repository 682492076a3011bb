"""Checks per second of one deployed Celery worker, end to end (broker, fetch, extract, database).

Runs the worker exactly as docker/compose.yaml does (`celery -A factcheck worker -Q celery,fetch`)
against PostgreSQL and Redis, and page servers on loopback addresses 127.0.0.1..127.0.0.H (one
"host" each, so per-host politeness spreads as it does across real sites). Each page is ~40 KB
of article HTML, distinct per source. Two passes: first checks (extraction and a snapshot for
every page) and re-checks of unchanged pages (the daily steady state: identical bytes skip
extraction). `--delay` adds a server-side wait per answer to model real sites' latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/factcheck_ops REDIS_URL=redis://127.0.0.1:6379/4 \
        .venv/bin/python bench/stack_throughput.py --sources 600 --concurrency 2

Results are written down in bench/README.md ("Operations"). Only loopback is ever contacted.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")

PARAGRAPH = (
    "<p>Delegations met in Istanbul and discussed neutrality, guarantees and a ceasefire line {n}.</p>"
)


def page(number: int) -> bytes:
    body = "".join(PARAGRAPH.format(n=number * 1000 + i) for i in range(400))
    return f"<html><head><title>Page {number}</title></head><body><article>{body}</article></body></html>".encode()


def serve(hosts: int, delay: float) -> tuple[int, list[ThreadingHTTPServer]]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if delay:
                time.sleep(delay)
            body = page(int(self.path.rsplit("/", 1)[1]))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    first = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = first.server_address[1]
    servers = [first] + [ThreadingHTTPServer((f"127.0.0.{h}", port), Handler) for h in range(2, hosts + 1)]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return port, servers


def wait_checked(source_ids: list[int], expected_checks: int, timeout: float) -> float:
    from sources.models import SourceCheck

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if SourceCheck.objects.filter(source_id__in=source_ids).count() >= expected_checks:
            return time.monotonic() - started
        time.sleep(0.2)
    raise SystemExit(f"timed out: fewer than {expected_checks} checks after {timeout}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=600)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds each page server waits")
    args = parser.parse_args()

    port, servers = serve(args.hosts, args.delay)
    worker_env = {
        **os.environ,
        "SOURCE_FETCH_ALLOWED_NETWORKS": "127.0.0.0/8",
        "SOURCE_FETCH_ALLOWED_PORTS": str(port),
        "CELERY_WORKER_CONCURRENCY": str(args.concurrency),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="factcheck-bench-media-"),
    }
    os.environ.update(
        {k: worker_env[k] for k in ("SOURCE_FETCH_ALLOWED_NETWORKS", "SOURCE_FETCH_ALLOWED_PORTS")}
    )

    import django

    django.setup()
    import redis
    from django.conf import settings

    from sources import monitor
    from sources.models import Source

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    Source.objects.filter(url__contains=f":{port}/bench/").delete()
    sources = Source.objects.bulk_create(
        Source(url=f"http://127.0.0.{1 + i % args.hosts}:{port}/bench/{i}", title=f"bench {i}")
        for i in range(args.sources)
    )
    ids = [s.pk for s in sources]
    worker = subprocess.Popen(
        ["celery", "-A", "factcheck", "worker", "-Q", "celery,fetch"],
        cwd=ROOT,
        env=worker_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from factcheck.celery import app

        while not app.control.ping(timeout=0.5):
            time.sleep(0.2)
        results = {
            "sources": args.sources,
            "hosts": args.hosts,
            "concurrency": args.concurrency,
            "delay_s": args.delay,
            "cpus": os.cpu_count(),
        }
        for name, expected in (("first_checks", args.sources), ("unchanged_rechecks", 2 * args.sources)):
            Source.objects.filter(pk__in=ids).update(next_check_at=None, queued_at=None)
            monitor.request_checks(ids)
            seconds = wait_checked(ids, expected, timeout=600)
            results[name] = {"seconds": round(seconds, 2), "checks_per_s": round(args.sources / seconds, 1)}
        print(json.dumps(results))
    finally:
        worker.terminate()
        worker.wait(30)
        Source.objects.filter(pk__in=ids).delete()
        for server in servers:
            server.shutdown()
        shutil.rmtree(worker_env["MEDIA_ROOT"], ignore_errors=True)


if __name__ == "__main__":
    main()
