"""The production process layout without docker: the exact commands docker/compose.yaml runs.

test_compose.py fails if the compose file or the Dockerfile drift from these; test_stack.py and
test_resilience.py start them against real PostgreSQL and Redis.
"""

import http.client
import json
import os
import signal
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

from django.db import connection

from claims import workflow
from claims.models import Claim, Rating
from sources.models import Source
from tests.factories import CitationFactory, ClaimFactory
from tests.ops.conftest import production_env
from tests.servers import BIN, ROOT, free_port, wait_for

MIGRATE_COMMAND = ["python", "manage.py", "migrate", "--noinput"]
COLLECTSTATIC_COMMAND = ["python", "manage.py", "collectstatic", "--noinput"]
WEB_COMMAND = ["gunicorn", "factcheck.wsgi"]
WORKER_COMMAND = ["celery", "-A", "factcheck", "worker", "-Q", "celery,fetch"]
BEAT_COMMAND = ["celery", "-A", "factcheck", "beat", "-S", "django"]
HEALTHCHECK_COMMAND = ["python", "-m", "factcheck.health"]
WEB_PORT = 8000
HOST = "factcheck.example.org"

ARTICLE = (
    "<html><head><title>Talks in Istanbul</title></head><body><article><h1>Talks in Istanbul</h1>"
    + "<p>The delegations met on 29 March 2022 and discussed a draft treaty on neutrality.</p>" * 20
    + "</article></body></html>"
)


def stack_env(tmp_path, httpserver, **overrides: str) -> dict[str, str]:
    """Production settings pointed at this test's database, Redis DB and local page server."""
    db = connection.settings_dict
    port = str(free_port())
    settings = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "PORT": port,
        # gunicorn binds 0.0.0.0:$PORT in the container; here it listens on loopback only.
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "CELERY_WORKER_CONCURRENCY": "2",
        "SOURCE_FETCH_ALLOWED_NETWORKS": "127.0.0.0/8",
        # Only the page server's port: any other URL is refused before a name is even resolved.
        "SOURCE_FETCH_ALLOWED_PORTS": str(httpserver.port),
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    return production_env(**{**settings, **overrides})


def claim_citing(source: Source) -> Claim:
    """A published claim whose only evidence is `source` (no other URL for the worker to fetch)."""
    claim = ClaimFactory()
    CitationFactory(claim=claim, source=source)
    workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="False", reasoning="No.")
    workflow.submit_for_review(claim, user=None)
    return workflow.publish_claim(claim, user=None)


@dataclass
class Stack:
    """Processes started with one environment; each logs to its own file in `folder`."""

    env: dict[str, str]
    folder: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = {**self.env, "PATH": f"{BIN}:{self.env.get('PATH', '/usr/bin:/bin')}"}

    def run(self, command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=ROOT, env={**self.env, **env}, capture_output=True, text=True, timeout=120
        )

    def start(self, name: str, command: list[str], **env: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def json_lines(self, name: str) -> list[dict]:
        lines = []
        for line in self.log(name).splitlines():
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    continue
        return lines

    def get(
        self, path: str, *, proxy_https: bool = True, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        """GET through gunicorn as the TLS-terminating proxy forwards it; redirects are not followed."""
        connection = http.client.HTTPConnection("127.0.0.1", int(self.env["PORT"]), timeout=10)
        headers = {"Host": HOST, **({"X-Forwarded-Proto": "https"} if proxy_https else {}), **headers}
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.headers), response.read()
        finally:
            connection.close()

    def wait_healthy(self, timeout: float = 30) -> dict:
        def healthy():
            try:
                status, _, body = self.get("/healthz")
            except OSError:
                return None
            return json.loads(body) if status == 200 else None

        return wait_for(healthy, timeout, "/healthz to answer 200", interval=0.2)


class _FormParser(HTMLParser):
    """Collects the fields of the page's post form (not the admin's logout button), as a browser would."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post" and a.get("id") != "logout-form":
            self._in_form = True
        if not self._in_form or ("name" not in a and tag != "option"):
            return
        if tag == "input" and a.get("type", "text") not in ("submit", "button", "file", "checkbox", "radio"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a:
            self.fields[a["name"]] = a.get("value", "on")
        elif tag == "select":
            self._select = a["name"]
            self.fields.setdefault(a["name"], "")
        elif tag == "option" and self._select and ("selected" in a or not self.fields[self._select]):
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


@dataclass
class Browser:
    """An editor's browser behind the TLS proxy: cookies, CSRF tokens, no redirects followed."""

    stack: Stack
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 15

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection(
            "127.0.0.1", int(self.stack.env["PORT"]), timeout=self.timeout
        )
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{HOST}{path}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie = SimpleCookie(value)
                    self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()

    def form(self, path: str) -> dict[str, str]:
        status, _, html = self.request("GET", path)
        assert status == 200, (path, status)
        parser = _FormParser()
        parser.feed(html)
        return parser.fields

    def submit(self, path: str, **values: str) -> tuple[int, dict, str]:
        return self.request("POST", path, {**self.form(path), **values})

    def login(self, username: str, password: str) -> None:
        status, _, _ = self.submit("/admin/login/?next=/admin/", username=username, password=password)
        assert status == 302, status
