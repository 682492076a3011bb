"""changedetection.io as the peer of bench/monitor.py: installed, started and driven as its users do.

It is installed from PyPI into its own virtualenv under ~/.cache/factcheck-bench/ (kept between
runs), pinned to VERSION. Each round starts it on a free loopback port with a fresh datastore,
imports the watches through its API (`POST /api/v1/import`, which also queues their first
check) and rechecks them with `GET /api/v1/watch?recheck_all=1`, as an operator would. Nothing
here times it: bench/monitor.py reads that from its page server's access log.

What its source says (0.60.10), and how the bench sets it up accordingly:
- Fetch workers: FETCH_WORKERS (else the datastore's `requests.workers`, 5 by default), each a
  thread with its own event loop, running the `requests` fetch and the processing in executor
  threads of the one Python process. The bench sets FETCH_WORKERS explicitly (--peer-workers).
- Loopback and private addresses are refused at fetch time (validate_url.is_fetch_url_allowed)
  unless ALLOW_IANA_RESTRICTED_ADDRESSES=true, which the bench sets.
- Outbound calls besides the watches: a daily version check to changedetection.io
  (DISABLE_VERSION_CHECK=true turns it off), litellm's pricing map from GitHub (off unless
  LITELLM_FETCH_PRICING_FROM_GITHUB; the bench also sets LITELLM_LOCAL_MODEL_COST_MAP), share
  links and notifications (none configured), and two default watches on public sites that a fresh
  datastore gets: the bench creates the datastore itself with `include_default_watches=False`,
  so the peer only ever has the bench's loopback watches.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

VERSION = "0.60.10"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "factcheck-bench"
# The interpreter the peer's virtualenv is made with: the one running the bench (3.11 here).
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


def venv() -> Path:
    return CACHE / f"changedetection.io-{VERSION}"


def install() -> Path:
    """The peer's virtualenv, created and filled from PyPI on first use (a minute or two)."""
    path = venv()
    marker = path / ".installed"
    if marker.exists():
        return path
    print(f"installing changedetection.io {VERSION} into {path} (once)", file=sys.stderr, flush=True)
    subprocess.run([BASE_PYTHON, "-m", "venv", "--clear", str(path)], check=True)
    done = subprocess.run(
        [
            str(path / "bin" / "pip"),
            "install",
            "-q",
            "--disable-pip-version-check",
            f"changedetection.io=={VERSION}",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"installing changedetection.io {VERSION} failed:\n{done.stdout}{done.stderr}")
    marker.write_text(VERSION)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Peer:
    """One running changedetection.io: its process (the root of its tree), port and API key."""

    def __init__(self, datastore: Path, workers: int, log: Path) -> None:
        self.datastore, self.workers, self.log = datastore, workers, log
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self.key = ""

    @property
    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(Path.home()),
            "LANG": "C.UTF-8",
            "FETCH_WORKERS": str(self.workers),
            "ALLOW_IANA_RESTRICTED_ADDRESSES": "true",
            "DISABLE_VERSION_CHECK": "true",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LOGGER_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> None:
        """A fresh datastore without default watches (see the module docstring), then the app on
        loopback; returns once its API answers."""
        python = str(venv() / "bin" / "python")
        self.datastore.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                python,
                "-c",
                "import sys\nfrom changedetectionio import store, __version__\n"
                "store.ChangeDetectionStore(datastore_path=sys.argv[1], version_tag=__version__,"
                " include_default_watches=False)",
                str(self.datastore),
            ],
            env=self.env,
            check=True,
            capture_output=True,
        )
        settings = json.loads((self.datastore / "changedetection.json").read_text())
        self.key = settings["settings"]["application"]["api_access_token"]
        self.process = subprocess.Popen(
            [
                python,
                str(venv() / "bin" / "changedetection.py"),
                "-d",
                str(self.datastore),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
            ],
            env=self.env,
            cwd=self.datastore,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"changedetection.io exited ({self.process.returncode}):\n{self.tail()}")
            try:
                self.system_info()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"changedetection.io did not answer on port {self.port}:\n{self.tail()}"
                    ) from None
                time.sleep(0.3)

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:]) if self.log.exists() else ""

    def _call(self, method: str, path: str, body: bytes | None = None) -> object:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body,
            method=method,
            headers={"x-api-key": self.key, "Content-Type": "text/plain"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never an env proxy
        with opener.open(request, timeout=120) as response:
            return json.loads(response.read() or b"null")

    def import_urls(self, urls: list[str]) -> None:
        """Add the watches (their first check is queued as they are added)."""
        for start in range(0, len(urls), 5000):
            self._call("POST", "/api/v1/import", "\n".join(urls[start : start + 5000]).encode())

    def recheck_all(self) -> None:
        self._call("GET", "/api/v1/watch?recheck_all=1")

    def system_info(self) -> dict:
        return self._call("GET", "/api/v1/systeminfo")  # type: ignore[return-value]

    def watches(self) -> dict:
        return self._call("GET", "/api/v1/watch")  # type: ignore[return-value]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(10)
