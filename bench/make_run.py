"""`make run` under load: N checks pushed through the web, the worker and beat on the embedded
defaults (SQLite database, SQLite broker, file cache), timed from the admin's "check now" to the
last check recorded. The same harness as tests/ops/test_make_run.py (which does 1,000).

    .venv/bin/python bench/make_run.py --checks 5000

Prints one JSON line; results are written down in bench/README.md ("make run"). Only loopback
is contacted: the pages come from a local server, every other port is refused before DNS.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
os.environ.setdefault("DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    import django

    django.setup()
    from tests.ops.makerun import MakeRun, alive, page_server

    with tempfile.TemporaryDirectory(prefix="factcheck-make-run-") as folder, page_server() as page_port:
        run = MakeRun.start(Path(folder), page_port)
        try:
            password = run.wait_ready()
            run.add_sources(page_port, args.checks)
            [worker] = run.pids()["worker"]
            started = time.monotonic()
            run.check_now(password)
            queued = time.monotonic() - started
            deadline = started + args.timeout
            while run.checked()[0] < args.checks and time.monotonic() < deadline:
                time.sleep(1)
            elapsed = time.monotonic() - started
            sources, checks = run.checked()
            result = {
                "checks": args.checks,
                "recorded_sources": sources,
                "recorded_checks": checks,
                "seconds": round(elapsed, 1),
                "checks_per_second": round(sources / elapsed, 1),
                "seconds_to_queue": round(queued, 1),
                "worker_alive_and_never_restarted": alive(worker) and run.pids()["worker"] == [worker],
                "unrecoverable_errors": run.log().count("Unrecoverable error"),
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
            result["stop_seconds"] = round(run.stop("ctrl-c"), 1)
        finally:
            run.kill()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
