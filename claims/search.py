"""Full-text search over claims: statement, context and the published verdict's text.

On PostgreSQL each claim stores a weighted `search_vector` (statement A, context B, verdict C),
stemmed with the dictionary of the claim's language: English and Russian have one, Ukrainian
and everything else use `simple`. Triggers from migration 0002 write the vector on every insert
or update of a claim and of its verdicts, so every write path (admin, workflow, imports, bulk
loads, raw SQL) keeps it current without calling Python. A query is parsed with all three
configurations and OR-ed, so "talks" finds the English "talk" stem and the Russian
"переговоры" its own, and results are ranked with `ts_rank` over the GIN index.

On SQLite (`make run` without a server) there is no vector: every word must occur
(case-insensitively, in any script: SQLite's own LIKE and lower() fold only ASCII, so
"Референдум" would miss "референдум") in the statement, context or verdict, and results are
ordered by date. The folding is Python's `str.casefold`, registered on each SQLite connection.
"""

from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import CharField, F, FloatField, Func, Q, QuerySet, Value

from claims import selectors
from claims.models import Claim, Verdict

SEARCH_CONFIGS = ("english", "russian", "simple")
MAX_QUERY_LENGTH = 200


def uses_full_text_search() -> bool:
    """True where the stored, indexed vector exists (PostgreSQL)."""
    return connection.vendor == "postgresql"


def search_query(text: str) -> SearchQuery:
    """The user's words as a web-search style tsquery in every language we stem."""
    query = SearchQuery(text, config=SEARCH_CONFIGS[0], search_type="websearch")
    for config in SEARCH_CONFIGS[1:]:
        query |= SearchQuery(text, config=config, search_type="websearch")
    return query


def search_claims(queryset: QuerySet[Claim], text: str) -> QuerySet[Claim]:
    """Claims of `queryset` matching `text`, annotated with `rank` (higher is more relevant)."""
    text = text.strip()
    if uses_full_text_search():
        query = search_query(text)
        return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
    verdicts = Verdict.objects.filter(selectors.current_public_verdict_q()).annotate(
        headline_folded=CaseFold("headline"), reasoning_folded=CaseFold("reasoning")
    )
    candidates = queryset.annotate(statement_folded=CaseFold("statement"), context_folded=CaseFold("context"))
    for word in text.casefold().split():
        in_verdict = verdicts.filter(
            Q(headline_folded__contains=word) | Q(reasoning_folded__contains=word)
        ).values("claim_id")
        candidates = candidates.filter(
            Q(statement_folded__contains=word) | Q(context_folded__contains=word) | Q(pk__in=in_verdict)
        )
    ids = candidates.values("pk")
    return queryset.filter(pk__in=ids).annotate(rank=Value(1.0, output_field=FloatField()))


class CaseFold(Func):
    """Unicode case folding on SQLite (see register_sqlite_casefold)."""

    function = "factcheck_casefold"
    output_field = CharField()


def _casefold(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


def register_sqlite_casefold(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: give each SQLite connection the folding function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("factcheck_casefold", 1, _casefold, deterministic=True)


def refresh_search_vectors(queryset: QuerySet[Claim] | None = None) -> int:
    """Recompute stored vectors (after a bulk load with triggers disabled, or a config change).

    Setting the column makes the row trigger compute it again; returns the number of claims.
    """
    if not uses_full_text_search():
        return 0
    return (queryset if queryset is not None else Claim.objects.all()).update(search_vector=None)
