"""Page cache, ETag and Last-Modified for the public pages.

A rendered page is cached under a key that carries the version of the data it shows, read with
one cheap query per request: for a claim page, the newest `updated_at` of the claim (bumped by
every workflow transition and new verdict), its claimant, its cited sources (bumped by every
check of the source monitor) and other publishers' reviews of it, with their counts; for lists, feed and search, the newest `updated_at` of any claim
and any claimant. When a claim's public state changes its version changes, so the next request
misses and renders afresh: invalidation needs no hook in the workflow, the admin or the
monitor, and nothing can forget to call it. Stale entries simply expire
(FACTCHECK_PAGE_CACHE_SECONDS), which also bounds how long a renamed topic lingers.

The version is also the page's Last-Modified, and the ETag is a hash of the body, so readers,
crawlers and proxies revalidate with a conditional GET and get a 304.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language

from claims import selectors
from claims.models import Claim, Claimant

KEY_PREFIX = "front:page:v1"


@dataclass(frozen=True)
class Version:
    """What a cached page depends on: `modified` (its Last-Modified) and `key` (in its cache key).

    The key also carries counts, because an unlinked review or a removed citation can make the
    newest timestamp go back to one a previous state had: the count still differs.
    """

    modified: datetime.datetime
    key: str


def claim_version(pk: int) -> Version | None:
    """When anything a claim page shows last changed; None when the claim is not public."""
    reviews = (
        selectors.public_external_reviews()
        .filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(newest=Max("updated_at"), count=Count("id"))
    )
    row = (
        selectors.public_claims()
        .filter(pk=pk)
        .annotate(
            sources_at=Max("citations__source__updated_at"),
            citation_count=Count("citations"),
            reviews_at=Subquery(reviews.values("newest")),
            review_count=Subquery(reviews.values("count")),
        )
        .values_list(
            "updated_at", "claimant__updated_at", "sources_at", "reviews_at", "citation_count", "review_count"
        )
        .first()
    )
    if row is None:
        return None
    modified = max(moment for moment in row[:4] if moment is not None)
    return Version(modified=modified, key=f"{modified.isoformat()}|{row[4]}|{row[5] or 0}")


def lists_version() -> Version:
    """When any claim or claimant last changed: lists, feed and search depend on all of them.

    Drafts count too: a claim leaving the public statuses must also invalidate the lists.
    """
    claims, claimants = Claim._meta.db_table, Claimant._meta.db_table
    with connection.cursor() as cursor:
        # Table names come from the models, never from input.
        sql = f"SELECT (SELECT MAX(updated_at) FROM {claims}), (SELECT MAX(updated_at) FROM {claimants})"  # noqa: S608
        cursor.execute(sql)
        moments = [m for m in cursor.fetchone() if m is not None]
    if moments and isinstance(moments[0], str):  # SQLite returns text
        moments = [datetime.datetime.fromisoformat(m) for m in moments]
    modified = max(moments, default=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    return Version(modified=modified, key=modified.isoformat())


def _etag(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


def serve(
    request: HttpRequest,
    *,
    version: Version,
    render: Callable[[], HttpResponse],
    cached: bool = True,
    query_keys: tuple[str, ...] = (),
) -> HttpResponse:
    """The page from the cache when its version is unchanged, else `render()` (cached if 200),
    with ETag, Last-Modified and a 304 for a matching conditional request.

    `cached=False` is for pages whose keys readers choose (search queries): they get the same
    headers but never fill the cache. The key holds the path and only the `query_keys`
    parameters (the sitemap's page number): any other query string is ignored, so it cannot be
    used to fill the cache.
    """
    key = None
    entry = None
    if cached:
        query = [(name, request.GET.get(name, "")) for name in query_keys]
        raw = f"{get_language()}|{request.path}|{query}|{version.key}"
        key = f"{KEY_PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()}"
        entry = cache.get(key)
    if entry is None:
        rendered = render()
        if hasattr(rendered, "render"):
            rendered.render()
        if rendered.status_code != 200:
            return rendered
        entry = (rendered.content, rendered["Content-Type"], _etag(rendered.content))
        if key is not None:
            cache.set(key, entry, settings.FACTCHECK_PAGE_CACHE_SECONDS)
    content, content_type, etag = entry
    response = HttpResponse(content, content_type=content_type)
    response["ETag"] = etag
    last_modified = int(version.modified.timestamp())
    response["Last-Modified"] = http_date(last_modified)
    response["Content-Language"] = get_language()
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
