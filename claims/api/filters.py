"""Query parameters of the public lists (django-filter), validated into 400s with reasons.

Identifiers (`claimant`, `topic`) accept an id or a slug and simply match nothing when unknown,
so a filter never reveals whether an unpublished claimant or topic exists.
"""

import datetime
import re
from typing import Any

import django_filters as filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from rest_framework import exceptions

from claims import search, selectors, sync
from claims.models import Claim, ExternalReview, Language, Rating
from sources.models import Health, Source

ORDERINGS = {
    "-claimed_on": ("-claimed_on", "-id"),
    "claimed_on": ("claimed_on", "id"),
    "-published_at": ("-published_at", "-id"),
    "-updated_at": ("-updated_at", "-id"),
    "updated_at": ("updated_at", "id"),
    "relevance": ("-rank", "-id"),
}


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")


ASCII_ID = re.compile(r"[0-9]{1,18}")


def _id_or_slug(field: str, value: str) -> Q:
    # ASCII digits only: "²".isdigit() is true and int("²") raises.
    if ASCII_ID.fullmatch(value):
        return Q(**{f"{field}__id": int(value)})
    return Q(**{f"{field}__slug": value})


class UtcDateTimeField(filters.fields.IsoDateTimeField):
    """An ISO 8601 time moved to UTC here, so an offset PostgreSQL cannot store (`-23:59`, or
    one that pushes the time past year 9999) is a 400 rather than a database error."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError as exc:
            raise ValidationError("This time is out of range once moved to UTC.", code="invalid") from exc


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class TextFilter(filters.CharFilter):
    """A CharFilter whose values cannot carry bytes PostgreSQL refuses."""

    def __init__(self, *args: Any, max_length: int = 200, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra["validators"] = [_no_nul]
        self.extra["max_length"] = max_length


class ClaimFilter(filters.FilterSet):
    claimant = TextFilter(method="filter_claimant", help_text="Claimant id or slug.")
    topic = TextFilter(method="filter_topic", help_text="Topic id or slug.")
    rating = filters.ChoiceFilter(
        choices=Rating.choices, method="filter_rating", help_text="Rating of the current verdict."
    )
    language = filters.ChoiceFilter(choices=Language.choices, help_text="Language of the claim.")
    status = filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in selectors.PUBLIC_STATUSES],
        method="filter_status",
        help_text="`published` (the default) or `retracted`. With `updated_since` and no status, both.",
    )
    claimed_after = filters.DateFilter(
        field_name="claimed_on", lookup_expr="gte", help_text="Claimed on or after (YYYY-MM-DD)."
    )
    claimed_before = filters.DateFilter(
        field_name="claimed_on", lookup_expr="lte", help_text="Claimed on or before (YYYY-MM-DD)."
    )
    updated_since = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed at or after this ISO 8601 time: for incremental sync (includes retractions).",
    )
    since = filters.NumberFilter(
        method="filter_since",
        min_value=0,
        max_value=2**63 - 1,
        decimal_places=0,
        help_text=(
            "Change feed: claims whose public view changed after the `X-Sync-Token` of your "
            "previous run (start with 0). Never misses a late commit; includes retractions. "
            "PostgreSQL only."
        ),
    )
    search = TextFilter(
        method="filter_search",
        max_length=search.MAX_QUERY_LENGTH,
        help_text="Full-text search over statement, context and verdict; ranked.",
    )
    ordering = filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS],
        method="filter_ordering",
        help_text="Sort order; default `relevance` with `search`, else `-claimed_on`.",
        empty_label=None,
    )

    class Meta:
        model = Claim
        fields = ["claimant", "topic", "rating", "language", "status"]

    @property
    def qs(self) -> QuerySet[Claim]:
        data = self.form.cleaned_data
        syncing = bool(data.get("updated_since")) or data.get("since") is not None
        return default_status(super().qs, status=data.get("status"), syncing=syncing)

    def is_valid(self) -> bool:
        """Also refuses `ordering=relevance` without a search term."""
        valid = super().is_valid()
        if (
            valid
            and self.form.cleaned_data.get("ordering") == "relevance"
            and not self.form.cleaned_data.get("search")
        ):
            self.form.add_error("ordering", "`relevance` ordering needs a `search` term.")
            return False
        return valid

    def filter_claimant(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset.filter(_id_or_slug("claimant", value))

    def filter_topic(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset.filter(_id_or_slug("topics", value))

    def filter_rating(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset.filter(current_verdict__rating=value)

    def filter_status(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset.filter(status=value)

    def filter_since(self, queryset: QuerySet[Claim], name: str, value: Any) -> QuerySet[Claim]:
        if not sync.available():
            raise exceptions.ValidationError(
                {"since": ["The change feed needs PostgreSQL; use `updated_since`."]}
            )
        return sync.changed_since(queryset, int(value))

    def filter_search(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return search.search_claims(queryset, value) if value.strip() else queryset

    def filter_ordering(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return queryset  # applied by the paginator, which needs it for its cursor


def default_status(queryset: QuerySet[Claim], *, status: str | None, syncing: bool) -> QuerySet[Claim]:
    """Without `status`, lists show published claims; a syncing client also gets retractions."""
    if status:
        return queryset
    return queryset.filter(status__in=selectors.PUBLIC_STATUSES if syncing else selectors.LISTED_STATUSES)


def claim_ordering_name(params: Any) -> str:
    """The ordering key a (validated) request asks for."""
    if params.get("ordering"):
        return params["ordering"]
    return "relevance" if (params.get("search") or "").strip() else "-claimed_on"


class SourceFilter(filters.FilterSet):
    health = filters.ChoiceFilter(choices=Health.choices, help_text="Monitoring state of the source.")

    class Meta:
        model = Source
        fields = ["health"]


class ExternalReviewFilter(filters.FilterSet):
    claim = filters.NumberFilter(
        field_name="claim_id", help_text="Only reviews of this claim of ours (its id)."
    )

    class Meta:
        model = ExternalReview
        fields = ["claim"]
