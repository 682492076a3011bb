"""Behind a real proxy hop, the admin login lockout and the API throttle key on the same client
address: the one the proxy appended to X-Forwarded-For, never the proxy's, never the client's own.

The proxy is a second local HTTP server that forwards to the live server as nginx does
(`proxy_add_x_forwarded_for`); clients connect from distinct loopback addresses (127.0.0.2,
127.0.0.3), so the address the proxy sees really differs.
"""

import http.client
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

import pytest
from axes.models import AccessAttempt

from factcheck.clientip import client_address
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
ATTACKER, EDITOR = "127.0.0.2", "127.0.0.3"


class ForwardingProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        super().__init__(("127.0.0.1", 0), _Forward)


class _Forward(BaseHTTPRequestHandler):
    def _forward(self) -> None:
        upstream = self.server.upstream
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("connection", "x-forwarded-for")
        }
        prior = self.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{prior}, {self.client_address[0]}" if prior else self.client_address[0]
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
        try:
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        finally:
            connection.close()

    do_GET = do_POST = _forward

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy(live_server, settings) -> Iterator[ForwardingProxy]:
    settings.NUM_PROXIES = 1
    server = ForwardingProxy(live_server.url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class Visitor:
    """A browser at one loopback address, talking to the proxy: cookies and CSRF tokens kept."""

    def __init__(self, proxy: ForwardingProxy, address: str) -> None:
        self.port = proxy.server_address[1]
        self.address = address
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None, **headers: str):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.address, 0)
        )
        headers = {"Host": "localhost", **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, response.read().decode()
        finally:
            connection.close()

    def login(self, password: str, **headers: str) -> int:
        _, page = self.request("GET", "/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": token, "username": "editor", "password": password, "next": "/admin/"}
        status, _ = self.request("POST", "/admin/login/?next=/admin/", form, **headers)
        return status


def test_a_locked_out_attacker_does_not_lock_out_the_editor_behind_the_same_proxy(proxy, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    UserFactory(username="editor")
    attacker, editor = Visitor(proxy, ATTACKER), Visitor(proxy, EDITOR)

    # The attacker even claims to be the editor: the proxy appends the real address after it.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.login("guess", **{"X-Forwarded-For": EDITOR})
    assert attacker.login(PASSWORD) == 429

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert editor.login(PASSWORD) == 302


def test_the_api_throttle_keys_on_the_same_address_as_the_lockout(proxy, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min"}}
    attacker, editor = Visitor(proxy, ATTACKER), Visitor(proxy, EDITOR)

    statuses = [
        attacker.request("GET", "/api/v1/topics/", **{"X-Forwarded-For": EDITOR})[0] for _ in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
    assert editor.request("GET", "/api/v1/topics/")[0] == 200


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.9"),  # no trusted proxy: the header is the client's own words
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.8", "198.51.100.1"),
        (3, "198.51.100.1", "198.51.100.1"),  # a shorter chain than configured: its first entry
        (1, "not-an-address", "10.0.0.9"),  # never free text where an address is stored
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_counts_trusted_hops_from_the_right(rf, settings, proxies, forwarded, expected):
    settings.NUM_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
