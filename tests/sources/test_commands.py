"""check_url and check_sources, called as operators call them."""

import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from sources.models import Health, Source
from tests.servers import ROOT
from tests.sources.pages import news_page


def check_url(url: str, capsys) -> dict:
    call_command("check_url", url)
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one JSON object
    return json.loads(out)


def test_check_url_prints_one_json_object(allow_server, capsys):
    allow_server.expect_request("/ok").respond_with_data(news_page(), content_type="text/html")
    data = check_url(allow_server.url_for("/ok"), capsys)
    assert set(data) == {"url", "final_url", "status_code", "health", "content_hash", "error"}
    assert (data["status_code"], data["health"], data["error"]) == (200, "ok", None)
    assert data["final_url"] == allow_server.url_for("/ok")
    assert len(data["content_hash"]) == 64


@pytest.mark.parametrize(("status", "health"), [(404, "failing"), (410, "broken"), (500, "failing")])
def test_check_url_reports_errors_as_values(allow_server, capsys, status, health):
    allow_server.expect_request("/e").respond_with_data("x", status=status)
    data = check_url(allow_server.url_for("/e"), capsys)
    assert (data["status_code"], data["health"], data["content_hash"]) == (status, health, None)
    assert data["error"].startswith(f"HTTP {status}")


def test_check_url_blocked_exits_zero(settings, silent_listener):
    listener = silent_listener("127.0.0.1")
    settings.SOURCE_FETCH_ALLOWED_PORTS = [listener.port]
    done = subprocess.run(
        [sys.executable, "manage.py", "check_url", f"http://2130706433:{listener.port}/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": "test",
            "DATABASE_URL": "sqlite:///:memory:",
            "SOURCE_FETCH_ALLOWED_PORTS": str(listener.port),
            "LOG_LEVEL": "WARNING",
        },
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["health"] == "blocked"
    assert "loopback" in data["error"]
    assert listener.connections() == 0


def test_check_url_without_a_url_is_an_error():
    with pytest.raises(CommandError):
        call_command("check_url", "  ")
    done = subprocess.run(
        [sys.executable, "manage.py", "check_url"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "test", "DATABASE_URL": "sqlite:///:memory:"},
    )
    assert done.returncode != 0
    assert "url" in done.stderr


@pytest.mark.django_db
def test_check_sources_by_id_all_and_due(allow_server, capsys):
    allow_server.expect_request("/ok").respond_with_data(news_page(), content_type="text/html")
    allow_server.expect_request("/gone").respond_with_data("gone", status=410)
    ok = Source.objects.create(url=allow_server.url_for("/ok"))
    gone = Source.objects.create(url=allow_server.url_for("/gone"))

    call_command("check_sources", "--id", str(ok.pk), "--no-progress")
    out = capsys.readouterr().out
    assert "Checked 1 source(s): 1 ok." in out
    ok.refresh_from_db()
    assert ok.health == Health.OK

    call_command("check_sources", "--due", "--no-progress")  # only /gone was never checked
    out = capsys.readouterr().out
    assert "Checked 1 source(s): 1 client error (4xx)." in out
    assert "Health now: broken 1, ok 1" in out

    call_command("check_sources", "--all", "--no-progress")
    assert "Checked 2 source(s)" in capsys.readouterr().out
    assert gone.checks.count() == 2 and ok.checks.count() == 2


@pytest.mark.django_db
def test_check_sources_shows_a_progress_bar(allow_server, capsys):
    allow_server.expect_request("/ok").respond_with_data("fine", content_type="text/plain")
    Source.objects.create(url=allow_server.url_for("/ok"))
    call_command("check_sources", "--all")
    captured = capsys.readouterr()
    assert "1/1" in captured.err  # tqdm writes to stderr


@pytest.mark.django_db
def test_check_sources_unknown_id():
    with pytest.raises(CommandError, match="No source with id 999"):
        call_command("check_sources", "--id", "999")
