"""The plain (development) log format: the same fields as the JSON format, as `key=value`.

`%(message)s` alone drops everything passed in `extra=` (source, outcome, status, duration,
request and task ids), so a developer reading `make run` would see only "request" or "task".
"""

import json
import logging

from pythonjsonlogger.core import RESERVED_ATTRS

# Attributes every LogRecord has; anything else on a record came from `extra=` or a filter.
STANDARD_ATTRS = frozenset(RESERVED_ATTRS) | {"taskName", "color_message"}


def extra_fields(record: logging.LogRecord) -> dict[str, object]:
    """The fields the JSON formatter would add to this record beyond time, level, logger, message."""
    return {key: value for key, value in record.__dict__.items() if key not in STANDARD_ATTRS}


def _plain(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text == "" or any(c in text for c in ' "=\n'):
        return json.dumps(text, ensure_ascii=False)
    return text


class PlainFormatter(logging.Formatter):
    """`time LEVEL logger message key=value ...`, one line per record (tracebacks follow)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        fields = " ".join(f"{key}={_plain(value)}" for key, value in extra_fields(record).items())
        return f"{line} {fields}" if fields else line
