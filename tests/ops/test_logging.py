"""Structured logs: one JSON line per request and per task, each carrying its id."""

import json
import logging
import re

import pytest

from factcheck.tasks import heartbeat


def as_json_line(record: logging.LogRecord) -> dict:
    """Format a captured record exactly as the production console handler would."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    handler.filter(record)
    line = handler.format(record)
    assert "\n" not in line
    return json.loads(line)


@pytest.fixture
def json_console(settings):
    """The console handler with the production (JSON) formatter, whatever LOG_FORMAT says."""
    from pythonjsonlogger.json import JsonFormatter

    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    original = handler.formatter
    spec = settings.LOGGING["formatters"]["json"]
    handler.setFormatter(JsonFormatter(spec["fmt"], rename_fields=spec["rename_fields"]))
    yield handler
    handler.setFormatter(original)


@pytest.mark.django_db
def test_each_request_logs_one_json_line_with_the_proxys_request_id(client, caplog, json_console):
    caplog.set_level(logging.INFO, logger="factcheck.request")

    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a")

    assert response["X-Request-ID"] == "edge-7f3a"
    [record] = [r for r in caplog.records if r.name == "factcheck.request"]
    line = as_json_line(record)
    assert line["message"] == "request"
    assert line["level"] == "INFO"
    assert line["request_id"] == "edge-7f3a"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert isinstance(line["duration_ms"], float)


@pytest.mark.django_db
def test_an_unsafe_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID='"><script>alert(1)</script>')

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_query_strings_stay_out_of_the_log(client, caplog):
    caplog.set_level(logging.INFO, logger="factcheck.request")

    client.get("/healthz?token=hunter2")

    [record] = [r for r in caplog.records if r.name == "factcheck.request"]
    assert record.path == "/healthz"
    assert "hunter2" not in record.getMessage()


def test_each_task_logs_one_json_line_with_its_task_id(caplog, json_console):
    caplog.set_level(logging.INFO, logger="factcheck.task")

    result = heartbeat.apply()

    [record] = [r for r in caplog.records if r.name == "factcheck.task"]
    line = as_json_line(record)
    assert line["message"] == "task"
    assert line["task"] == "factcheck.heartbeat"
    assert line["state"] == "SUCCESS"
    assert line["task_id"] == result.id
