"""What each public page shows. Public data is read only through claims/selectors.py, so the
one definition of "public" covers these pages, the feed and the sitemap too.

Every function here costs a fixed number of queries whatever the size of the claim (its
verdicts, citations, topics) or of the list: rows are joined or prefetched, never fetched per
item (tested with django_assert_num_queries).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.http import QueryDict
from django.urls import reverse, translate_url
from django.utils.safestring import SafeString, mark_safe

from claims import claimreview, selectors
from claims.api.filters import ORDERINGS, ClaimFilter, claim_ordering_name
from claims.models import (
    APPEARANCE_ROLES,
    EVIDENCE_ROLES,
    Claim,
    Claimant,
    ExternalReview,
    Status,
    Topic,
    Verdict,
)

PAGE_SIZE = 20
MAX_PAGE = 50
OWNER_PAGE_SIZE = 200  # a claimant's or topic's page lists this many claims, newest first  # deeper pages of a search are for the API's cursors, not for readers

# json.dumps output embedded in a <script> element must not be able to close it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute(path: str) -> str:
    """`path` on the configured public site (FACTCHECK_SITE_URL), never on the request's host."""
    return settings.FACTCHECK_SITE_URL.rstrip("/") + path


def script_json(document: dict[str, Any]) -> SafeString:
    """`document` as JSON that can sit inside <script>: a statement containing "</script>" cannot end
    the element (the escapes are JSON's own, so the parsed document is unchanged)."""
    return mark_safe(json.dumps(document, ensure_ascii=False).translate(_SCRIPT_ESCAPES))


def language_alternates(path: str) -> list[tuple[str, str]]:
    """(language code, absolute URL) of this page in every interface language, for hreflang."""
    return [(code, absolute(translate_url(path, code))) for code, _name in settings.LANGUAGES]


def claim_rows(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """List rows in one query: the claimant joined, the current published verdict's rating and
    headline annotated; the search vector, large and never shown, left out."""
    return (
        selectors.with_current_verdict(claims)
        .select_related("claimant")
        .defer("search_vector")
        .annotate(rating=F("current_verdict__rating"), headline=F("current_verdict__headline"))
    )


def latest_verdicts(limit: int = PAGE_SIZE) -> list[Claim]:
    """The home page: published fact-checks by their last change (a new fact-check or a revised
    verdict). The (status, updated_at) index serves it; by `published_at` PostgreSQL sorts every
    published claim (640 ms instead of 0.8 ms with 100,000, bench/pages.py)."""
    return list(claim_rows(selectors.published_claims()).order_by("-updated_at", "-id")[:limit])


def claimant_page(slug: str) -> tuple[Claimant, list[Claim]] | None:
    """A claimant with a public claim, and their published and retracted claims; None if not public."""
    return _owner_page(selectors.public_claimants(), slug, "claimant")


def topic_page(slug: str) -> tuple[Topic, list[Claim]] | None:
    """A topic with a public claim, and its published and retracted claims; None if not public."""
    return _owner_page(selectors.public_topics(), slug, "topics")


def _owner_page(owners: QuerySet, slug: str, relation: str) -> tuple[Any, list[Claim]] | None:
    owner = owners.filter(slug=slug).first()
    if owner is None:
        return None
    claims = claim_rows(selectors.public_claims().filter(**{relation: owner})).order_by("-claimed_on", "-id")
    return owner, list(claims[:OWNER_PAGE_SIZE])


@dataclass
class SearchResult:
    form: Any  # the filter's form, bound to the query: its errors are shown to the reader
    claims: list[Claim] = field(default_factory=list)
    page: int = 1
    has_next: bool = False
    searched: bool = False


def search(params: QueryDict) -> SearchResult:
    """The API's full-text search and filters (the same ClaimFilter), a page of PAGE_SIZE rows.

    An invalid parameter is reported on the form, never a 500.
    """
    params = params.copy()
    page_text = params.pop("page", ["1"])[-1]
    page = int(page_text) if page_text.isdigit() and 1 <= int(page_text) <= MAX_PAGE else 1
    queryset = selectors.with_current_verdict(selectors.public_claims())
    filterset = ClaimFilter(params, queryset=queryset)
    searched = any(value.strip() for key in filterset.base_filters for value in params.getlist(key))
    if not filterset.is_valid():
        return SearchResult(form=filterset.form, page=page, searched=searched)
    ordering = ORDERINGS[claim_ordering_name(filterset.form.cleaned_data)]
    start = (page - 1) * PAGE_SIZE
    rows = list(claim_rows(filterset.qs).order_by(*ordering)[start : start + PAGE_SIZE + 1])
    return SearchResult(
        form=filterset.form,
        claims=rows[:PAGE_SIZE],
        page=page,
        has_next=len(rows) > PAGE_SIZE and page < MAX_PAGE,
        searched=searched,
    )


@dataclass
class ClaimPage:
    claim: Claim
    verdict: Verdict | None  # the newest published verdict
    history: list[Verdict]  # earlier published verdicts, newest first
    appearances: list
    evidence: list
    topics: list[Topic]
    review: dict[str, Any] | None  # our ClaimReview, None when retracted or not ours
    review_json: SafeString | None
    imported_from: str  # the other fact-checker's review this verdict came from, if any
    external_reviews: list[ExternalReview] = field(default_factory=list)  # other publishers', as theirs

    @property
    def retracted(self) -> bool:
        return self.claim.status == Status.RETRACTED

    @property
    def revised(self) -> bool:
        """The published verdict was replaced after publication: readers are told so."""
        return bool(self.history)


def claim_page(pk: int) -> ClaimPage | None:
    """Everything a claim page shows, in five queries; None unless the claim is public."""
    claim = selectors.public_claim_detail().filter(pk=pk).first()
    if claim is None:
        return None
    verdicts = list(claim.public_verdicts)
    citations = list(claim.citations.all())
    verdict = verdicts[0] if verdicts else None
    review = None
    if verdict is not None and verdict.is_current and claimreview.is_public_review(claim):
        review = claimreview.claim_review(claim)
    imported_from = verdict.imported_from if verdict is not None else ""
    if imported_from:
        # Another publisher's review: their page carries its ClaimReview, ours must not claim it.
        review = None
    return ClaimPage(
        claim=claim,
        verdict=verdict,
        history=verdicts[1:],
        appearances=[c for c in citations if c.role in APPEARANCE_ROLES],
        evidence=[c for c in citations if c.role in EVIDENCE_ROLES],
        topics=list(claim.topics.all()),
        review=review,
        review_json=script_json(review) if review else None,
        imported_from=imported_from,
        external_reviews=external_reviews(claim),
    )


LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def external_reviews(claim: Claim) -> list[ExternalReview]:
    """Other publishers' reviews of this claim, newest first, each with `lang` set only when its
    language is a well-formed tag (an attribute readers' software can trust)."""
    reviews = list(
        selectors.public_external_reviews()
        .filter(claim=claim)
        .order_by(F("date_published").desc(nulls_last=True), "-id")[:OWNER_PAGE_SIZE]
    )
    for review in reviews:
        review.lang = review.language if LANGUAGE_TAG.fullmatch(review.language or "") else ""
    return reviews


def api_links(claim: Claim) -> dict[str, str]:
    """The machine-readable forms of a claim page, for <link rel="alternate">."""
    detail = reverse("api:claim-detail", args=[claim.pk])
    return {"json": absolute(detail), "jsonld": absolute(detail + "claimreview/")}
