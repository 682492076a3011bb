"""OpenAPI examples. Written by hand from a claim the demo data publishes (the Bucha denial):
examples are public documentation and must never show a draft or a claim in review."""

from drf_spectacular.utils import OpenApiExample

_CLAIMANT = {"id": 1, "slug": "vladimir-medinsky", "name": "Vladimir Medinsky", "kind": "person"}
_STATEMENT = "Ukraine staged the killings in Bucha; Russian troops did not commit them."
_SOURCE = {
    "id": 2,
    "api_url": "https://factcheck.example.org/api/v1/sources/2/",
    "url": "https://en.wikipedia.org/wiki/Bucha_massacre",
    "title": "Bucha massacre",
    "publisher": "Wikipedia",
    "kind": "reference",
    "health": "ok",
    "last_checked_at": "2026-11-20T06:00:00Z",
    "latest_snapshot_at": "2026-11-20T06:00:00Z",
}
_VERDICT = {
    "id": 3,
    "rating": "false",
    "rating_label": "False",
    "rating_value": 1,
    "original_rating": "",
    "headline": "The Bucha killings were not staged",
    "reasoning": "Satellite images taken while Russian forces held Bucha show bodies in the streets "
    "where they were later found.",
    "author_name": "factcheck desk",
    "is_current": True,
    "published_at": "2026-11-20T09:00:00Z",
    "superseded_at": None,
}

CLAIM_LIST_ITEM = OpenApiExample(
    "A published claim",
    value={
        "id": 6,
        "slug": "medinsky-bucha-killings-staged",
        "api_url": "https://factcheck.example.org/api/v1/claims/6/",
        "statement": _STATEMENT,
        "language": "en",
        "claimed_on": "2022-04-06",
        "context": "Statement by the head of the Russian delegation, 6 April 2022",
        "status": "published",
        "published_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-20T09:00:00Z",
        "retracted_at": None,
        "claimant": _CLAIMANT,
        "topics": [{"id": 3, "slug": "bucha", "name": "Bucha killings"}],
        "verdict": {
            "rating": "false",
            "rating_label": "False",
            "rating_value": 1,
            "headline": _VERDICT["headline"],
        },
        "sources": [{"id": 2, "url": _SOURCE["url"], "role": "refutes", "health": "ok"}],
        "relevance": None,
    },
)

CLAIM_DETAIL = OpenApiExample(
    "A published claim",
    value={
        "id": 6,
        "slug": "medinsky-bucha-killings-staged",
        "api_url": "https://factcheck.example.org/api/v1/claims/6/",
        "claimreview_url": "https://factcheck.example.org/api/v1/claims/6/claimreview/",
        "statement": _STATEMENT,
        "language": "en",
        "claimed_on": "2022-04-06",
        "context": "Statement by the head of the Russian delegation, 6 April 2022",
        "status": "published",
        "published_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-20T09:00:00Z",
        "retraction": None,
        "correction": None,
        "claimant": {
            **_CLAIMANT,
            "api_url": "https://factcheck.example.org/api/v1/claimants/1/",
            "country": "RU",
            "wikidata_id": "",
        },
        "topics": [{"id": 3, "slug": "bucha", "name": "Bucha killings"}],
        "verdict": _VERDICT,
        "verdict_history": [_VERDICT],
        "appearances": [
            {"role": "first_appearance", "role_label": "First appearance", "quote": "", "source": _SOURCE}
        ],
        "evidence": [{"role": "refutes", "role_label": "Evidence: refutes", "quote": "", "source": _SOURCE}],
    },
)

CLAIM_REVIEW = OpenApiExample(
    "ClaimReview",
    media_type="application/ld+json",
    value={
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factcheck.example.org/api/v1/claims/6/",
        "claimReviewed": _STATEMENT,
        "datePublished": "2026-11-20",
        "author": {"@type": "Organization", "name": "factcheck", "url": "https://factcheck.example.org/"},
        "inLanguage": "en",
        "headline": _VERDICT["headline"],
        "reviewBody": _VERDICT["reasoning"],
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "False",
            "ratingValue": 1,
            "bestRating": 6,
            "worstRating": 1,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": "Vladimir Medinsky"},
            "datePublished": "2022-04-06",
            "appearance": [{"@type": "CreativeWork", "url": _SOURCE["url"], "headline": "Bucha massacre"}],
            "firstAppearance": {"@type": "CreativeWork", "url": _SOURCE["url"], "headline": "Bucha massacre"},
        },
    },
)
