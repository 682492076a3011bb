"""`make run`: the web server, a Celery worker and beat, supervised, on whatever the settings
give with no environment (the embedded defaults: SQLite, the SQLite broker, a file cache).

A shell `trap 'kill 0'` re-triggered itself under dash (hundreds of "Warm shutdown" lines, then a
segmentation fault) and nothing noticed a worker that died. Here:

- each child runs in its own session, so the terminal's Ctrl-C reaches only this supervisor,
  which stops every child once: TERM, then (worker) QUIT, then KILL after a grace period; a
  second Ctrl-C or TERM skips the grace;
- a child that exits on its own is restarted after a short, growing pause, and what is left of
  its process group (a dead worker's pool processes) is killed first;
- `PORT` is honoured (default 8000); the web server listens on 127.0.0.1 only.

Run as `python -m factcheck.devrun` (the Makefile does, after migrate and loaddemo).
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STOP_GRACE_SECONDS = 10.0
RESTART_PAUSES = (1.0, 2.0, 5.0, 10.0)
# A child that ran this long before exiting was healthy: its next restart starts the pauses over.
HEALTHY_AFTER_SECONDS = 60.0


def commands(port: int) -> dict[str, list[str]]:
    """What `make run` starts, by name."""
    celery = str(BIN / "celery")
    return {
        "web": [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
        "worker": [
            celery,
            "-A",
            "factcheck",
            "worker",
            "-Q",
            "celery,fetch",
            "--concurrency",
            "2",
            "-l",
            "info",
        ],
        "beat": [celery, "-A", "factcheck", "beat", "-S", "django", "-l", "info"],
    }


def say(message: str) -> None:
    print(f"factcheck: {message}", flush=True)


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    due_at: float | None = None  # when a pending restart happens

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=ROOT, start_new_session=True)  # noqa: S603 (our own commands)
        self.started_at = time.monotonic()
        self.due_at = None
        say(f"{self.name} started (pid {self.process.pid})")

    def signal_leader(self, signum: int) -> None:
        """TERM and QUIT go to the child itself: Celery's main process stops its own pool, and
        pool processes that get TERM directly leave it waiting for them forever."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signum)

    def kill_group(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def group_alive(self) -> bool:
        """Any process left in the child's group (a dead worker's pool processes count)."""
        if self.process is None:
            return False
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True


@dataclass
class Supervisor:
    children: list[Child]
    grace: float = STOP_GRACE_SECONDS
    stopping: bool = False
    hurry: bool = False
    signals: list[int] = field(default_factory=list)

    def request_stop(self, signum: int, frame: object) -> None:
        if self.stopping:
            self.hurry = True
        self.stopping = True
        self.signals.append(signum)

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        for child in self.children:
            child.start()
        while not self.stopping:
            self.watch()
            time.sleep(0.2)
        self.stop()
        return 0

    def watch(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.due_at is not None:
                if now >= child.due_at:
                    child.start()
                continue
            code = child.process.poll() if child.process else None
            if code is None:
                continue
            child.kill_group()  # whatever the dead child left behind
            if now - child.started_at > HEALTHY_AFTER_SECONDS:
                child.restarts = 0
            pause = RESTART_PAUSES[min(child.restarts, len(RESTART_PAUSES) - 1)]
            child.restarts += 1
            child.due_at = now + pause
            say(f"{child.name} exited with status {code}; restarting in {pause:g} s")

    def stop(self) -> None:
        say("stopping web, worker and beat")
        for child in self.children:
            child.due_at = None
            child.signal_leader(signal.SIGTERM)
        self._wait(self.grace)
        for child in self.children:
            if child.group_alive():
                say(f"{child.name} still running; sending QUIT")
                child.signal_leader(signal.SIGQUIT)
        self._wait(self.grace / 2)
        for child in self.children:
            if child.group_alive():
                say(f"{child.name} still running; killing it")
                child.kill_group()
        for child in self.children:
            if child.process is not None:
                child.process.wait()
        say("stopped")

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.hurry:
            for child in self.children:
                if child.process is not None:
                    child.process.poll()  # reap, so a finished leader leaves the group
            if not any(child.group_alive() for child in self.children):
                return
            time.sleep(0.1)


def main() -> int:
    port = int(os.environ.get("PORT") or 8000)
    say(f"http://127.0.0.1:{port}/  (admin: /admin/, API: /api/v1/, health: /healthz); Ctrl-C stops all")
    children = [Child(name, command) for name, command in commands(port).items()]
    return Supervisor(children).run()


if __name__ == "__main__":
    sys.exit(main())
