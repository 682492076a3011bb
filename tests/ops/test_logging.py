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


@pytest.mark.django_db  # the heartbeat records the check queue's lag
def test_each_task_logs_one_json_line_with_its_task_id(caplog, json_console):
    caplog.set_level(logging.INFO, logger="factcheck.task")

    result = heartbeat.apply()

    [record] = [r for r in caplog.records if r.name == "factcheck.task"]
    line = as_json_line(record)
    assert line["message"] == "task"
    assert line["task"] == "factcheck.heartbeat"
    assert line["state"] == "SUCCESS"
    assert line["task_id"] == result.id


def plain_line(record: logging.LogRecord) -> str:
    """Format a captured record as `make run` (DEBUG, LOG_FORMAT=plain) prints it."""
    from logging.config import DictConfigurator

    from django.conf import settings

    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    handler.filter(record)
    spec = dict(settings.LOGGING["formatters"]["plain"])
    return DictConfigurator(settings.LOGGING).configure_formatter(spec).format(record)


@pytest.mark.django_db
def test_plain_lines_carry_the_same_fields_as_json_lines(client, caplog, json_console):
    caplog.set_level(logging.INFO)

    client.get("/healthz", HTTP_X_REQUEST_ID="edge-plain-1")
    heartbeat.apply()

    records = [r for r in caplog.records if r.name in ("factcheck.request", "factcheck.task")]
    assert {r.name for r in records} == {"factcheck.request", "factcheck.task"}
    for record in records:
        fields = {
            k: v for k, v in as_json_line(record).items() if k not in ("time", "level", "logger", "message")
        }
        line = plain_line(record)
        assert "\n" not in line
        assert line.split(" ", 5)[3:5] == [record.name, record.getMessage()]  # after date, time, level
        for key, value in fields.items():
            assert f" {key}={value if isinstance(value, str) else json.dumps(value)}" in line, (key, line)
    request_line = plain_line(next(r for r in records if r.name == "factcheck.request"))
    assert "method=GET path=/healthz status=200" in request_line
    assert "request_id=edge-plain-1" in request_line


def test_plain_values_with_spaces_are_quoted_so_a_line_stays_parseable():
    from factcheck.logformat import PlainFormatter

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "check", None, None)
    record.error = 'timed out "reading" body'
    record.source_id = 7

    line = PlainFormatter("%(levelname)s %(name)s %(message)s").format(record)

    assert line == 'WARNING x check error="timed out \\"reading\\" body" source_id=7'
