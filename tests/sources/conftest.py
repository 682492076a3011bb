"""Fixtures for the monitor's tests: real local HTTP servers, silent loopback listeners, a
private Redis and real Celery workers.

Nothing here sends traffic anywhere but loopback: the fetcher reaches only what a test allows
through SOURCE_FETCH_ALLOWED_NETWORKS / SOURCE_FETCH_ALLOWED_PORTS.
"""

import os
import signal
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.servers import PYTHON, ROOT, PrivateRedis, django_eval, wait_for
from tests.sources.pages import news_page


@pytest.fixture(autouse=True)
def _fetch_settings(settings, tmp_path):
    """No exemptions unless a test asks; snapshots in a temp folder."""
    settings.SOURCE_FETCH_ALLOWED_NETWORKS = []
    settings.SOURCE_FETCH_PER_HOST_PER_SECOND = 0  # politeness has its own tests
    settings.SOURCE_CONFIRM_MIN_AGE = 0  # the next check confirms; test_volatility tests the wait
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(scope="module")
def _module_server() -> Iterator[HTTPServer]:
    httpserver = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    httpserver.start()
    yield httpserver
    httpserver.stop()


@pytest.fixture
def server(_module_server) -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1 (threaded, so a slow handler does not block the next)."""
    _module_server.clear()
    yield _module_server
    _module_server.clear()


@pytest.fixture
def allow_server(settings, server):
    """Let the fetcher reach the test server (and only its address)."""
    settings.SOURCE_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.SOURCE_FETCH_ALLOWED_PORTS = [server.port]
    return server


class SilentListener:
    """A listening socket that the fetcher must never reach: it is never served, only watched.

    A TCP connection completes in the kernel's backlog even if nobody calls accept(), so a
    non-blocking accept() afterwards tells whether anything connected.
    """

    def __init__(self, host: str, port: int = 0) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.host = host
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def silent_listener() -> Iterator[Callable[..., SilentListener]]:
    listeners: list[SilentListener] = []

    def make(host: str = "127.0.0.1", port: int = 0) -> SilentListener:
        listener = SilentListener(host, port)
        listeners.append(listener)
        return listener

    yield make
    for listener in listeners:
        listener.close()


@pytest.fixture
def eager_celery():
    """Tasks run in this process when enqueued (the worker tests use a real worker)."""
    from factcheck.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def page(allow_server):
    """A page whose HTML a test can replace between checks."""
    state = {"html": news_page(), "status": 200}

    def handler(request: Request) -> Response:
        return Response(state["html"], status=state["status"], content_type="text/html; charset=utf-8")

    allow_server.expect_request("/story").respond_with_handler(handler)
    state["url"] = allow_server.url_for("/story")
    return state


# ---- Redis and Celery workers in subprocesses ---------------------------------------------------


@pytest.fixture
def private_redis(tmp_path) -> Iterator[str]:
    """A throwaway redis-server: the queues a test inspects hold only that test's messages."""
    server = PrivateRedis(tmp_path)
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def subprocess_env(transactional_db, private_redis, tmp_path) -> dict[str, str]:
    """Environment for workers and dispatchers: this test's database, the private Redis."""
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": private_redis,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SOURCE_FETCH_ALLOWED_NETWORKS": "127.0.0.1/32",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def django_run(code: str, env: dict[str, str], timeout: float = 60) -> str:
    """Run `code` after django.setup() in a fresh interpreter with `env`; its stdout."""
    done = django_eval(code, env, timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def django_start(code: str, env: dict[str, str]) -> subprocess.Popen[str]:
    script = "import django\ndjango.setup()\n" + code
    return subprocess.Popen(
        [PYTHON, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


class Worker:
    """`celery -A factcheck worker -Q celery,fetch`, as operators start it, with one pool process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        env = {**env, "LOG_LEVEL": "INFO"}  # "ready." is logged at INFO
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "celery"),
                "-A",
                "factcheck",
                "worker",
                "-Q",
                "celery,fetch",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
                "-n",
                f"monitor-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(lambda: "ready." in self.output() or self.process.poll() is not None, 60, "worker ready")
            assert self.process.poll() is None, self.output()
        except BaseException:
            self.stop()
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_processes(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@pytest.fixture
def start_worker(subprocess_env, tmp_path) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker({**subprocess_env, **env}, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
