"""Monitor throughput: source checks per second through the real path, next to a bare ceiling.

The real path is the production one: beat's dispatcher (`dispatch_due_checks`) claims the due
sources and enqueues them on Redis; a Celery worker started as operators start it
(`celery -A factcheck worker -Q celery,fetch`) runs `check_source` for each: per-host politeness
in Redis, the safe fetcher, main-text extraction, the SourceCheck row, the Source update and, when
the text is new, a gzip snapshot, all in PostgreSQL. The ceiling is the same fetches done by a bare
async httpx loop (one AsyncClient, 50 in flight, nothing else) in the same run.

Sources are N distinct ~40 KB news pages, each on its own loopback address (127.0.x.y, one
"site" per source, as in a real crawl) served by an asyncio server in its own process. Four
rounds, every source checked once per round:

  first      first checks: extraction and a snapshot for every page
  unchanged  byte-identical pages: the body hash matches, extraction is skipped
  churn      a timestamp in the footer changes on every answer (as on most real sites): the
             bytes differ, so every page is extracted, but the main text does not change
  edited     one paragraph of every article edited: extraction, a change and a snapshot

    .venv/bin/python bench/monitor.py --sources 2000 --concurrency 2 [--write]
    .venv/bin/python bench/monitor.py --sources 3000 --concurrency 2 --in-flight 500 --delay 1 [--write]

The second form is real-world latency: every page answers after a second, the worker keeps
1,000 fetches in flight (2 processes of 500), and only the first and unchanged rounds run. Every
round also reports the new PostgreSQL sessions (pg_stat_database.sessions), and the run reports
the worker's peak memory.

It uses a private redis-server and a fresh PostgreSQL database (`factcheck_bench_monitor_PID`,
dropped afterwards) on the local server; only loopback is ever contacted. `--write` puts the
results in bench/README.md under "## Monitor".
"""

import argparse
import asyncio
import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
WORDS = [
    "delegation",
    "talks",
    "istanbul",
    "ceasefire",
    "guarantees",
    "security",
    "treaty",
    "neutrality",
    "kyiv",
    "moscow",
    "minister",
    "statement",
    "sanctions",
    "evidence",
    "report",
    "satellite",
    "images",
    "withdrawal",
    "negotiators",
    "memorandum",
    "proposal",
    "referendum",
    "territory",
    "troops",
    "official",
    "spokesman",
    "agency",
    "interview",
    "correspondent",
    "documents",
]


# ---- the page server (runs in its own process: `bench/monitor.py --serve`) --------------------


def article(number: int, edited: bool) -> list[str]:
    rng = random.Random(number)
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(60, 100))).capitalize() + "." for _ in range(40)
    ]
    if edited:
        paragraphs[5] = (
            "Correction: an earlier version of this paragraph misstated the date. " + paragraphs[5]
        )
    return paragraphs


def page_parts(number: int, edited: bool) -> tuple[bytes, bytes]:
    """The page split around the footer timestamp, which the churn round varies per answer."""
    nav = "".join(f'<li><a href="/section/{i}?sid=8f14e45f">Section {i}</a></li>' for i in range(100))
    body = "".join(f"<p>{p}</p>" for p in article(number, edited))
    head = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Report {number} | Bench News</title>'
        f'<meta property="og:site_name" content="Bench News"></head><body><header><nav><ul>{nav}</ul></nav></header>'
        f'<div class="advert">Subscribe today</div><main><article><h1>Report {number}</h1>{body}</article></main>'
        f"<aside><h3>Most read</h3><ul>{nav[:4000]}</ul></aside><footer>Page generated "
    )
    return head.encode(), b"</footer></body></html>"


def serve(port: int, sources: int, control: Path, delay: float = 0.0) -> None:
    pages = {
        False: [page_parts(n, False) for n in range(sources)],
        True: [page_parts(n, True) for n in range(sources)],
    }
    counter = 0

    def mode() -> str:
        try:
            return control.read_text().strip()
        except OSError:
            return "static"

    current = {"mode": "static", "checked": 0.0}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal counter
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                path = request.split(b" ", 2)[1].decode()
                if time.monotonic() - current["checked"] > 0.2:
                    current["mode"], current["checked"] = mode(), time.monotonic()
                number = int(path.rsplit("/", 1)[1])
                if delay:
                    await asyncio.sleep(delay)  # a real site's response time
                head, tail = pages[current["mode"] == "edited"][number]
                counter += 1
                stamp = str(counter).encode() if current["mode"] == "churn" else b"2026-11-25 12:00"
                body = head + stamp + tail
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n"
                    % len(body)
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, host=host, port=port) for host in hosts(sources)]
        print("ready", flush=True)
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


def hosts(sources: int) -> list[str]:
    return [f"127.0.{1 + n // 250}.{1 + n % 250}" for n in range(sources)]


def urls(sources: int, port: int) -> list[str]:
    return [f"http://{host}:{port}/report/{n}" for n, host in enumerate(hosts(sources))]


# ---- the ceiling: the same fetches with nothing around them ------------------------------------


async def bare_httpx(targets: list[str], in_flight: int = 50) -> float:
    import httpx

    queue = list(reversed(targets))
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def worker() -> None:
            while queue:
                response = await client.get(queue.pop())
                assert response.status_code == 200 and len(response.content) > 30_000

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        return time.perf_counter() - started


# ---- helpers ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def postgres_backends(database: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f" {database} " in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU time of groups of processes over a whole round, sampled every 0.1 s, so processes that
    come and go during it (PostgreSQL backends) are counted too, up to their last sample."""

    def __init__(self, groups: dict) -> None:
        self.groups = groups
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self._stop = False

    def _sample(self, baseline: bool) -> None:
        for name, pids in self.groups.items():
            for pid in pids():
                used = cpu_seconds([pid])
                if baseline:
                    self.first[pid] = used
                self.last[pid] = (name, used)

    def _loop(self) -> None:
        while not self._stop:
            self._sample(baseline=False)
            time.sleep(0.1)

    def __enter__(self) -> "CpuMeter":
        import threading

        self._sample(baseline=True)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop = True
        self._thread.join()
        self._sample(baseline=False)

    def totals(self) -> dict[str, float]:
        totals = dict.fromkeys(self.groups, 0.0)
        for pid, (name, used) in self.last.items():
            totals[name] += used - self.first.get(pid, 0.0)  # a process born in the round: all of it
        return totals


def peak_rss(pids: list[int]) -> int:
    """Sum of the peak resident set (VmHWM) of `pids`, in bytes (shared pages counted in each)."""
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) * 1024
    return total


def database_sessions(database: str) -> int:
    """Sessions PostgreSQL has opened on `database` (its statistics, flushed within a second or
    so of a backend's activity)."""
    import psycopg

    time.sleep(1.2)
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        row = admin.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", [database]).fetchone()
    return int(row[0])


def stop(process: subprocess.Popen) -> None:
    """Terminate a process we started (the worker with its pool: it leads its own session)."""
    if process.poll() is not None:
        return
    if process.pid == os.getpgid(process.pid):
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def machine_busy() -> tuple[float, float]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


# ---- the run -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2, help="worker pool processes")
    parser.add_argument("--write", action="store_true", help="record the results in bench/README.md")
    parser.add_argument("--delay", type=float, default=0.0, help="every page answers after this many seconds")
    parser.add_argument(
        "--in-flight",
        type=int,
        default=50,
        help="SOURCE_CHECKS_IN_FLIGHT and SOURCE_CHECK_BATCH of the worker",
    )
    parser.add_argument(
        "--serve", nargs=4, metavar=("PORT", "SOURCES", "CONTROL", "DELAY"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), int(args.serve[1]), Path(args.serve[2]), float(args.serve[3]))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-monitor-"))
    database = f"factcheck_bench_monitor_{os.getpid()}"  # two runs at once never share one
    redis_port, http_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "SECRET_KEY": "bench-only-secret-key",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "MEDIA_ROOT": str(work / "media"),
        "SOURCE_FETCH_ALLOWED_NETWORKS": "127.0.0.0/16",
        "SOURCE_FETCH_ALLOWED_PORTS": str(http_port),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "SOURCE_CHECKS_IN_FLIGHT": str(args.in_flight),
        "SOURCE_CHECK_BATCH": str(args.in_flight),
    }
    os.environ.update(env)
    processes: list[subprocess.Popen] = []
    try:
        processes.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                cwd=work,
                stdout=subprocess.DEVNULL,
            )
        )
        control = work / "mode"
        control.write_text("static")
        server = subprocess.Popen(
            [PYTHON, __file__, "--serve", str(http_port), str(args.sources), str(control), str(args.delay)],
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(server)
        assert server.stdout.readline().strip() == "ready"

        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
            admin.execute(f"CREATE DATABASE {database}")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        results = run(args, env, processes, control, server.pid, work, database, http_port, redis_port)
    finally:
        for process in reversed(processes):
            stop(process)
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
        shutil.rmtree(work, ignore_errors=True)

    section = report(args, results)
    print(section)
    if args.write:
        write_section(section)


def run(args, env, processes, control, server_pid, work, database, http_port, redis_port) -> dict:
    from django.db import connection

    from sources.models import Source, SourceCheck

    targets = urls(args.sources, http_port)
    # With a delay, the ceiling keeps as many fetches in flight as the worker does.
    in_flight = args.concurrency * args.in_flight if args.delay else 50
    asyncio.run(bare_httpx(targets[:200]))  # warm up: page cache, connections, imports
    ceiling = args.sources / asyncio.run(bare_httpx(targets, in_flight))

    Source.objects.bulk_create(Source(url=url) for url in targets)
    worker = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "celery"),
            "-A",
            "factcheck",
            "worker",
            "-Q",
            "celery,fetch",
            "--concurrency",
            str(args.concurrency),
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
            "-n",
            f"bench-monitor-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env={**env, "LOG_LEVEL": "INFO"},
        stdout=(work / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes.append(worker)
    wait_for(lambda: "ready." in (work / "worker.log").read_text(errors="replace"), 60, "the worker")
    redis_pid = processes[0].pid

    from sources.monitor import dispatch_due_checks

    names = ["first", "unchanged"] if args.delay else ["first", "unchanged", "churn", "edited"]
    rounds = {}
    for number, name in enumerate(names, start=1):
        control.write_text("static" if name in ("first", "unchanged") else name)
        time.sleep(0.3)  # the server rereads its mode every 0.2 s
        Source.objects.update(next_check_at=None)
        watched = {
            "worker main": lambda: [worker.pid],
            "worker pool": lambda: children(worker.pid),
            "page server": lambda: [server_pid],
            "postgres": lambda: postgres_backends(database),
            "redis": lambda: [redis_pid],
        }
        sessions_before = database_sessions(database)
        busy_before = machine_busy()
        started = time.perf_counter()
        with CpuMeter(watched) as meter:
            dispatched = dispatch_due_checks()
            wait_for(lambda n=number: SourceCheck.objects.count() >= n * args.sources, 900, f"round {name}")
            elapsed = time.perf_counter() - started
        busy_after = machine_busy()
        with connection.cursor() as cursor:
            cursor.execute("SELECT outcome, count(*) FROM sources_sourcecheck GROUP BY outcome")
            outcomes = dict(cursor.fetchall())
        rounds[name] = {
            "dispatched": dispatched,
            "seconds": elapsed,
            "checks_per_second": args.sources / elapsed,
            "cpu_seconds": meter.totals(),
            "sessions": database_sessions(database) - sessions_before,
            "machine_busy": (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1]),
        }
        assert outcomes == {"ok": number * args.sources}, outcomes
    peak = {"worker main": peak_rss([worker.pid]), "worker pool": peak_rss(children(worker.pid))}
    stop(worker)
    # The same check without Celery around it, in this process: what the check itself costs.
    from sources import monitor

    in_process = {}
    root = logging.getLogger()
    root.setLevel(logging.INFO)  # as the worker logs (to a file there, to nowhere here)
    for handler in root.handlers:
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (lives as long as the run)
    sample = list(Source.objects.order_by("pk").values_list("pk", flat=True)[:300])
    # One check after another: at a second per answer this would take minutes, and measure nothing new.
    for name in () if args.delay else ("unchanged", "churn"):
        control.write_text("static" if name == "unchanged" else "churn")
        time.sleep(0.3)
        if name == "unchanged":
            for pk in sample:  # bring the stored body hash back to the static bytes
                monitor.check_source(pk, force=True)
        started = time.process_time()
        for pk in sample:
            monitor.check_source(pk, force=True)
        in_process[name] = (time.process_time() - started) * 1000 / len(sample)
    return {
        "ceiling": ceiling,
        "rounds": rounds,
        "cores": os.cpu_count(),
        "in_process": in_process,
        "peak": peak,
    }


def report(args, results: dict) -> str:
    ceiling, cores, n = results["ceiling"], results["cores"], args.sources
    title = f"## Monitor at {args.delay:g} s latency" if args.delay else "## Monitor"
    command = f"`.venv/bin/python bench/monitor.py --sources {n} --concurrency {args.concurrency} --in-flight {args.in_flight}"
    command += f" --delay {args.delay:g}`" if args.delay else "`"
    lines = [
        title,
        "",
        f"{command}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cores} cores shared with other sessions: "
        f"{n} distinct ~40 KB pages, one loopback address each (one site per source)"
        + (f", every answer sent {args.delay:g} s after the request" if args.delay else "")
        + ", checked through the real path: dispatcher → Redis → "
        f"`celery -A factcheck worker -Q celery,fetch --concurrency {args.concurrency}` (batches of {args.in_flight} "
        f"sources, {args.in_flight} fetches in flight per process, {args.concurrency * args.in_flight} per worker) → "
        "politeness (Redis), safe fetch, extraction, PostgreSQL writes, gzip snapshots. Ceiling: the same "
        "fetches by a bare async httpx loop (one AsyncClient) in the same run"
        + (f", {args.concurrency * args.in_flight} in flight" if args.delay else ", 50 in flight")
        + ". CPU is sampled every 0.1 s over the whole round for every process a check touches, "
        "PostgreSQL backends included (they come and go).",
        "",
        f"Ceiling (bare httpx): **{ceiling:.0f} fetches/s**.",
        "",
        "| round | what a check does | checks/s | vs ceiling | CPU ms per check: worker main + pool, "
        "page server, PostgreSQL, Redis | new PostgreSQL sessions | checks/s if CPU-bound on "
        f"{cores} free cores |",
        "| --- | --- | ---: | ---: | --- | ---: | ---: |",
    ]
    what = {
        "first": "extract with metadata, first snapshot",
        "unchanged": "identical bytes: no extraction",
        "churn": "bytes differ, text does not: extract, no snapshot",
        "edited": "extract, change, snapshot",
    }
    for name, r in results["rounds"].items():
        per = {k: v * 1000 / n for k, v in r["cpu_seconds"].items()}
        ours = per["worker main"] + per["worker pool"] + per["postgres"] + per["redis"]
        lines.append(
            f"| {name} | {what[name]} | **{r['checks_per_second']:.0f}** | {r['checks_per_second'] / ceiling:.2f} | "
            f"{per['worker main']:.1f} + {per['worker pool']:.1f}, {per['page server']:.1f}, {per['postgres']:.1f}, "
            f"{per['redis']:.1f} | {r['sessions']} | {cores * 1000 / ours:.0f} |"
        )
    busy = max(r["machine_busy"] for r in results["rounds"].values())
    inproc = results["in_process"]
    peak = results["peak"]
    lines += [
        "",
        f"Machine busy during the rounds: up to {busy:.0%} (other sessions' test suites and benchmarks), so "
        "the measured checks/s are depressed; the last column divides the cores by the CPU one check "
        "costs (worker, PostgreSQL, Redis; not the page server). Peak resident memory: worker main "
        f"{peak['worker main'] / 2**20:.0f} MB, pool processes {peak['worker pool'] / 2**20:.0f} MB together "
        "(VmHWM, shared pages counted in each). In-process (no Celery) CPU of one check: "(
            f"{inproc['unchanged']:.1f} ms unchanged, {inproc['churn']:.1f} ms when the text must be extracted."
            if inproc
            else "not measured with a delay."
        ),
    ]
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    title = re.escape(section.split("\n", 1)[0])
    pattern = re.compile(rf"^{title}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(section + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    readme.write_text(text)


if __name__ == "__main__":
    main()
