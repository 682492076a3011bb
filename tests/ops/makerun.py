"""`make run` as a developer starts it, on the embedded defaults (SQLite, the SQLite broker, a
file cache), in a folder of its own: for tests/ops/test_make_run.py and bench/make_run.py.

Checks are pushed the way an editor pushes them: sources are stored (bulk, so no check is queued
on save), then "Check selected sources now" is posted to the admin of the running web server,
which publishes one message per source while the worker consumes and beat sends its own. The
pages come from a local server on loopback; every other port is refused before any name lookup.
"""

import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.ops.stack import HOST, Browser, Stack
from tests.servers import BIN, ROOT, django_eval, free_port, wait_for

PAGE = (
    b"<html><head><title>Checked</title></head><body><article><h1>Checked</h1>"
    + b"<p>The delegations met in Istanbul on 29 March 2022.</p>" * 5
    + b"</article></body></html>"
)
STARTED = re.compile(r"^factcheck: (web|worker|beat) started \(pid (\d+)\)$", re.M)
ADMIN_LOGIN = re.compile(r"^Admin login: admin / (\S+)", re.M)


class _Page(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def page_server() -> Iterator[int]:
    """A threaded HTTP server on 127.0.0.1 answering every path with one small article."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def make_run_env(folder: Path, page_port: int) -> dict[str, str]:
    """No DATABASE_URL, REDIS_URL or SECRET_KEY: what `make run` sees on a fresh machine, with
    its state in `folder` instead of the checkout's var/ and db.sqlite3."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PATH"] = f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}"
    env.update(
        PORT=str(free_port()),
        VAR_DIR=str(folder / "var"),
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        ALLOWED_HOSTS=f"127.0.0.1,localhost,{HOST}",
        PYTHONUNBUFFERED="1",
        SOURCE_FETCH_ALLOWED_NETWORKS="127.0.0.0/8",
        # Only the page server's port: the demo's https sources are refused before DNS.
        SOURCE_FETCH_ALLOWED_PORTS=str(page_port),
        SOURCE_FETCH_PER_HOST_PER_SECOND="0",
        SOURCE_FETCH_PER_HOST_CONCURRENCY="4",
    )
    return env


@dataclass
class MakeRun:
    folder: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, folder: Path, page_port: int) -> "MakeRun":
        env = make_run_env(folder, page_port)
        log = (folder / "make-run.log").open("ab")
        # Its own session, as a terminal gives a foreground job: Ctrl-C is a SIGINT to the group.
        process = subprocess.Popen(
            ["make", "--no-print-directory", "-o", f"{BIN}/.installed", f"BIN={BIN}", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return cls(folder, env, process)

    @property
    def port(self) -> int:
        return int(self.env["PORT"])

    def log(self) -> str:
        return (self.folder / "make-run.log").read_text(errors="replace")

    def pids(self) -> dict[str, list[int]]:
        """Every pid each child had, in start order (a restarted worker has two)."""
        found: dict[str, list[int]] = {}
        for name, pid in STARTED.findall(self.log()):
            found.setdefault(name, []).append(int(pid))
        return found

    def wait_ready(self, timeout: float = 120) -> str:
        """The printed admin password, once web, worker and beat are up."""

        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"make run exited early:\n{self.log()[-3000:]}")
            text = self.log()
            return "Starting development server" in text and " ready." in text and "beat: Starting" in text

        wait_for(ready, timeout, "make run to start web, worker and beat", interval=0.2)
        return ADMIN_LOGIN.search(self.log()).group(1)

    def query(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.folder / "db.sqlite3", timeout=30) as db:
            return db.execute(sql, params).fetchall()

    def add_sources(self, page_port: int, count: int, prefix: str = "p") -> None:
        """`count` sources on the page server, stored without queuing a check."""
        code = (
            "from sources.models import Source\n"
            "from django.utils import timezone\nimport datetime\n"
            "later = timezone.now() + datetime.timedelta(days=1)\n"
            f"Source.objects.bulk_create([Source(url=f'http://127.0.0.1:{page_port}/{prefix}/{{i}}', "
            f"next_check_at=later) for i in range({count})], batch_size=500)\n"
        )
        env = {**self.env, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "factcheck.settings"}
        result = django_eval(code, env, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]

    def check_now(self, password: str, prefix: str = "p") -> None:
        """As an editor: log in, select the sources of `prefix` (all of them, across pages, with
        a search), "Check selected sources now"."""
        # The web process publishes one message per source inside this request.
        browser = Browser(Stack(self.env, self.folder), timeout=300)
        browser.login("admin", password)
        [(some,)] = self.query("SELECT MIN(id) FROM sources_source WHERE url LIKE ?", f"%/{prefix}/%")
        path = f"/admin/sources/source/?q=/{prefix}/"
        status, _, body = browser.submit(
            path, action="check_now", select_across="1", _selected_action=str(some)
        )
        assert status == 302, body[-2000:]

    def checked(self, prefix: str = "p") -> tuple[int, int]:
        """(sources of ours with a recorded check, checks recorded for them)."""
        [(sources, checks)] = self.query(
            "SELECT COUNT(DISTINCT c.source_id), COUNT(*) FROM sources_sourcecheck c "
            "JOIN sources_source s ON s.id = c.source_id WHERE s.url LIKE ?",
            f"http://127.0.0.1:%/{prefix}/%",
        )
        return sources, checks

    def stop(self, how: str = "ctrl-c", timeout: float = 60) -> float:
        """Stop as a developer would; returns the seconds it took."""
        started = time.monotonic()
        if how == "ctrl-c":
            os.killpg(self.process.pid, signal.SIGINT)  # the terminal signals the foreground group
        else:
            self.process.send_signal(signal.SIGTERM)  # `kill <pid of make>`
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"make run did not stop within {timeout} s:\n{self.log()[-3000:]}") from None
        return time.monotonic() - started

    def kill(self) -> None:
        """Last resort for a test that failed half-way: nothing may outlive it."""
        for pids in self.pids().values():
            for pid in pids:
                with suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def group_alive(pgid: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False
