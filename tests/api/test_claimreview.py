"""ClaimReview JSON-LD: Google's required and recommended properties, export, import."""

import json
import re

import pytest
from django.core.management import call_command

from claims import claimreview, selectors
from claims.models import Claim, Rating, Status

pytestmark = pytest.mark.django_db

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The example of Google's fact-check structured-data documentation, as another fact-checker
# would publish it (numbers as strings, a single appearance object, an Organization author).
GOOGLE_EXAMPLE = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://example.com/news/science/worldisflat.html",
    "claimReviewed": "The world is flat",
    "itemReviewed": {
        "@type": "Claim",
        "author": {
            "@type": "Organization",
            "name": "Square World Society",
            "sameAs": "https://example.flatworlders.com/we-know-that-the-world-is-flat",
        },
        "datePublished": "2016-06-20",
        "appearance": {
            "@type": "OpinionNewsArticle",
            "url": "https://example.com/news/a122121",
            "headline": "Square Earth - Flat earthers for the Internet age",
            "datePublished": "2016-06-22",
            "author": {"@type": "Person", "name": "T. Tellitlikeitis"},
            "image": "https://example.com/photos/1x1/photo.jpg",
            "publisher": {
                "@type": "Organization",
                "name": "Skeptical News",
                "logo": {"@type": "ImageObject", "url": "https://example.com/logo.jpg"},
            },
        },
    },
    "author": {"@type": "Organization", "name": "Example.com science watch"},
    "reviewRating": {
        "@type": "Rating",
        "ratingValue": "1",
        "bestRating": "5",
        "worstRating": "1",
        "alternateName": "False",
    },
}


def google_problems(review: dict) -> list[str]:
    """What Google's ClaimReview guidelines would flag: required, then recommended properties."""
    problems = []

    def need(condition: bool, message: str) -> None:
        if not condition:
            problems.append(message)

    need(review.get("@type") == "ClaimReview", "@type")
    need(isinstance(review.get("claimReviewed"), str) and review["claimReviewed"].strip(), "claimReviewed")
    need(str(review.get("url", "")).startswith(("http://", "https://")), "url")
    rating = review.get("reviewRating") or {}
    need(rating.get("@type") == "Rating", "reviewRating.@type")
    need(bool(rating.get("alternateName")), "reviewRating.alternateName")
    for key in ("ratingValue", "bestRating", "worstRating"):
        need(isinstance(rating.get(key), int), f"reviewRating.{key}")
    if all(isinstance(rating.get(k), int) for k in ("ratingValue", "bestRating", "worstRating")):
        need(rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"], "ratingValue in range")
        need(rating["worstRating"] < rating["bestRating"], "bestRating > worstRating")
    author = review.get("author") or {}
    need(author.get("@type") in ("Organization", "Person") and bool(author.get("name")), "author")
    need(ISO_DATE.match(str(review.get("datePublished", ""))) is not None, "datePublished")
    need(bool(review.get("inLanguage")), "inLanguage")
    item = review.get("itemReviewed") or {}
    need(item.get("@type") == "Claim", "itemReviewed.@type")
    claim_author = item.get("author") or {}
    need(
        claim_author.get("@type") in ("Organization", "Person") and bool(claim_author.get("name")),
        "itemReviewed.author",
    )
    need(ISO_DATE.match(str(item.get("datePublished", ""))) is not None, "itemReviewed.datePublished")
    appearances = item.get("appearance")
    need(isinstance(appearances, list) and len(appearances) > 0, "itemReviewed.appearance")
    for work in [*(appearances or []), item.get("firstAppearance")]:
        need(
            isinstance(work, dict)
            and work.get("@type") == "CreativeWork"
            and bool(work.get("url") or work.get("name")),
            "appearance/firstAppearance is a CreativeWork with a url or an inline description",
        )
    return problems


def test_every_published_demo_claim_has_a_complete_claimreview(client):
    call_command("loaddemo", verbosity=0)
    published = Claim.objects.filter(status=Status.PUBLISHED)
    assert published.count() >= 3
    for claim in published:
        response = client.get(f"/api/v1/claims/{claim.id}/claimreview/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/ld+json"
        review = json.loads(response.content)
        assert review["@context"] == "https://schema.org"
        assert google_problems(review) == [], claim.slug
        assert review["claimReviewed"] == claim.statement
        verdict = claim.verdicts.get(is_current=True)
        assert review["reviewRating"]["alternateName"] == Rating(verdict.rating).label
        assert review["author"]["name"] == "factcheck"
        # The public page in the claim's language, on FACTCHECK_SITE_URL (tests/front checks it answers).
        assert review["url"] == f"http://localhost:8000/{claim.language}/claims/{claim.id}/"
    bucha = client.get("/api/v1/claims/medinsky-bucha-killings-staged/claimreview/").json()
    assert bucha["itemReviewed"]["firstAppearance"]["url"] == "https://en.wikipedia.org/wiki/Bucha_massacre"
    assert bucha["itemReviewed"]["author"] == {"@type": "Person", "name": "Vladimir Medinsky"}
    assert bucha["reviewRating"]["ratingValue"] == 1


def test_claimreview_of_a_retracted_claim_is_gone(client, world):
    response = client.get(f"/api/v1/claims/{world.retracted.id}/claimreview/")
    assert response.status_code == 410
    assert "misread" in response.json()["detail"]


def test_claimreview_has_an_etag(client, world):
    url = f"/api/v1/claims/{world.published.id}/claimreview/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_an_unproven_rating_has_no_number(world):
    from claims import workflow

    workflow.record_verdict(
        world.russian, user=None, rating=Rating.UNPROVEN, headline="Unclear", reasoning="Open."
    )
    review = claimreview.claim_review(selectors.public_claim_detail().get(pk=world.russian.pk))
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Unproven"}


def test_export_writes_only_published_reviews(world, capsys):
    call_command("export_claimreview")
    feed = json.loads(capsys.readouterr().out)
    reviewed = {item["item"][0]["claimReviewed"] for item in feed["dataFeedElement"]}
    assert reviewed == {world.published.statement, world.russian.statement, world.ukrainian.statement}
