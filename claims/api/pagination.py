"""Keyset ("cursor") pagination over a fixed ordering with the primary key as tie-breaker.

DRF's CursorPagination keeps only the first ordering field in the cursor and steps over ties
with an offset capped at 1,000, so a page boundary inside a run of equal dates or equal search
ranks can repeat or skip rows. Here the cursor holds (value, id) of the last row and the next
page is `WHERE (value, id) < (last value, last id)`: stable under inserts, index-friendly, and
exact whatever the ties. A bad cursor or page size is a 400 that says why.
"""

import base64
import binascii
import datetime
import json
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def parse_page_size(raw: str | None) -> int:
    """The requested page size, or a 400 naming the allowed range."""
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"Must be an integer from 1 to {MAX_PAGE_SIZE}."]})
    return int(raw)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _decode(value: Any, sample_type: str) -> Any:
    if sample_type == "datetime":
        return datetime.datetime.fromisoformat(value)
    if sample_type == "date":
        return datetime.date.fromisoformat(value)
    if sample_type == "float":
        return float(value)
    return value


def _kind(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return "datetime"
    if isinstance(value, datetime.date):
        return "date"
    if isinstance(value, float):
        return "float"
    if isinstance(value, int):
        return "int"
    return "str"


class KeysetCursorPagination(BasePagination):
    """Cursor pagination on `view.get_ordering()`: a tuple (field, "id") or ("-field", "-id")."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.page_size = parse_page_size(request.query_params.get(self.page_size_query_param))
        self.ordering = tuple(view.get_ordering())
        self.key_name = view.get_ordering_name()
        field = self.ordering[0].lstrip("-")
        descending = self.ordering[0].startswith("-")
        cursor = self._decode_cursor(request)
        backwards = bool(cursor and cursor["d"] == "prev")
        if cursor is not None:
            value = _decode(cursor["v"], cursor["t"])
            after = descending != backwards  # walk towards smaller values?
            op = "lt" if after else "gt"
            queryset = queryset.filter(
                Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": cursor["id"]})
            )
        ordering = self.ordering if not backwards else tuple(_flip(o) for o in self.ordering)
        rows = list(queryset.order_by(*ordering)[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, cursor is not None
        self.field = field
        self.page = rows
        return rows

    def _decode_cursor(self, request: Request) -> dict[str, Any] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            cursor = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=="))
            if not isinstance(cursor, dict) or cursor.get("o") != self.key_name:
                raise ValueError("cursor belongs to another ordering")
            if cursor.get("d") not in ("next", "prev") or not isinstance(cursor.get("id"), int):
                raise ValueError("malformed cursor")
            _decode(cursor["v"], cursor["t"])
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error) as exc:
            raise ValidationError(
                {"cursor": ["Invalid cursor: use the next/previous links as given, with the same ordering."]}
            ) from exc
        return cursor

    def _link(self, row: Any, direction: str) -> str:
        value = row[self.field] if isinstance(row, dict) else getattr(row, self.field)
        pk = row["id"] if isinstance(row, dict) else row.pk
        payload = {"o": self.key_name, "d": direction, "v": _encode(value), "t": _kind(value), "id": pk}
        token = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=")
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, token.decode("ascii"))

    def get_next_link(self) -> str | None:
        if not (self.has_next and self.page):
            return None
        return self._link(self.page[-1], "next")

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self._link(self.page[0], "prev")

    def get_paginated_response(self, data: Sequence[Any]) -> Response:
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last one.",
                    "example": "https://factcheck.example.org/api/v1/claims/?cursor=eyJvIjoiLWNsYWltZWRfb24ifQ",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The previous page, or null on the first one.",
                    "example": None,
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from a `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, 1–{MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"
