"""Shapes of the public API: plain-dict builders, and the serializers that document them.

Hot list pages are built from `.values()` rows into dicts (no model instances, no DRF field
machinery): building ~450 model instances per page was most of a ModelSerializer list's cost.
The `*Serializer` classes below describe exactly those dicts for the OpenAPI schema;
Schemathesis checks in the test suite that every response conforms to them.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import JSONField, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework import serializers

from claims import selectors
from claims.models import (
    APPEARANCE_ROLES,
    EVIDENCE_ROLES,
    EXTERNAL_RATING_CHOICES,
    Citation,
    CitationRole,
    Claim,
    ClaimantKind,
    Language,
    Rating,
    Status,
)
from sources.models import Health, SourceKind

RATING_LABELS = dict(Rating.choices)
ROLE_LABELS = dict(CitationRole.choices)

CLAIM_FIELDS = (
    "id",
    "slug",
    "statement",
    "language",
    "claimed_on",
    "context",
    "status",
    "published_at",
    "updated_at",
    "retracted_at",
)
CLAIMANT_FIELDS = ("claimant_id", "claimant__slug", "claimant__name", "claimant__kind")
CLAIM_LIST_FIELDS = (*CLAIM_FIELDS, *CLAIMANT_FIELDS, "current_verdict__rating", "current_verdict__headline")


def rating_fields(rating: str) -> dict[str, Any]:
    return {"rating": rating, "rating_label": RATING_LABELS[rating], "rating_value": Rating(rating).score}


# The page's claims are "claims_claim" in the ORM's query; these correlated subqueries run once
# per row of the page (after LIMIT) and return JSON arrays ready to serve.
TOPICS_JSON_SQL = """
SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'slug', t.slug, 'name', t.name) ORDER BY t.name), '[]')
  FROM claims_claim_topics ct JOIN claims_topic t ON t.id = ct.topic_id
 WHERE ct.claim_id = claims_claim.id
"""
SOURCES_JSON_SQL = """
SELECT coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'url', s.url, 'role', ci.role, 'health', s.health)
                          ORDER BY ci.role, ci.id), '[]')
  FROM claims_citation ci JOIN sources_source s ON s.id = ci.source_id
 WHERE ci.claim_id = claims_claim.id
"""


def annotate_list_relations(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """On PostgreSQL, fetch each claim's topics and cited sources in the page query itself
    (as JSON arrays): one round trip per page instead of three, and no ORM expression trees
    to build per request (they cost more than the SQL). Elsewhere, unchanged."""
    if connection.vendor != "postgresql":
        return queryset
    return queryset.annotate(
        topics_json=RawSQL(TOPICS_JSON_SQL, (), output_field=JSONField()),  # noqa: S611 - constant SQL
        sources_json=RawSQL(SOURCES_JSON_SQL, (), output_field=JSONField()),  # noqa: S611 - constant SQL
    )


def _related_by_claim(
    ids: list[int],
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """Topics and cited sources of a page's claims, by claim id: two queries (non-PostgreSQL)."""
    topics: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for link in (
        Claim.topics.through.objects.filter(claim_id__in=ids)
        .order_by("topic__name")
        .values_list("claim_id", "topic_id", "topic__slug", "topic__name")
    ):
        topics[link[0]].append({"id": link[1], "slug": link[2], "name": link[3]})
    sources: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for cite in (
        Citation.objects.filter(claim_id__in=ids)
        .order_by("role", "id")
        .values_list("claim_id", "role", "source_id", "source__url", "source__health")
    ):
        sources[cite[0]].append({"id": cite[2], "url": cite[3], "role": cite[1], "health": cite[4]})
    return topics, sources


def page_rows(keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The list rows of a page whose ids (and search ranks) the paginator chose, in its order.

    Choosing the page from a narrow query (ids and the sort key, no joins) and loading only
    those rows lets PostgreSQL stop at the page: ranking 3,500 search hits joined to their
    verdicts and claimants first cost 50 ms, ranking ids alone a few.
    """
    queryset = annotate_list_relations(
        selectors.with_current_verdict(selectors.public_claims().filter(pk__in=[key["id"] for key in keys]))
    )
    fields = CLAIM_LIST_FIELDS + tuple(
        n for n in ("topics_json", "sources_json") if n in queryset.query.annotations
    )
    by_id = {row["id"]: row for row in queryset.values(*fields)}
    return [by_id[key["id"]] | {"rank": key.get("rank")} for key in keys]


def claim_list_items(rows: list[dict[str, Any]], *, base_url: str) -> list[dict[str, Any]]:
    """List items for a page of `.values(*CLAIM_LIST_FIELDS)` rows (see annotate_list_relations)."""
    if rows and "topics_json" in rows[0]:
        topics = {row["id"]: row["topics_json"] for row in rows}
        sources = {row["id"]: row["sources_json"] for row in rows}
    else:
        topics, sources = _related_by_claim([row["id"] for row in rows])
    items = []
    for row in rows:
        rating = row["current_verdict__rating"]
        items.append(
            {
                "id": row["id"],
                "slug": row["slug"],
                "api_url": f"{base_url}{row['id']}/",
                "statement": row["statement"],
                "language": row["language"],
                "claimed_on": row["claimed_on"],
                "context": row["context"],
                "status": row["status"],
                "published_at": row["published_at"],
                "updated_at": row["updated_at"],
                "retracted_at": row["retracted_at"],
                "claimant": {
                    "id": row["claimant_id"],
                    "slug": row["claimant__slug"],
                    "name": row["claimant__name"],
                    "kind": row["claimant__kind"],
                },
                "topics": topics.get(row["id"], []),
                "verdict": None
                if rating is None
                else {**rating_fields(rating), "headline": row["current_verdict__headline"]},
                "sources": sources.get(row["id"], []),
                "relevance": row.get("rank"),
            }
        )
    return items


CLAIM_DETAIL_FIELDS = (
    *CLAIM_FIELDS,
    "retraction_reason",
    "corrected_at",
    "correction_note",
    *CLAIMANT_FIELDS,
    "claimant__country",
    "claimant__wikidata_id",
)
VERDICTS_JSON_SQL = f"""
SELECT coalesce(jsonb_agg(jsonb_build_object(
           'id', v.id, 'rating', v.rating, 'original_rating', v.original_rating, 'headline', v.headline,
           'reasoning', v.reasoning, 'author_name', v.author_name, 'is_current', v.is_current,
           'published_at', v.published_at, 'superseded_at', v.superseded_at)
         ORDER BY v.published_at DESC, v.id DESC), '[]')
  FROM claims_verdict v
 WHERE v.claim_id = claims_claim.id AND {selectors.public_verdict_sql("v")}
"""  # noqa: S608 - constant SQL: the one rule of claims/selectors.py, no input
CITATIONS_JSON_SQL = """
SELECT coalesce(jsonb_agg(jsonb_build_object(
           'role', ci.role, 'quote', ci.quote, 'id', s.id, 'url', s.url, 'title', s.title,
           'publisher', s.publisher, 'kind', s.kind, 'health', s.health,
           'last_checked_at', s.last_checked_at,
           'latest_snapshot_at', (SELECT max(sn.taken_at) FROM sources_snapshot sn WHERE sn.source_id = s.id))
         ORDER BY ci.role, ci.id), '[]')
  FROM claims_citation ci JOIN sources_source s ON s.id = ci.source_id
 WHERE ci.claim_id = claims_claim.id
"""


def detail_rows(queryset: QuerySet[Claim]) -> QuerySet:
    """Public claims as `.values()` rows with everything a detail needs: on PostgreSQL in one
    query (JSON arrays), elsewhere the arrays are added by `claim_detail_row()`."""
    if connection.vendor != "postgresql":
        return queryset.values(*CLAIM_DETAIL_FIELDS)
    return queryset.annotate(
        topics_json=RawSQL(TOPICS_JSON_SQL, (), output_field=JSONField()),  # noqa: S611 - constant SQL
        verdicts_json=RawSQL(VERDICTS_JSON_SQL, (), output_field=JSONField()),  # noqa: S611 - constant SQL
        citations_json=RawSQL(CITATIONS_JSON_SQL, (), output_field=JSONField()),  # noqa: S611 - constant SQL
    ).values(*CLAIM_DETAIL_FIELDS, "topics_json", "verdicts_json", "citations_json")


def claim_detail_row(row: dict[str, Any]) -> dict[str, Any]:
    """Complete a row from `detail_rows()` with its arrays where the database did not build them."""
    if "verdicts_json" in row:
        return row
    claim = selectors.public_claim_detail().get(pk=row["id"])
    return {
        **row,
        "topics_json": [{"id": t.id, "slug": t.slug, "name": t.name} for t in claim.topics.all()],
        "verdicts_json": [
            {
                f: getattr(v, f)
                for f in (
                    "id",
                    "rating",
                    "original_rating",
                    "headline",
                    "reasoning",
                    "author_name",
                    "is_current",
                    "published_at",
                    "superseded_at",
                )
            }
            for v in claim.public_verdicts
        ],
        "citations_json": [
            {"role": c.role, "quote": c.quote, "latest_snapshot_at": c.latest_snapshot_at}
            | {
                f: getattr(c.source, f)
                for f in ("id", "url", "title", "publisher", "kind", "health", "last_checked_at")
            }
            for c in claim.citations.all()
        ],
    }


def _when(value: Any) -> Any:
    """Timestamps come back from JSON as ISO strings: parse them so every path renders alike."""
    return datetime.datetime.fromisoformat(value) if isinstance(value, str) else value


def verdict_item(verdict: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": verdict["id"],
        **rating_fields(verdict["rating"]),
        "original_rating": verdict["original_rating"],
        "headline": verdict["headline"],
        "reasoning": verdict["reasoning"],
        "author_name": verdict["author_name"],
        "is_current": verdict["is_current"],
        "published_at": _when(verdict["published_at"]),
        "superseded_at": _when(verdict["superseded_at"]),
    }


def citation_item(citation: dict[str, Any], *, sources_url: str) -> dict[str, Any]:
    return {
        "role": citation["role"],
        "role_label": ROLE_LABELS[citation["role"]],
        "quote": citation["quote"],
        "source": {
            "id": citation["id"],
            "api_url": f"{sources_url}{citation['id']}/",
            "url": citation["url"],
            "title": citation["title"],
            "publisher": citation["publisher"],
            "kind": citation["kind"],
            "health": citation["health"],
            "last_checked_at": _when(citation["last_checked_at"]),
            "latest_snapshot_at": _when(citation["latest_snapshot_at"]),
        },
    }


def claim_detail(row: dict[str, Any], *, urls: dict[str, str]) -> dict[str, Any]:
    """Everything public about a claim, from a row of `detail_rows()` (see claim_detail_row)."""
    row = claim_detail_row(row)
    verdicts = row["verdicts_json"]
    current = next((v for v in verdicts if v["is_current"]), None)
    citations = row["citations_json"]
    return {
        "id": row["id"],
        "slug": row["slug"],
        "api_url": f"{urls['claims']}{row['id']}/",
        "claimreview_url": f"{urls['claims']}{row['id']}/claimreview/",
        "statement": row["statement"],
        "language": row["language"],
        "claimed_on": row["claimed_on"],
        "context": row["context"],
        "status": row["status"],
        "published_at": row["published_at"],
        "updated_at": row["updated_at"],
        # A corrected claim keeps its retraction on the public record, next to the correction.
        "retraction": None
        if row["retracted_at"] is None
        else {"retracted_at": row["retracted_at"], "reason": row["retraction_reason"]},
        "correction": None
        if row["corrected_at"] is None
        else {"corrected_at": row["corrected_at"], "note": row["correction_note"]},
        "claimant": {
            "id": row["claimant_id"],
            "slug": row["claimant__slug"],
            "api_url": f"{urls['claimants']}{row['claimant_id']}/",
            "name": row["claimant__name"],
            "kind": row["claimant__kind"],
            "country": row["claimant__country"],
            "wikidata_id": row["claimant__wikidata_id"],
        },
        "topics": row["topics_json"],
        "verdict": verdict_item(current) if current else None,
        "verdict_history": [verdict_item(v) for v in verdicts],
        "appearances": [
            citation_item(c, sources_url=urls["sources"]) for c in citations if c["role"] in APPEARANCE_ROLES
        ],
        "evidence": [
            citation_item(c, sources_url=urls["sources"]) for c in citations if c["role"] in EVIDENCE_ROLES
        ],
    }


def with_api_urls(rows: Iterable[dict[str, Any]], *, base_url: str) -> list[dict[str, Any]]:
    return [{**row, "api_url": f"{base_url}{row['id']}/"} for row in rows]


CLAIMANT_FIELDS = ("id", "slug", "name", "kind", "country", "wikidata_id", "description", "claim_count")
TOPIC_FIELDS = ("id", "slug", "name", "description", "claim_count")
EXTERNAL_REVIEW_FIELDS = (
    "id",
    "claim_id",
    "url",
    "author_name",
    "author_url",
    "date_published",
    "date_published_text",
    "rating_text",
    "rating",
    "rating_value",
    "best_rating",
    "worst_rating",
    "language",
    "claim_text",
    "claimant_name",
    "claim_date",
    "appearances",
    "headline",
    "body",
)
SOURCE_FIELDS = (
    "id",
    "url",
    "title",
    "publisher",
    "kind",
    "language",
    "published_on",
    "health",
    "last_checked_at",
    "latest_snapshot_at",
)


# --- Documentation of the shapes above (OpenAPI) -------------------------------------------


class RatingMixin(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices, help_text="Our rating scale.")
    rating_label = serializers.CharField(help_text="Human-readable rating, e.g. “Mostly false”.")
    rating_value = serializers.IntegerField(
        min_value=0, max_value=6, help_text="1 (false) … 6 (true); 0 when the claim cannot be rated."
    )


class VerdictSummarySerializer(RatingMixin):
    headline = serializers.CharField()


class VerdictSerializer(RatingMixin):
    id = serializers.IntegerField()
    original_rating = serializers.CharField(
        allow_blank=True, help_text="The rating as another fact-checker wrote it, for imported verdicts."
    )
    headline = serializers.CharField()
    reasoning = serializers.CharField()
    author_name = serializers.CharField(allow_blank=True)
    is_current = serializers.BooleanField()
    published_at = serializers.DateTimeField()
    superseded_at = serializers.DateTimeField(allow_null=True)


class ClaimantSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ClaimantKind.choices)


class TopicSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()


class CitedSourceSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    role = serializers.ChoiceField(choices=CitationRole.choices)
    health = serializers.ChoiceField(choices=Health.choices)


class ClaimFieldsSerializer(serializers.Serializer):
    """The claim's own fields, the same in lists and details."""

    id = serializers.IntegerField(help_text="Stable id.")
    slug = serializers.SlugField(help_text="Stable, readable id; also accepted in the detail URL.")
    api_url = serializers.URLField()
    statement = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices)
    claimed_on = serializers.DateField()
    context = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in (Status.PUBLISHED, Status.RETRACTED)]
    )
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="Last change; use with `updated_since` to sync.")
    topics = TopicSummarySerializer(many=True)


class ClaimListSerializer(ClaimFieldsSerializer):
    retracted_at = serializers.DateTimeField(allow_null=True)
    claimant = ClaimantSummarySerializer()
    verdict = VerdictSummarySerializer(allow_null=True, help_text="The current published verdict.")
    sources = CitedSourceSummarySerializer(many=True, help_text="Appearances and evidence.")
    relevance = serializers.FloatField(allow_null=True, help_text="Search rank; null without `search`.")


class ClaimantDetailSummarySerializer(ClaimantSummarySerializer):
    api_url = serializers.URLField()
    country = serializers.CharField(allow_blank=True)
    wikidata_id = serializers.CharField(allow_blank=True)


class CitedSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    api_url = serializers.URLField()
    url = serializers.URLField()
    title = serializers.CharField(allow_blank=True)
    publisher = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=SourceKind.choices)
    health = serializers.ChoiceField(choices=Health.choices, help_text="Result of link monitoring.")
    last_checked_at = serializers.DateTimeField(allow_null=True)
    latest_snapshot_at = serializers.DateTimeField(allow_null=True, help_text="Newest archived copy.")


class CitationSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=CitationRole.choices)
    role_label = serializers.CharField()
    quote = serializers.CharField(allow_blank=True)
    source = CitedSourceSerializer()


class RetractionSerializer(serializers.Serializer):
    retracted_at = serializers.DateTimeField()
    reason = serializers.CharField()


class CorrectionSerializer(serializers.Serializer):
    corrected_at = serializers.DateTimeField()
    note = serializers.CharField()


class ClaimDetailSerializer(ClaimFieldsSerializer):
    claimreview_url = serializers.URLField(help_text="This fact-check as schema.org ClaimReview JSON-LD.")
    retraction = RetractionSerializer(
        allow_null=True,
        help_text="Set when the claim was retracted; kept after a correction republished it.",
    )
    correction = CorrectionSerializer(
        allow_null=True, help_text="Set when a retracted claim was corrected and republished."
    )
    claimant = ClaimantDetailSummarySerializer()
    verdict = VerdictSerializer(allow_null=True)
    verdict_history = VerdictSerializer(many=True, help_text="Published verdicts, newest first.")
    appearances = CitationSerializer(many=True, help_text="Where the claim was made.")
    evidence = CitationSerializer(many=True, help_text="Sources the verdict rests on.")


class ClaimantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    api_url = serializers.URLField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ClaimantKind.choices)
    country = serializers.CharField(allow_blank=True)
    wikidata_id = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    claim_count = serializers.IntegerField(help_text="Published claims.")


class TopicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    api_url = serializers.URLField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    claim_count = serializers.IntegerField(help_text="Published claims.")


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    api_url = serializers.URLField()
    url = serializers.URLField()
    title = serializers.CharField(allow_blank=True)
    publisher = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=SourceKind.choices)
    language = serializers.CharField(allow_blank=True)
    published_on = serializers.DateField(allow_null=True)
    health = serializers.ChoiceField(choices=Health.choices)
    last_checked_at = serializers.DateTimeField(allow_null=True)
    latest_snapshot_at = serializers.DateTimeField(allow_null=True)


class ExternalReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    api_url = serializers.URLField()
    claim_id = serializers.IntegerField(help_text="Our claim that this other publisher's review is about.")
    url = serializers.URLField(help_text="Their review (not ours).")
    author_name = serializers.CharField(allow_blank=True, help_text="The publisher of the review.")
    author_url = serializers.CharField(allow_blank=True)
    date_published = serializers.DateField(allow_null=True)
    date_published_text = serializers.CharField(allow_blank=True, help_text="The date as they wrote it.")
    rating_text = serializers.CharField(allow_blank=True, help_text="Their rating, in their words.")
    rating = serializers.ChoiceField(
        choices=EXTERNAL_RATING_CHOICES, help_text="Where their words sit on our scale, or 'unrated'."
    )
    rating_value = serializers.CharField(allow_blank=True)
    best_rating = serializers.CharField(allow_blank=True)
    worst_rating = serializers.CharField(allow_blank=True)
    language = serializers.CharField(allow_blank=True, help_text="BCP 47 tag as given.")
    claim_text = serializers.CharField(allow_blank=True, help_text="The claim as they wrote it.")
    claimant_name = serializers.CharField(allow_blank=True)
    claim_date = serializers.DateField(allow_null=True)
    appearances = serializers.ListField(child=serializers.URLField())
    headline = serializers.CharField(allow_blank=True)
    body = serializers.CharField(allow_blank=True)
