"""`make run` on the embedded defaults stays up under load and stops cleanly.

Reproduces what was observed: the filesystem broker's worker died reading a half-written message
(JSONDecodeError) after minutes of normal use, nothing restarted it, and Ctrl-C printed hundreds
of "Warm shutdown" lines and ended in a segmentation fault.
"""

import os
import signal

import pytest

from tests.ops.makerun import MakeRun, alive, group_alive, page_server
from tests.servers import wait_for

pytestmark = pytest.mark.slow

CHECKS = 1000


def test_make_run_records_a_thousand_checks_restarts_a_dead_worker_and_stops_on_one_ctrl_c(tmp_path):
    with page_server() as page_port:
        run = MakeRun.start(tmp_path, page_port)
        try:
            password = run.wait_ready()
            run.add_sources(page_port, CHECKS)
            [worker] = run.pids()["worker"]

            # The web process publishes a thousand messages while the worker consumes and beat sends.
            run.check_now(password)
            wait_for(lambda: run.checked()[0] == CHECKS, 300, f"{CHECKS} checks recorded", interval=1)

            assert run.checked() == (CHECKS, CHECKS)  # each exactly once
            assert run.query(
                "SELECT COUNT(*) FROM sources_source WHERE url LIKE ? AND health != 'ok'", "%/p/%"
            ) == [(0,)]
            assert alive(worker) and run.pids()["worker"] == [worker]
            assert "Unrecoverable error" not in run.log()

            # A worker that dies is restarted, and the new one works.
            os.kill(worker, signal.SIGKILL)
            wait_for(lambda: len(run.pids()["worker"]) == 2, 30, "the worker's restart", interval=0.2)
            run.add_sources(page_port, 1, prefix="after-restart")
            run.check_now(password, prefix="after-restart")
            wait_for(
                lambda: run.checked("after-restart")[0] == 1, 60, "a check by the new worker", interval=0.5
            )

            seconds = run.stop("ctrl-c")
        finally:
            run.kill()

    log = run.log()
    assert seconds < 30, log[-3000:]
    assert "Segmentation fault" not in log
    assert log.count("Warm shutdown") == 1  # the running worker, once
    assert "factcheck: stopped" in log
    for pids in run.pids().values():
        for pid in pids:
            assert not group_alive(pid), pid
