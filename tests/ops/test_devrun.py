"""The `make run` supervisor with stand-in children (fast): a child that exits is restarted, a
TERM stops everything once, and a child that ignores TERM is ended anyway.

tests/ops/test_make_run.py runs the real web, worker and beat under it and stops them with Ctrl-C.
"""

import re
import signal
import subprocess
import sys
import time

import pytest

from tests.ops.makerun import group_alive
from tests.servers import ROOT, wait_for

SCRIPT = """
import sys
from factcheck.devrun import Child, Supervisor
python = sys.executable
sleeper = [python, "-c", "import time; time.sleep(300)"]
stubborn = [python, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); signal.signal(signal.SIGQUIT, signal.SIG_IGN); time.sleep(300)"]
crasher = [python, "-c", "import time; time.sleep(0.2); raise SystemExit(3)"]
Supervisor([Child("web", sleeper), Child("worker", crasher), Child("beat", stubborn)], grace=float(sys.argv[1])).run()
"""


@pytest.fixture
def grace() -> float:
    return 1.0


@pytest.fixture
def supervisor(tmp_path, grace):
    log = tmp_path / "devrun.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(grace)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    yield process, log
    if process.poll() is None:
        process.kill()
        process.wait(10)


def started(log) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for name, pid in re.findall(r"factcheck: (\w+) started \(pid (\d+)\)", log.read_text()):
        found.setdefault(name, []).append(int(pid))
    return found


def test_a_child_that_exits_is_restarted_and_one_term_stops_everything(supervisor):
    process, log = supervisor
    wait_for(lambda: len(started(log).get("worker", [])) >= 3, 15, "two restarts of the worker", interval=0.1)
    assert "worker exited with status 3; restarting in 1 s" in log.read_text()
    assert "restarting in 2 s" in log.read_text()  # the pause grows

    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(15)

    assert process.returncode == 0
    assert time.monotonic() - began < 6
    text = log.read_text()
    assert text.count("stopping web, worker and beat") == 1
    assert "beat still running; sending QUIT" in text and "beat still running; killing it" in text
    assert "web still running" not in text  # it obeyed TERM
    assert text.rstrip().endswith("factcheck: stopped")
    for pids in started(log).values():
        for pid in pids:
            assert not group_alive(pid)


@pytest.mark.parametrize("grace", [10.0])
def test_a_second_ctrl_c_skips_the_grace(supervisor):
    process, log = supervisor
    wait_for(lambda: "beat started" in log.read_text(), 10, "the children")
    time.sleep(0.3)  # let the stubborn child install its handlers

    process.send_signal(signal.SIGINT)
    time.sleep(0.2)
    began = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.wait(10)

    assert time.monotonic() - began < 1.5
    assert not group_alive(started(log)["beat"][0])
