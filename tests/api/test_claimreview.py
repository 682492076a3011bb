"""ClaimReview JSON-LD: Google's required and recommended properties, export, import."""

import copy
import datetime
import json
import re

import pytest
from django.core.management import CommandError, call_command

from claims import claimreview, selectors
from claims.models import Citation, Claim, Claimant, Rating, Status, Verdict
from sources.models import Source

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


def _review_of(url: str) -> dict:
    verdict = Verdict.objects.get(imported_from=url, is_current=True)
    claim = selectors.public_claim_detail().get(pk=verdict.claim_id)
    return claimreview.claim_review(claim)


def test_another_fact_checkers_review_imports_and_exports_back_the_same(tmp_path, capsys):
    path = tmp_path / "google.json"
    path.write_text(json.dumps(GOOGLE_EXAMPLE))
    call_command("import_claimreview", str(path))
    assert "1 created, 0 updated, 0 unchanged, 0 skipped" in capsys.readouterr().out

    claim = Claim.objects.get(statement="The world is flat")
    assert claim.status == Status.PUBLISHED
    assert claim.claimed_on == datetime.date(2016, 6, 20)
    assert claim.claimant.name == "Square World Society"
    verdict = claim.verdicts.get(is_current=True)
    assert (verdict.rating, verdict.original_rating) == (Rating.FALSE, "False")
    assert verdict.author_name == "Example.com science watch"
    assert Source.objects.filter(url="https://example.com/news/a122121").exists()

    out = tmp_path / "feed.json"
    call_command("export_claimreview", "--output", str(out))
    feed = json.loads(out.read_text())
    assert feed["@type"] == "DataFeed"
    (element,) = feed["dataFeedElement"]
    (exported,) = element["item"]
    assert google_problems(exported) == []
    assert exported["claimReviewed"] == GOOGLE_EXAMPLE["claimReviewed"]
    assert exported["url"] == GOOGLE_EXAMPLE["url"]  # credited to them, not republished as ours
    assert exported["author"]["name"] == "Example.com science watch"
    assert exported["reviewRating"]["alternateName"] == "False"
    assert exported["reviewRating"]["ratingValue"] == 1
    assert exported["itemReviewed"]["datePublished"] == "2016-06-20"
    assert exported["itemReviewed"]["author"]["name"] == "Square World Society"
    assert [a["url"] for a in exported["itemReviewed"]["appearance"]] == ["https://example.com/news/a122121"]

    # Re-importing our export of it changes nothing: same claim, same rating, same appearance.
    before = {m.__name__: m.objects.count() for m in (Claim, Claimant, Verdict, Citation, Source)}
    report = claimreview.import_claim_reviews(feed)
    assert len(report.unchanged) == 1 and not report.created and not report.skipped
    assert {m.__name__: m.objects.count() for m in (Claim, Claimant, Verdict, Citation, Source)} == before


def test_import_is_idempotent_and_a_changed_rating_supersedes(tmp_path):
    first = claimreview.import_claim_reviews(GOOGLE_EXAMPLE)
    assert len(first.created) == 1
    again = claimreview.import_claim_reviews(GOOGLE_EXAMPLE)
    assert len(again.unchanged) == 1 and Claim.objects.count() == 1 and Verdict.objects.count() == 1

    changed = copy.deepcopy(GOOGLE_EXAMPLE)
    changed["reviewRating"] = {"@type": "Rating", "alternateName": "Pants on Fire!"}
    report = claimreview.import_claim_reviews(changed)
    assert len(report.updated) == 1
    claim = Claim.objects.get()
    assert [(v.original_rating, v.is_current) for v in claim.verdicts.order_by("id")] == [
        ("False", False),
        ("Pants on Fire!", True),
    ]
    assert _review_of(GOOGLE_EXAMPLE["url"])["reviewRating"]["alternateName"] == "Pants on Fire!"


def _variant(n: int, **changes) -> dict:
    review = copy.deepcopy(GOOGLE_EXAMPLE)
    review["url"] = f"https://example.com/checks/{n}"
    review["claimReviewed"] = f"Claim number {n}"
    review.update(changes)
    return review


def test_import_reads_arrays_graphs_and_data_feeds():
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": "https://example.com/checks/2#page"},
            {"@type": "Organization", "@id": "#checker", "name": "Graph Checkers"},
            {**_variant(2), "author": {"@id": "#checker"}},
        ],
    }
    feed = {
        "@context": "http://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [
            {"@type": "DataFeedItem", "dateCreated": "2024-01-01", "item": [_variant(3)]},
            {"@type": "DataFeedItem", "item": _variant(4)},
            _variant(5),
        ],
    }
    report = claimreview.import_claim_reviews([_variant(1), graph, feed])
    assert len(report.created) == 5
    assert Claim.objects.filter(status=Status.PUBLISHED).count() == 5
    assert Verdict.objects.get(imported_from="https://example.com/checks/2").author_name == "Graph Checkers"
    assert [path for path, _ in report.skipped] == ["$[1].@graph[0]", "$[1].@graph[1]"]
    assert "not a ClaimReview (@type WebPage)" in report.skipped[0][1]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"claimReviewed": ""}, "claimReviewed is missing"),
        ({"url": None}, "url is missing"),
        ({"url": "javascript:alert(1)"}, "url is not usable"),
        ({"url": "http://localhost:8000/api/v1/claims/1/"}, "one of our own reviews"),
        ({"reviewRating": None}, "reviewRating is missing"),
        ({"reviewRating": {"alternateName": "Spicy"}}, "cannot be mapped"),
        ({"itemReviewed": {"datePublished": "2016-06-20"}}, "has no name"),
        ({"itemReviewed": {"author": {"name": "X"}}, "datePublished": "soon"}, "no date for the claim"),
        ({"@type": "Review"}, "not a ClaimReview"),
    ],
)
def test_unusable_records_are_reported_with_the_reason_and_the_rest_imported(change, reason):
    bad = _variant(9, **change)
    report = claimreview.import_claim_reviews([bad, _variant(10), "not an object"])
    assert len(report.created) == 1
    assert [path for path, _ in report.skipped] == ["$[0]", "$[2]"]
    assert reason in report.skipped[0][1]
    assert "not a JSON object" in report.skipped[1][1]
    assert Claim.objects.count() == 1  # nothing half-written for the bad record


def test_a_bad_appearance_url_is_a_warning_not_a_failure():
    review = _variant(11)
    review["itemReviewed"]["appearance"] = [{"url": "mailto:someone@example.com"}, "https://example.com/ok"]
    report = claimreview.import_claim_reviews(review)
    assert len(report.created) == 1
    assert "appearance ignored" in report.warnings[0][1]
    claim = Claim.objects.get()
    assert list(claim.citations.filter(role="appearance").values_list("source__url", flat=True)) == [
        "https://example.com/ok"
    ]


def test_command_exit_code_only_for_unreadable_input(tmp_path, capsys):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_claimreview", str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_claimreview", str(broken))
    scalar = tmp_path / "scalar.json"
    scalar.write_text("42")
    with pytest.raises(CommandError, match="expected a JSON object or array"):
        call_command("import_claimreview", str(scalar))
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([_variant(12), {"@type": "ClaimReview"}]))
    call_command("import_claimreview", str(mixed))
    captured = capsys.readouterr()
    assert "1 created, 0 updated, 0 unchanged, 1 skipped" in captured.out
    assert "skipped $[1]: claimReviewed is missing" in captured.err


@pytest.mark.parametrize(
    ("text", "value", "best", "worst", "expected"),
    [
        ("Pants on Fire!", None, 5, 1, Rating.FALSE),
        ("Half True", None, 5, 1, Rating.MIXED),
        ("Missing context", None, 5, 1, Rating.MISLEADING),
        ("  MOSTLY   false. ", None, 5, 1, Rating.MOSTLY_FALSE),
        ("Маніпуляція", None, 5, 1, Rating.MISLEADING),
        ("Неправда", None, 5, 1, Rating.FALSE),
        ("Four-ish stars", 4, 5, 1, Rating.MOSTLY_TRUE),
        ("", 1, 10, 1, Rating.FALSE),
        ("", 10, 10, 1, Rating.TRUE),
        ("Spicy", None, 5, 1, None),
        ("Spicy", 7, 5, 1, None),
        ("Spicy", 3, 3, 3, None),
    ],
)
def test_foreign_rating_mapping(text, value, best, worst, expected):
    assert claimreview.map_foreign_rating(text, value=value, best=best, worst=worst) == expected


def test_export_writes_only_published_reviews(world, capsys):
    call_command("export_claimreview")
    feed = json.loads(capsys.readouterr().out)
    reviewed = {item["item"][0]["claimReviewed"] for item in feed["dataFeedElement"]}
    assert reviewed == {world.published.statement, world.russian.statement, world.ukrainian.statement}
