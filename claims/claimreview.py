"""schema.org ClaimReview: the one mapping between our claims and the format search engines read.

Export follows Google's fact-check structured data: the required `claimReviewed`,
`reviewRating.alternateName` and `url`, and the recommended `author`, `datePublished`,
`itemReviewed` (a `Claim` with its author, date, `appearance` and `firstAppearance`) and the
rating's numeric range. Only what our editors wrote goes out: no text is made up to fill a
property. Other publishers' reviews are imported as `ExternalReview` records by
claims/importer.py and never exported as ours.
"""

import datetime
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone

from claims.models import (
    APPEARANCE_ROLES,
    RATING_BEST,
    RATING_WORST,
    Citation,
    CitationRole,
    Claim,
    Claimant,
    ClaimantKind,
    Rating,
    Status,
    Verdict,
)

SCHEMA_CONTEXT = "https://schema.org"
CLAIMREVIEW_MEDIA_TYPE = "application/ld+json"


# --- Export ----------------------------------------------------------------------------------


def review_url(claim: Claim) -> str:
    """The canonical address of our review of `claim`: its public page on FACTCHECK_SITE_URL."""
    return settings.FACTCHECK_SITE_URL.rstrip("/") + claim.get_absolute_url()


def _organisation(name: str, url: str = "") -> dict[str, Any]:
    org = {"@type": "Organization", "name": name}
    if url:
        org["url"] = url
    return org


def _claim_author(claimant: Claimant) -> dict[str, Any]:
    author: dict[str, Any] = {"@type": ClaimantKind(claimant.kind).schema_type, "name": claimant.name}
    if claimant.wikidata_id:
        author["sameAs"] = f"https://www.wikidata.org/wiki/{claimant.wikidata_id}"
    return author


def _creative_work(citation: Citation) -> dict[str, Any]:
    source = citation.source
    work: dict[str, Any] = {"@type": "CreativeWork", "url": source.url}
    if source.title:
        work["headline"] = source.title
    if source.publisher:
        work["publisher"] = _organisation(source.publisher)
    if source.published_on:
        work["datePublished"] = source.published_on.isoformat()
    return work


def _inline_appearance(claim: Claim) -> dict[str, Any]:
    """Where the claim was made, described inline when no appearance URL was recorded.

    Google accepts "a link to, or inline description of, a CreativeWork in which this claim
    occurs"; the occasion, speaker and date are what we know.
    """
    return {
        "@type": "CreativeWork",
        "name": claim.context or claim.statement[:200],
        "author": _claim_author(claim.claimant),
        "datePublished": claim.claimed_on.isoformat(),
    }


def _review_rating(verdict: Verdict) -> dict[str, Any]:
    rating = Rating(verdict.rating)
    result: dict[str, Any] = {
        "@type": "Rating",
        "alternateName": verdict.original_rating or rating.label,
    }
    if rating.score:  # "unproven" has no place on a true-false scale: no number is honest
        result |= {"ratingValue": rating.score, "bestRating": RATING_BEST, "worstRating": RATING_WORST}
    return result


def claim_review(claim: Claim) -> dict[str, Any]:
    """The ClaimReview of a published claim from `selectors.public_claim_detail()`."""
    verdict = next(v for v in claim.public_verdicts if v.is_current)
    citations = list(claim.citations.all())
    appearances = [c for c in citations if c.role in APPEARANCE_ROLES]
    first = next((c for c in appearances if c.role == CitationRole.FIRST_APPEARANCE), None)
    if first is None and appearances:
        first = min(appearances, key=lambda c: (c.source.published_on or datetime.date.max, c.id))
    seen: set[int] = set()
    appearance_works = []
    for citation in appearances:
        if citation.source_id not in seen:
            seen.add(citation.source_id)
            appearance_works.append(_creative_work(citation))
    publisher = settings.FACTCHECK_PUBLISHER
    if verdict.imported_from:
        author = _organisation(verdict.author_name or publisher["name"])
        url = verdict.imported_from
    else:
        author = _organisation(publisher["name"], publisher["url"])
        url = review_url(claim)
    published = claim.published_at or verdict.published_at
    review: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.statement,
        "datePublished": published.date().isoformat(),
        "author": author,
        "inLanguage": claim.language,
        "headline": verdict.headline,
        "reviewBody": verdict.reasoning,
        "reviewRating": _review_rating(verdict),
        "itemReviewed": {
            "@type": "Claim",
            "author": _claim_author(claim.claimant),
            "datePublished": claim.claimed_on.isoformat(),
            "appearance": appearance_works or [_inline_appearance(claim)],
            "firstAppearance": _creative_work(first) if first else _inline_appearance(claim),
        },
    }
    if verdict.published_at and verdict.published_at.date() > published.date():
        review["dateModified"] = verdict.published_at.date().isoformat()
    return review


def claim_review_feed(claims: Iterable[Claim]) -> Iterator[str]:
    """All given reviews as one schema.org DataFeed, as JSON text in pieces, one review each.

    Streamed so a feed of 100,000 reviews is never held in memory (whole or as one string);
    pass `claims` as an `.iterator(chunk_size=...)` to stream from the database too.
    """
    header = {
        "@context": SCHEMA_CONTEXT,
        "@type": "DataFeed",
        "name": f"{settings.FACTCHECK_PUBLISHER['name']} ClaimReview feed",
        "dateModified": timezone.now().isoformat(),
    }
    yield json.dumps(header, ensure_ascii=False)[:-1] + ', "dataFeedElement": ['
    separator = "\n"
    for claim in claims:
        if not is_public_review(claim):
            continue
        review = claim_review(claim)
        del review["@context"]
        element = {"@type": "DataFeedItem", "dateCreated": claim.published_at.isoformat(), "item": [review]}
        yield separator + json.dumps(element, ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"


def is_public_review(claim: Claim) -> bool:
    """Only published claims with a current published verdict have a ClaimReview; a retracted
    one is withdrawn from the feed. `claim` comes from `selectors.public_claim_detail()`."""
    return claim.status == Status.PUBLISHED and any(v.is_current for v in claim.public_verdicts)
