"""Monitor throughput side by side (issue 13): our production path, changedetection.io, bare floors.

One command runs, alternately and in one session, three systems against the same generated pages
served by one local server:

  us     the production path: sources created with `Source.objects.bulk_create` (first checks)
         or made due with `manage.py check_sources --all --enqueue` (rechecks), sent by the
         dispatcher (`dispatch_due_checks`, called by the bench every second as beat would call
         it every minute) through a private Redis to a worker started as compose starts it
         (`celery -A factcheck worker -Q celery,fetch`), which records every check in PostgreSQL
  peer   changedetection.io (bench/peer.py), installed from PyPI into its own virtualenv, its
         watches imported through its API and rechecked with `recheck_all`
  floor  bare loops with nothing around them: aiohttp fetching every URL (plain and with
         conditional 304 requests), and the same fetch plus `sources.extract.extract` (our
         trafilatura extraction) spread over a pool of 2 processes

Passes, every source checked once in each:

  first      first checks of fresh sources/watches: extraction for every page
  unchanged  byte-identical pages (the server answers If-None-Match with 304)
  churn      a footer timestamp changes on every answer: the bytes differ, the main text does not
  delayed    (with --delay S) the unchanged pass with every answer sent S seconds after the
             request, the worker holding --delay-in-flight checks in flight (us and the floor)

The page server (its own process, one loopback address per source, as one site per source in a
real crawl) writes an access log, one line per answered request (epoch time to the µs, host and
path, status): every pass is also timed from it, first to last request. CPU is counted for every
process of a system over the whole pass (whole process trees exactly, from their own and their
reaped children's times; PostgreSQL backends sampled every 0.1 s as they come and go), and memory
as the peak total RSS of a system's process tree, sampled every 0.1 s. The server's CPU is
reported apart: it serves everyone.

    .venv/bin/python bench/monitor.py --sources 2000 --rounds 2 --delay 1 [--write]

It uses a private redis-server, a fresh PostgreSQL database (`factcheck_bench_monitor_PID`) and a
temporary directory, all removed on exit (`--logs DIR` keeps the access logs); only loopback is
ever contacted (PyPI once, to install the peer). The floor needs aiohttp in this virtualenv.
`--write` puts the results and the command in bench/README.md under "## Monitor".
"""

import argparse
import asyncio
import contextlib
import hashlib
import io
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
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
STAMP = b"2026-11-25 12:00"
TAIL = b"</footer></body></html>"
PASSES = ("first", "unchanged", "delayed", "churn")


# ---- the page server (its own process: `bench/monitor.py --serve PORT SOURCES`) -----------------


def page_head(number: int) -> bytes:
    """A distinct ~43 KB news page up to its footer timestamp (the churn pass varies what follows)."""
    rng = random.Random(number)
    paragraphs = (
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(60, 100))).capitalize() + "." for _ in range(40)
    )
    nav = "".join(f'<li><a href="/section/{i}?sid=8f14e45f">Section {i}</a></li>' for i in range(100))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Report {number} | Bench News</title>'
        f'<meta property="og:site_name" content="Bench News"></head><body><header><nav><ul>{nav}</ul></nav></header>'
        f'<div class="advert">Subscribe today</div><main><article><h1>Report {number}</h1>{body}</article></main>'
        f"<aside><h3>Most read</h3><ul>{nav[:4000]}</ul></aside><footer>Page generated "
    ).encode()


class PageServer:
    """Answers GET /report/N on every source's address, from bytes built once at start.

    Modes: `static` (identical bytes, a stable ETag, 304 to a matching If-None-Match) and `churn`
    (a counter in the footer and a new ETag on every answer). `delay` holds every answer that
    long. Answers are logged per pass; commands arrive on stdin, one per line, and are answered
    on stdout (see `command`)."""

    def __init__(self, sources: int) -> None:
        self.heads = [page_head(n) for n in range(sources)]
        self.etags = [
            b'"%s"' % hashlib.sha256(h + STAMP + TAIL).hexdigest()[:20].encode() for h in self.heads
        ]
        self.mode, self.delay, self.counter = "static", 0.0, 0
        self.log: io.TextIOWrapper | None = None
        self.lines: list[str] = []
        self.reset()

    def reset(self) -> None:
        self.seen: set[int] = set()
        self.statuses: Counter[int] = Counter()
        self.first = self.last = 0.0

    def answer(self, transport: asyncio.Transport, host: str, request: bytes) -> None:
        if transport.is_closing():
            return
        line, _, headers = request.partition(b"\r\n")
        parts = line.split(b" ")
        path = parts[1].decode("latin-1") if len(parts) > 1 else "?"
        headers = b"\n" + headers.lower()
        try:
            number = int(path.split("?", 1)[0].removeprefix("/report/"))
            head = self.heads[number]
        except (ValueError, IndexError):
            number, head = -1, b""
        if number < 0:
            status, response = 404, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        else:
            if self.mode == "churn":
                self.counter += 1
                stamp, etag = b"%d" % self.counter, b'"c%d"' % self.counter
            else:
                stamp, etag = STAMP, self.etags[number]
            at = headers.find(b"\nif-none-match:")
            end = headers.find(b"\r", at + 1)
            if at >= 0 and headers[at + 15 : end if end > 0 else None].strip() == etag:
                status, response = 304, b"HTTP/1.1 304 Not Modified\r\nETag: %s\r\n\r\n" % etag
            else:
                body_length = len(head) + len(stamp) + len(TAIL)
                status = 200
                response = b"".join(
                    (
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nETag: %s\r\n"
                        b"Content-Length: %d\r\n\r\n" % (etag, body_length),
                        head,
                        stamp,
                        TAIL,
                    )
                )
            self.seen.add(number)
        transport.write(response)
        if b"\nconnection: close" in headers or line.endswith(b"HTTP/1.0"):
            transport.close()
        now = time.time()
        self.first = self.first or now
        self.last = now
        self.statuses[status] += 1
        self.lines.append(f"{now:.6f} {host}{path} {status}\n")
        if len(self.lines) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self.log is not None:
            self.log.write("".join(self.lines))
            self.log.flush()
        self.lines.clear()

    def status(self) -> str:
        return json.dumps(
            {
                "answered": sum(self.statuses.values()),
                "distinct": len(self.seen),
                "first": self.first,
                "last": self.last,
                "statuses": dict(self.statuses),
            }
        )

    def command(self, line: str) -> str:
        """`pass MODE DELAY LOGFILE` starts a pass (a new log, counts from zero); `status` and
        `end` (flushes and closes the log) report the pass so far as JSON."""
        words = line.split()
        if words[0] == "pass":
            self.flush()
            if self.log is not None:
                self.log.close()
            self.mode, self.delay = words[1], float(words[2])
            self.log = open(words[3], "w")  # noqa: SIM115 (closed by the next pass or `end`)
            self.reset()
            return "ok"
        if words[0] == "end":
            self.flush()
            if self.log is not None:
                self.log.close()
                self.log = None
        return self.status()


def serve(port: int, sources: int) -> None:
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # a listener per source, plus clients
    server = PageServer(sources)

    class Connection(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport
            self.host = f"{transport.get_extra_info('sockname')[0]}:{port}"
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
                request, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
                if server.delay:
                    loop.call_later(server.delay, server.answer, self.transport, self.host, request)
                else:
                    server.answer(self.transport, self.host, request)

    async def main() -> None:
        for host in hosts(sources):
            await loop.create_server(Connection, host=host, port=port, backlog=1024)
        commands: asyncio.Queue[str] = asyncio.Queue()

        def read_commands() -> None:
            for line in sys.stdin:
                loop.call_soon_threadsafe(commands.put_nowait, line)
            loop.call_soon_threadsafe(commands.put_nowait, "")

        threading.Thread(target=read_commands, daemon=True).start()
        print("ready", flush=True)
        while line := await commands.get():
            print(server.command(line), flush=True)
        server.command("end")

    loop = asyncio.new_event_loop()
    loop.run_until_complete(main())


def hosts(sources: int) -> list[str]:
    return [f"127.0.{1 + n // 250}.{1 + n % 250}" for n in range(sources)]


def urls(sources: int, port: int) -> list[str]:
    return [f"http://{host}:{port}/report/{n}" for n, host in enumerate(hosts(sources))]


# ---- the floors (their own process: `bench/monitor.py --floor PORT SOURCES PROCESSES`) -----------


def _extract(body: bytes, content_type: str, url: str) -> str:
    from sources.extract import extract

    return extract(body, content_type, url=url).content_hash


def _warm(ready: threading.Barrier) -> None:
    """A pool process imports trafilatura and extracts once before any pass is timed."""
    _extract(page_head(0) + STAMP + TAIL, "text/html", "http://127.0.1.1/report/0")
    ready.wait()


def floor(port: int, sources: int, processes: int) -> None:
    """Commands on stdin: `fetch N`, `conditional N` (If-None-Match with the ETags of the last
    200s) and `extract N` (fetch, then extraction in the process pool), N fetches in flight;
    each answers one JSON line with the pass's seconds and statuses."""
    import multiprocessing

    try:
        import aiohttp
    except ImportError:
        raise SystemExit("the floor needs aiohttp in this virtualenv (pip install aiohttp)") from None
    sys.path.insert(0, str(ROOT))
    targets = urls(sources, port)
    etags: dict[str, str] = {}
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(processes + 1)
    pool = context.Pool(processes, initializer=_warm, initargs=(ready,))
    ready.wait(timeout=300)  # every pool process is up and warm

    async def extracted(*args: str | bytes) -> str:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        pool.apply_async(
            _extract,
            args,
            callback=lambda result: loop.call_soon_threadsafe(future.set_result, result),
            error_callback=lambda error: loop.call_soon_threadsafe(future.set_exception, error),
        )
        return await future

    async def run(kind: str, in_flight: int) -> dict:
        statuses: Counter[int] = Counter()
        queue = list(reversed(targets))
        connector = aiohttp.TCPConnector(limit=in_flight, force_close=True)
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=120)
        ) as session:

            async def worker() -> None:
                while queue:
                    url = queue.pop()
                    headers = {"If-None-Match": etags[url]} if kind == "conditional" and url in etags else {}
                    async with session.get(url, headers=headers) as response:
                        body = await response.read()
                        statuses[response.status] += 1
                        if response.status == 200:
                            etags[url] = response.headers.get("ETag", "")
                            if kind == "extract":
                                await extracted(body, response.headers.get("Content-Type", ""), url)

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(min(in_flight, len(targets)))))
            return {"seconds": time.perf_counter() - started, "statuses": dict(statuses)}

    print("ready", flush=True)
    for line in sys.stdin:
        kind, in_flight = line.split()
        print(json.dumps(asyncio.run(run(kind, int(in_flight)))), flush=True)
    pool.close()
    pool.join()


# ---- what processes cost --------------------------------------------------------------------


def stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree(root: int) -> list[int]:
    """`root` and all its descendants (children are listed per thread that forked them)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                todo += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                continue
    return found


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds of whole trees: every live process's own time plus what its reaped children
    used (cutime, cstime), so the difference of two readings counts processes that came and
    went in between exactly."""
    total = 0
    for root in roots:
        for pid in tree(root):
            fields = stat_fields(pid)
            if fields:
                total += sum(int(f) for f in fields[11:15])
    return total / CLOCK_TICK


def rss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except OSError:
            continue
    return total


def postmaster() -> int | None:
    """The local PostgreSQL server's main process, whose children are the sessions' backends."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if cmd and cmd[0].endswith(b"/postgres") and b"-D" in cmd:
                return int(entry.name)
    return None


def backends(master: int | None, database: str, exclude: set[int]) -> list[int]:
    if master is None:
        return []
    pids = []
    marker = f" {database} ".encode()
    for pid in tree(master)[1:]:
        try:
            if (
                marker in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                and pid not in exclude
            ):
                pids.append(pid)
        except OSError:
            continue
    return pids


class Meter:
    """The CPU and peak memory of one system over one pass.

    `trees` are process trees counted exactly (tree_cpu at both ends) and whose total resident
    memory is sampled every 0.1 s for its peak; `loose` are processes found by a function at every
    sample (PostgreSQL backends: not ours to wait for), counted from their first to last sample.
    The page server is metered alongside, apart."""

    def __init__(
        self, trees: dict[str, list[int]], loose: dict | None = None, server: int | None = None
    ) -> None:
        self.trees, self.loose, self.server = trees, loose or {}, server
        self.peak = dict.fromkeys(trees, 0)
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()

    def _own(self, pid: int) -> float:
        fields = stat_fields(pid)
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICK if fields else 0.0

    def _sample(self, baseline: bool = False) -> None:
        for name, roots in self.trees.items():
            self.peak[name] = max(self.peak[name], rss([p for r in roots for p in tree(r)]))
        for name, find in self.loose.items():
            for pid in find():
                used = self._own(pid)
                if baseline:
                    self.first[pid] = used
                self.last[pid] = (name, used)

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            self._sample()

    def __enter__(self) -> "Meter":
        self.start = {name: tree_cpu(roots) for name, roots in self.trees.items()}
        self.server_start = self._own(self.server) if self.server else 0.0
        self.busy_start = machine_busy()
        self._sample(baseline=True)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.cpu = {name: tree_cpu(roots) - self.start[name] for name, roots in self.trees.items()}
        for name in self.loose:
            self.cpu[name] = 0.0
        for pid, (name, used) in self.last.items():
            self.cpu[name] += used - self.first.get(pid, 0.0)  # a backend born in the pass: all of it
        self.server_cpu = (self._own(self.server) - self.server_start) if self.server else 0.0
        busy, total = machine_busy()
        self.busy = (busy - self.busy_start[0]) / max(1, total - self.busy_start[1])


# ---- helpers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def stop(process: subprocess.Popen) -> None:
    """Terminate a process we started (with its whole session when it leads one)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL) if os.getpgid(
                process.pid
            ) == process.pid else process.kill()
        process.wait(10)


def tail(path: Path, lines: int = 30) -> str:
    """The end of a log that lives in the run's temporary directory (gone after the run)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def machine_busy() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


class Line:
    """A child process spoken to one line at a time (the page server, the floor)."""

    def __init__(self, args: list[str], **kwargs) -> None:
        self.process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True, **kwargs
        )
        if self.read() != "ready":
            raise SystemExit(f"{shlex.join(args[1:3])} did not start")

    def read(self) -> str:
        line = self.process.stdout.readline().strip()
        if not line and self.process.poll() is not None:
            raise SystemExit(f"a bench process exited ({self.process.returncode})")
        return line

    def ask(self, line: str) -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.read()


# ---- the run --------------------------------------------------------------------------------------


class Bench:
    """Everything one run starts, and the passes of each system."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="bench-monitor-"))
        self.database = f"factcheck_bench_monitor_{os.getpid()}"  # two runs at once never share one
        self.redis_port, self.http_port = free_port(), free_port()
        self.targets = urls(args.sources, self.http_port)
        self.processes: list[subprocess.Popen] = []
        self.results: list[dict] = []
        self.database_created = False
        self.env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
            "DJANGO_SETTINGS_MODULE": "factcheck.settings",
            "SECRET_KEY": "bench-only-secret-key",
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.database}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "MEDIA_ROOT": str(self.work / "media"),
            "SOURCE_FETCH_ALLOWED_NETWORKS": "127.0.0.0/16",
            "SOURCE_FETCH_ALLOWED_PORTS": str(self.http_port),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    # -- setup and teardown

    def start(self) -> None:
        redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.work,
            stdout=subprocess.DEVNULL,
        )
        self.processes.append(redis)
        self.redis = redis.pid
        started = time.perf_counter()
        self.server = Line(
            [PYTHON, str(Path(__file__).resolve()), "--serve", str(self.http_port), str(self.args.sources)]
        )
        self.processes.append(self.server.process)
        print(f"page server ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {self.database}")
        self.database_created = True
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        connection.ensure_connection()
        # The bench's own sessions: the dispatcher's (charged to us, it is ours) and a poller's (not).
        self.poller = psycopg.connect(
            self.env["DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True
        )
        self.poller_pid = self.poller.info.backend_pid
        self.master = postmaster()
        if self.master is None:
            print("PostgreSQL's processes are not visible here: its CPU is left out", file=sys.stderr)

    def close(self) -> None:
        for process in reversed(self.processes):
            stop(process)
        if self.database_created:
            with contextlib.suppress(Exception):  # whatever got set up before a failure
                from django.db import connections

                connections.close_all()
                self.poller.close()
            import psycopg

            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        if self.args.logs:
            self.args.logs.mkdir(parents=True, exist_ok=True)
            for log in self.work.glob("access-*.log"):
                shutil.copy(log, self.args.logs)
        shutil.rmtree(self.work, ignore_errors=True)

    def sessions(self) -> int:
        """Sessions PostgreSQL has opened on the database (its statistics lag a second or so)."""
        time.sleep(1.2)
        return self.poller.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", [self.database]
        ).fetchone()[0]

    # -- one pass, any system

    def server_pass(self, name: str, round_: int, system: str, delay: float = 0.0) -> None:
        mode = "churn" if name == "churn" else "static"
        log = self.work / f"access-{round_}-{system}-{name}.log"
        assert self.server.ask(f"pass {mode} {delay:g} {log}") == "ok"

    def record(self, system: str, name: str, round_: int, seconds: float, meter: Meter, **extra) -> dict:
        served = json.loads(self.server.ask("end"))
        n = self.args.sources
        window = served["last"] - served["first"]
        parts = {**meter.cpu, **({"dispatcher": extra.pop("dispatcher")} if "dispatcher" in extra else {})}
        result = {
            "system": system,
            "pass": name,
            "round": round_,
            "seconds": seconds,
            "rate": n / seconds,
            "window_rate": n / window if window > 0 else float("nan"),
            "cpu_ms": sum(parts.values()) * 1000 / n,
            "cpu_parts": {k: v * 1000 / n for k, v in parts.items()},
            "peak_rss": meter.peak[next(iter(meter.trees))],  # the system's own tree (ours: the worker)
            "server_ms": meter.server_cpu * 1000 / max(1, served["answered"]),
            "machine_busy": meter.busy,
            "served": served,
            **extra,
        }
        if served["distinct"] < n:
            raise SystemExit(f"{system} {name}: only {served['distinct']} of {n} pages were requested")
        self.results.append(result)
        print(
            f"round {round_} {system:5} {name:9} {result['rate']:7.1f}/s (log window {result['window_rate']:.1f}/s), "
            f"{result['cpu_ms']:.1f} ms CPU/check, peak RSS {result['peak_rss'] / 2**20:.0f} MB, "
            f"machine {meter.busy:.0%} busy, answers {served['statuses']}" + (f", {extra}" if extra else ""),
            file=sys.stderr,
            flush=True,
        )
        return result

    # -- the floor

    def floor_round(self, round_: int) -> None:
        floor_process = Line(
            [
                PYTHON,
                str(Path(__file__).resolve()),
                "--floor",
                str(self.http_port),
                str(self.args.sources),
                str(self.args.floor_processes),
            ],
            cwd=ROOT,
        )
        self.processes.append(floor_process.process)
        try:
            runs = [("first", "extract", 0.0), ("unchanged", "fetch", 0.0), ("unchanged", "conditional", 0.0)]
            if self.args.delay:
                runs.append(("delayed", "conditional", self.args.delay))
            runs.append(("churn", "extract", 0.0))
            for name, kind, delay in runs:
                in_flight = self.args.delay_in_flight if delay else self.args.floor_in_flight
                self.server_pass(name, round_, f"floor-{kind}", delay)
                with Meter({"floor": [floor_process.process.pid]}, server=self.server.process.pid) as meter:
                    done = json.loads(floor_process.ask(f"{kind} {in_flight}"))
                system = {
                    "extract": "floor: fetch + extract",
                    "fetch": "floor: fetch",
                    "conditional": "floor: fetch, 304",
                }[kind]
                self.record(system, name, round_, done["seconds"], meter)
        finally:
            stop(floor_process.process)

    # -- the peer

    def peer_round(self, round_: int) -> None:
        import peer as peer_module

        peer = peer_module.Peer(self.work / f"peer-{round_}", self.args.peer_workers, self.work / "peer.log")
        try:
            peer.start()
            for name in ("first", "unchanged", "churn"):
                time.sleep(1.1)  # last_checked has a resolution of one second
                self.server_pass(name, round_, "peer")
                with Meter({"peer": [peer.process.pid]}, server=self.server.process.pid) as meter:
                    started, since = time.perf_counter(), int(time.time())
                    if name == "first":
                        peer.import_urls(self.targets)
                    else:
                        peer.recheck_all()
                    self.wait_peer(peer, since, name)
                    seconds = time.perf_counter() - started
                watches = peer.watches()
                errors = sum(1 for w in watches.values() if w.get("last_error"))
                self.record("peer", name, round_, seconds, meter, errors=errors)
        finally:
            peer.stop()

    def wait_peer(self, peer, since: int, name: str) -> None:
        """Done when every page was requested, the peer's queue is empty and every watch says it
        was checked in this pass."""
        n, timeout = self.args.sources, self.args.timeout
        wait_until(
            lambda: json.loads(self.server.ask("status"))["distinct"] >= n,
            timeout,
            f"peer {name}: requests",
            0.2,
        )
        wait_until(lambda: peer.system_info()["queue_size"] == 0, timeout, f"peer {name}: its queue", 0.2)

        def all_checked() -> bool:
            return all((w.get("last_checked") or 0) >= since for w in peer.watches().values())

        wait_until(all_checked, timeout, f"peer {name}: last_checked", 0.2)

    # -- us

    def start_worker(self, concurrency: int, batch: int, in_flight: int) -> subprocess.Popen:
        log = self.work / "worker.log"
        offset = log.stat().st_size if log.exists() else 0
        worker = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "celery"),
                "-A",
                "factcheck",
                "worker",
                "-Q",
                "celery,fetch",
                "--concurrency",
                str(concurrency),
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
                "-n",
                f"bench-monitor-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env={
                **self.env,
                "LOG_LEVEL": "INFO",
                "SOURCE_CHECK_BATCH": str(batch),
                "SOURCE_CHECKS_IN_FLIGHT": str(in_flight),
                "SOURCE_EXTRACT_PROCESSES": str(self.args.extract_processes),
            },
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(worker)

        def ready() -> bool:
            if worker.poll() is not None:
                raise SystemExit(f"the worker exited ({worker.returncode}):\n{tail(log)}")
            with log.open("rb") as f:
                f.seek(offset)
                return b"ready." in f.read()

        wait_until(ready, 120, "the worker")
        return worker

    def our_round(self, round_: int) -> None:
        from django.core.management import call_command
        from django.db import connection

        from sources.models import Source
        from sources.monitor import dispatch_due_checks

        a = self.args
        with connection.cursor() as cursor:  # fresh sources: the first pass is first checks again
            cursor.execute("TRUNCATE sources_source RESTART IDENTITY CASCADE")
        usual = (a.concurrency, a.batch, a.in_flight)
        per_process = max(1, a.delay_in_flight // a.delay_concurrency)
        delayed = (a.delay_concurrency, a.delay_batch or per_process, per_process)
        config, worker = usual, self.start_worker(*usual)
        try:
            for name in ["first", "unchanged", *(["delayed"] if a.delay else []), "churn"]:
                delay = a.delay if name == "delayed" else 0.0
                if (delayed if name == "delayed" else usual) != config:  # its own worker settings
                    stop(worker)
                    config = delayed if name == "delayed" else usual
                    worker = self.start_worker(*config)
                last = self.poller.execute("SELECT coalesce(max(id), 0) FROM sources_sourcecheck").fetchone()[
                    0
                ]
                sessions = self.sessions()
                self.server_pass(name, round_, "us", delay)
                meter = Meter(
                    {"worker": [worker.pid], "redis": [self.redis]},
                    {"postgres": lambda: backends(self.master, self.database, {self.poller_pid})},
                    server=self.server.process.pid,
                )
                with meter:
                    started, dispatcher = time.perf_counter(), time.thread_time()
                    if name == "first":  # as an import does; the dispatcher finds them due
                        Source.objects.bulk_create(Source(url=url) for url in self.targets)
                        dispatch_due_checks()
                    else:
                        call_command("check_sources", all=True, enqueue=True, stdout=io.StringIO())
                    dispatcher = time.thread_time() - dispatcher
                    next_dispatch = time.monotonic() + 1
                    deadline = time.monotonic() + a.timeout
                    while True:
                        done = self.poller.execute(
                            "SELECT count(*) FROM sources_sourcecheck WHERE id > %s", [last]
                        ).fetchone()[0]
                        if done >= a.sources:
                            break
                        if time.monotonic() > deadline:
                            raise SystemExit(f"us {name}: {done} of {a.sources} checks after {a.timeout} s")
                        if time.monotonic() > next_dispatch:  # what beat does every minute
                            cpu = time.thread_time()
                            dispatch_due_checks()
                            dispatcher += time.thread_time() - cpu
                            next_dispatch = time.monotonic() + 1
                        time.sleep(0.1)
                    seconds = time.perf_counter() - started
                outcomes = dict(
                    self.poller.execute(
                        "SELECT outcome, count(*) FROM sources_sourcecheck WHERE id > %s GROUP BY outcome",
                        [last],
                    ).fetchall()
                )
                self.record(
                    "us",
                    name,
                    round_,
                    seconds,
                    meter,
                    dispatcher=dispatcher,
                    sessions=self.sessions() - sessions,
                    outcomes=outcomes,
                )
        finally:
            stop(worker)

    def run(self) -> None:
        systems = {"floor": self.floor_round, "peer": self.peer_round, "us": self.our_round}
        order = [s for s in ("floor", "peer", "us") if s not in self.args.skip]
        for round_ in range(1, self.args.rounds + 1):
            for system in order[round_ - 1 :] + order[: round_ - 1]:  # who goes first alternates
                systems[system](round_)


# ---- the report -------------------------------------------------------------------------------------


def medians(results: list[dict]) -> dict[tuple[str, str], dict]:
    grouped: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        grouped.setdefault((r["system"], r["pass"]), []).append(r)
    table = {}
    for key, rows in grouped.items():
        table[key] = {
            "rate": statistics.median(r["rate"] for r in rows),
            "window_rate": statistics.median(r["window_rate"] for r in rows),
            "cpu_ms": statistics.median(r["cpu_ms"] for r in rows),
            "cpu_parts": {
                k: statistics.median(r["cpu_parts"][k] for r in rows) for k in rows[0]["cpu_parts"]
            },
            "peak_rss": max(r["peak_rss"] for r in rows),
            "server_ms": statistics.median(r["server_ms"] for r in rows),
            "sessions": statistics.median(r["sessions"] for r in rows) if "sessions" in rows[0] else None,
            "statuses": rows[-1]["served"]["statuses"],
            "errors": max(r.get("errors", 0) for r in rows),
            "outcomes": rows[-1].get("outcomes"),
            "busy": max(r["machine_busy"] for r in rows),
            "rounds": len(rows),
        }
    return table


def report(args: argparse.Namespace, command: str, results: list[dict]) -> str:
    import peer

    table = medians(results)
    n, cores = args.sources, os.cpu_count()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    per_process = max(1, args.delay_in_flight // args.delay_concurrency)
    lines = [
        "## Monitor",
        "",
        "Issue 13: our production path, changedetection.io and bare floors side by side, alternately in "
        "one run (`bench/monitor.py`, `bench/peer.py`):",
        "",
        f"    {command}",
        "",
        f"{when}, {revision()}, {cores} cores shared with other sessions, {args.rounds} round(s) (who goes first rotates), "
        f"medians. {n} distinct ~43 KB news pages, one loopback address each, served by one page server "
        "that logs every answer (epoch µs, host and path, status), answers If-None-Match with 304 on "
        "unchanged pages and varies a footer timestamp on every answer in the churn pass.",
        "",
        "- **us**: the production path. First checks: sources created with `Source.objects.bulk_create`, "
        "found due by `dispatch_due_checks`; rechecks: `check_sources --all --enqueue`; the bench calls "
        "`dispatch_due_checks` every second as beat would every minute. Redis (private) → "
        f"`celery -A factcheck worker -Q celery,fetch --concurrency {args.concurrency}` with "
        f"SOURCE_CHECK_BATCH={args.batch}, SOURCE_CHECKS_IN_FLIGHT={args.in_flight}, "
        f"SOURCE_EXTRACT_PROCESSES={args.extract_processes} → PostgreSQL. CPU: the worker's process tree "
        "(main, pool, extraction processes) + the database's PostgreSQL backends + Redis + the bench's "
        "dispatcher calls (and, in the first pass, its bulk_create). Peak RSS: the worker's tree (shared pages counted in every process that maps them).",
        f"- **peer**: changedetection.io {peer.VERSION}, installed by the bench from PyPI into "
        "`~/.cache/factcheck-bench/`, started per round on a free loopback port with a fresh datastore "
        f"(no default watches), FETCH_WORKERS={args.peer_workers} (its default is 5; it is one Python "
        "process whose fetch workers are threads: at 300 pages here 5, 10 and 20 workers did 78, 90 and "
        "91 unchanged checks/s and 17–18 first checks/s), ALLOW_IANA_RESTRICTED_ADDRESSES=true (it refuses loopback and private "
        "addresses otherwise), DISABLE_VERSION_CHECK=true. First pass: `POST /api/v1/import` of every URL "
        "(which queues the first checks); rechecks: `GET /api/v1/watch?recheck_all=1`. It sends no "
        "conditional requests (every answer is a 200) and refetches a page or two during its first pass. Done when every "
        "page was requested, its queue is empty and every watch's `last_checked` is in the pass. CPU and "
        "peak RSS: its whole process tree.",
        f"- **floor**: an aiohttp loop fetching every URL, {args.floor_in_flight} in flight (plain, and "
        "conditional with the ETags it saw: 304s), and the same fetch plus `sources.extract.extract` "
        f"(trafilatura) on a pool of {args.floor_processes} processes for the passes that extract.",
        "",
        "checks/s: from the trigger (bulk_create, check_sources, import, recheck_all, loop start) until "
        "every check is done; log window: first to last answer of the pass in the access log. The page "
        "server's CPU is its own column (it serves everyone).",
        "",
        "| pass | system | checks/s | log window, /s | CPU ms per check | peak RSS MB | new PG sessions "
        "| answers | server CPU ms per answer |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for name in PASSES:
        for system in ("us", "peer", "floor: fetch + extract", "floor: fetch", "floor: fetch, 304"):
            r = table.get((system, name))
            if r is None:
                continue
            cpu = f"{r['cpu_ms']:.1f}"
            if system == "us":
                p = r["cpu_parts"]
                cpu += (
                    f" ({p['worker']:.1f} worker, {p['postgres']:.1f} PG, {p['redis']:.1f} Redis,"
                    f" {p['dispatcher']:.1f} dispatch)"
                )
            answers = ", ".join(f"{v} × {k}" for k, v in sorted(r["statuses"].items()))
            if r["errors"]:
                answers += f"; {r['errors']} watches with errors"
            lines.append(
                f"| {name} | {system} | **{r['rate']:.0f}** | {r['window_rate']:.0f} | {cpu} | "
                f"{r['peak_rss'] / 2**20:.0f} | {'' if r['sessions'] is None else round(r['sessions'])} | "
                f"{answers} | {r['server_ms']:.2f} |"
            )
    lines += [
        "",
        "Against the issue's targets (us: checks/s end to end; peer: its faster log-window rate; floor: end "
        "to end):",
        "",
        "| pass | us, checks/s | us ÷ peer | us ÷ floor | target | met |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name in PASSES:
        us = table.get(("us", name))
        if us is None:
            continue
        peer_row = table.get(("peer", name))
        floor_system = "floor: fetch, 304" if name in ("unchanged", "delayed") else "floor: fetch + extract"
        floor_row = table.get((floor_system, name))
        vs_peer = us["rate"] / peer_row["window_rate"] if peer_row else None
        vs_floor = us["rate"] / floor_row["rate"] if floor_row else None
        if name == "unchanged":
            target, met = "≥ 500/s and ≥ 5× peer", us["rate"] >= 500 and (vs_peer or 0) >= 5
        elif name == "delayed":
            target = f"≥ 300/s, {args.delay_in_flight} in flight, worker < 1 GB"
            met = us["rate"] >= 300 and us["peak_rss"] < 2**30
        else:
            target = "≥ 100/s, ≥ 5× peer, ≥ 0.7 × floor"
            met = us["rate"] >= 100 and (vs_peer or 0) >= 5 and (vs_floor or 0) >= 0.7
        lines.append(
            f"| {name} | {us['rate']:.0f} | {'—' if vs_peer is None else f'{vs_peer:.2f}'} | "
            f"{'—' if vs_floor is None else f'{vs_floor:.2f} ({floor_system})'} | {target} | "
            f"{'yes' if met else '**no**'} |"
        )
    busy = max((r["busy"] for r in table.values()), default=0)
    lines += [
        "",
        f"The machine was up to {busy:.0%} busy during a pass (all {cores} cores, every process: the "
        "systems measured, the page server, the bench and other sessions). "
        + (
            f"Delayed pass: every answer {args.delay:g} s after the request, after the unchanged pass; our "
            f"worker restarted with --concurrency {args.delay_concurrency}, {per_process} checks in flight "
            f"per process ({args.delay_in_flight} in all), SOURCE_CHECK_BATCH={args.delay_batch or per_process}; "
            f"the floor with {args.delay_in_flight} fetches in flight; not the peer (at {args.peer_workers} "
            f"fetch workers it would take {n / args.peer_workers:.0f} s)."
            + (
                f" With fewer sources ({n}) than checks in flight the delayed pass is a single wave: its "
                "checks/s is bounded by the sources, not by the system."
                if n < args.delay_in_flight
                else ""
            )
            if args.delay
            else "No delayed pass (--delay 0)."
        ),
    ]
    return wrap("\n".join(lines)) + "\n"


def wrap(markdown: str) -> str:
    """Prose lines and list items wrapped at 100 columns, as the rest of bench/README.md is; tables,
    headings and indented code stay as they are."""
    import textwrap

    out = []
    for line in markdown.split("\n"):
        if len(line) <= 100 or line.startswith(("|", "#", "    ")):
            out.append(line)
        else:
            indent = "  " if line.startswith("- ") else ""
            out.append(textwrap.fill(line, 100, subsequent_indent=indent, break_on_hyphens=False))
    return "\n".join(out)


def revision() -> str:
    """The commit the bench ran on (with "+ changes" when the tree was not clean)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "an unknown commit"
    return f"commit {commit}" + (" + uncommitted changes" if dirty.strip() else "")


def write_section(section: str) -> None:
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text()
    pattern = re.compile(r"^## Monitor\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(lambda _: section + "\n", text)
        if pattern.search(text)
        else text.rstrip("\n") + "\n\n" + section
    )
    readme.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=int, default=2000, help="pages, sources and watches")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (medians are reported)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker --concurrency")
    parser.add_argument("--batch", type=int, default=500, help="SOURCE_CHECK_BATCH (sources per message)")
    parser.add_argument(
        "--in-flight", type=int, default=500, help="SOURCE_CHECKS_IN_FLIGHT (per worker process)"
    )
    parser.add_argument(
        "--extract-processes", type=int, default=1, help="SOURCE_EXTRACT_PROCESSES (per worker process)"
    )
    parser.add_argument(
        "--delay",
        type=float,
        default=1.0,
        help="seconds before every answer in the delayed pass (0: no such pass)",
    )
    parser.add_argument(
        "--delay-in-flight",
        type=int,
        default=1000,
        help="checks in flight in the delayed pass (whole worker)",
    )
    parser.add_argument(
        "--delay-concurrency", type=int, default=2, help="worker --concurrency in the delayed pass"
    )
    parser.add_argument(
        "--delay-batch",
        type=int,
        default=0,
        help="SOURCE_CHECK_BATCH in the delayed pass (default: in flight per process)",
    )
    parser.add_argument("--peer-workers", type=int, default=10, help="changedetection.io FETCH_WORKERS")
    parser.add_argument("--floor-in-flight", type=int, default=100, help="the floor's fetches in flight")
    parser.add_argument("--floor-processes", type=int, default=2, help="the floor's extraction processes")
    parser.add_argument(
        "--skip", action="append", default=[], choices=["us", "peer", "floor"], help="leave a system out"
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds one pass may take")
    parser.add_argument("--write", action="store_true", help="record the results in bench/README.md")
    parser.add_argument("--logs", type=Path, help="keep the access logs (one per pass) in this directory")
    parser.add_argument("--serve", nargs=2, type=int, metavar=("PORT", "SOURCES"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--floor", nargs=3, type=int, metavar=("PORT", "SOURCES", "PROCESSES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    if args.floor:
        floor(*args.floor)
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on a plain kill too
    command = ".venv/bin/python bench/monitor.py " + shlex.join(sys.argv[1:])
    sys.path.insert(0, str(Path(__file__).parent))
    if "peer" not in args.skip:
        import peer

        peer.install()
    bench = Bench(args)
    try:
        bench.start()
        bench.run()
    finally:
        bench.close()
    section = report(args, command, bench.results)
    print(section)
    if args.write:
        write_section(section)


if __name__ == "__main__":
    main()
