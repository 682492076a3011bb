"""Request ids, one JSON log line per request, and the mark that routes public API reads.

Operators follow one request (or one Celery task) through the logs by its id; the id is taken
from a trusted proxy's `X-Request-ID` when it looks sane, otherwise generated, and echoed back.
"""

import logging
import re
import time
import uuid
import zoneinfo
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from factcheck.routers import reading_public_api

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("task_id", default=None)

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

request_logger = logging.getLogger("factcheck.request")


class LogContextFilter(logging.Filter):
    """Adds the current request id and task id to every log record (JSON fields)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id and not hasattr(record, "request_id"):
            record.request_id = request_id
        task_id = task_id_var.get()
        if task_id and not hasattr(record, "task_id"):
            record.task_id = task_id
        return True


def incoming_request_id(request: HttpRequest) -> str:
    """The proxy's id when it is safe to log verbatim, else a fresh one."""
    candidate = request.headers.get("X-Request-ID", "")
    return candidate if _SAFE_ID.match(candidate) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost middleware: sets the request id and logs one line when the response is ready."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = incoming_request_id(request)
        request.id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            request_logger.info(
                "request",
                extra={
                    "method": request.method,
                    # Path only: query strings can carry things that do not belong in logs.
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": request_id,
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class PublicReadMiddleware:
    """Marks safe requests to the public API so the database router may send them to a replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in _SAFE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        token = reading_public_api.set(True)
        try:
            return self.get_response(request)
        finally:
            reading_public_api.reset(token)


TIME_ZONE_COOKIE = "tz"
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+){0,2}$")


def editor_time_zone(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    """The IANA zone the editor's browser reported (admin/base_site.html sets the cookie), if
    it names a real zone; anything else is ignored, never an error."""
    name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    if not _ZONE_NAME.match(name) or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class EditorTimeZoneMiddleware:
    """Admin pages show times in the editor's own time zone (the database and API stay UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = editor_time_zone(request) if request.path.startswith("/admin/") else None
        if zone is None:
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
