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
import math
import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


PAGE_SIZE = re.compile(r"[0-9]{1,3}")
# PostgreSQL's bigint: an id beyond it is a DataError in the database, not an empty page.
MAX_ID = 2**63 - 1
MAX_TEXT_VALUE = 1000


def parse_page_size(raw: str | None) -> int:
    """The requested page size, or a 400 naming the allowed range.

    ASCII digits only: `"²".isdigit()` is true, and `int("²")` raises.
    """
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    if not PAGE_SIZE.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"Must be an integer from 1 to {MAX_PAGE_SIZE}."]})
    return int(raw)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _decode(value: Any, kind: str) -> Any:
    """The cursor's value as the type the ordering column holds; ValueError for anything else.

    A cursor is opaque to clients but travels through them, so its value is checked here, not
    by the database: a string where a date belongs, a NUL, or an offset PostgreSQL cannot
    represent (`-23:59`) must be a 400, never a DataError.
    """
    if kind in ("datetime", "date", "str") and not isinstance(value, str):
        raise ValueError("cursor value has the wrong type")
    if kind == "datetime":
        parsed = datetime.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("cursor time has no offset")
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError as exc:
            raise ValueError("cursor time out of range") from exc
    if kind == "date":
        if len(value) != 10:
            raise ValueError("cursor date is not YYYY-MM-DD")
        return datetime.date.fromisoformat(value)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError("cursor value is not a finite number")
        return float(value)
    if kind == "int":
        if not _is_id(value):
            raise ValueError("cursor value is not an id")
        return value
    if "\x00" in value or len(value) > MAX_TEXT_VALUE:
        raise ValueError("cursor text is not a value we issue")
    return value


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -MAX_ID <= value <= MAX_ID


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


def _column_kind(queryset: QuerySet, field: str) -> str:
    """The kind of value the ordering column holds; an annotation (search rank) is a float."""
    try:
        model_field = queryset.model._meta.get_field(field)
    except FieldDoesNotExist:
        return "float"
    return {
        "DateTimeField": "datetime",
        "DateField": "date",
        "AutoField": "int",
        "BigAutoField": "int",
        "IntegerField": "int",
        "BigIntegerField": "int",
        "PositiveIntegerField": "int",
        "FloatField": "float",
    }.get(model_field.get_internal_type(), "str")


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
        cursor = self._decode_cursor(request, kind=_column_kind(queryset, field))
        backwards = bool(cursor and cursor["d"] == "prev")
        if cursor is not None:
            value = cursor["value"]
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

    def _decode_cursor(self, request: Request, *, kind: str) -> dict[str, Any] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            cursor = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=="))
            if not isinstance(cursor, dict) or cursor.get("o") != self.key_name:
                raise ValueError("cursor belongs to another ordering")
            if cursor.get("d") not in ("next", "prev") or not _is_id(cursor.get("id")):
                raise ValueError("malformed cursor")
            if cursor.get("t") != kind:
                raise ValueError("cursor value of another type than the ordering column")
            cursor["value"] = _decode(cursor["v"], kind)
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, RecursionError) as exc:
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
