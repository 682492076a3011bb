"""/api/v1/claims/: lists, filters, search, pagination, details, and what must never show."""

import datetime

import pytest
from django.utils import timezone

from claims import workflow
from claims.models import Rating
from tests.api.conftest import assert_no_secrets, publish_with_verdict
from tests.factories import CitationFactory, ClaimFactory

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_list_shows_published_claims_newest_claim_first(client, world):
    response = client.get("/api/v1/claims/")
    assert ids(response) == [world.published.id, world.ukrainian.id, world.russian.id]
    first = response.json()["results"][0]
    assert first["claimant"] == {
        "id": world.claimant.id,
        "slug": "alice-public",
        "name": "Alice Public",
        "kind": "person",
    }
    assert first["topics"] == [{"id": world.topic.id, "slug": "bridges", "name": "Bridges"}]
    assert first["verdict"] == {
        "rating": "false",
        "rating_label": "False",
        "rating_value": 1,
        "headline": "False: it never closed",
    }
    assert {s["url"] for s in first["sources"]} == {
        "https://news.example.org/shared-evidence",
        "https://tv.example.org/interview",
    }
    assert first["api_url"] == f"http://localhost/api/v1/claims/{world.published.id}/"
    assert first["relevance"] is None
    assert_no_secrets(response.content, world)


def test_retracted_claims_are_listed_only_when_asked_for(client, world):
    response = client.get("/api/v1/claims/?status=retracted")
    assert ids(response) == [world.retracted.id]
    item = response.json()["results"][0]
    assert item["status"] == "retracted" and item["retracted_at"]
    assert item["verdict"] is None  # its current verdict was recorded after retraction: unpublished
    assert_no_secrets(response.content, world)


@pytest.mark.parametrize("status", ["draft", "review", "anything"])
def test_unpublished_statuses_cannot_be_requested(client, world, status):
    response = client.get(f"/api/v1/claims/?status={status}")
    assert response.status_code == 400
    assert "status" in response.json()
    assert_no_secrets(response.content, world)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("claimant=alice-public", ["published", "russian"]),
        ("claimant={claimant_id}", ["published", "russian"]),
        ("claimant=zebulon-hiddenperson", []),
        ("claimant=no-such-person", []),
        ("topic=bridges", ["published"]),
        ("topic={topic_id}", ["published"]),
        ("topic=quarantined-topic", []),
        ("rating=false", ["published", "russian"]),
        ("rating=true", ["ukrainian"]),
        ("rating=misleading", []),
        ("language=ru", ["russian"]),
        ("language=uk", ["ukrainian"]),
        ("claimed_after=2023-01-01", ["published", "ukrainian"]),
        ("claimed_before=2023-01-01", ["russian"]),
        ("claimed_after=2022-01-01&claimed_before=2023-12-31", ["ukrainian", "russian"]),
        ("status=retracted&rating=misleading", []),  # its current verdict is unpublished
        ("status=retracted&rating=true", []),
        ("status=retracted&claimant=alice-public", ["retracted"]),
    ],
)
def test_filters(client, world, query, expected):
    query = query.format(claimant_id=world.claimant.id, topic_id=world.topic.id)
    response = client.get(f"/api/v1/claims/?{query}")
    assert ids(response) == [getattr(world, name).id for name in expected]
    assert_no_secrets(response.content, world)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("rating=bogus", "rating"),
        ("language=xx", "language"),
        ("claimed_after=yesterday", "claimed_after"),
        ("claimed_before=2024-02-30", "claimed_before"),
        ("updated_since=not-a-time", "updated_since"),
        ("ordering=statement", "ordering"),
        ("ordering=relevance", "ordering"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=-5", "page_size"),
        ("page_size=ten", "page_size"),
        ("cursor=not-a-cursor", "cursor"),
        ("search=" + "x" * 201, "search"),
        ("search=a%00b", "search"),
        ("claimant=a%00b", "claimant"),
    ],
)
def test_bad_parameters_are_400_with_the_reason(client, world, query, field):
    response = client.get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body.get(field)


def test_updated_since_returns_changes_including_retractions(client, world):
    future = timezone.now() + datetime.timedelta(seconds=5)
    assert ids(client.get("/api/v1/claims/", {"updated_since": future.isoformat()})) == []
    later = timezone.now()

    workflow.record_verdict(
        world.russian, user=None, rating=Rating.MIXED, headline="Mixed after all", reasoning="More."
    )
    workflow.retract_claim(world.ukrainian, user=None, reason="Wrong bridge.")
    response = client.get("/api/v1/claims/", {"updated_since": later.isoformat(), "ordering": "updated_at"})
    assert ids(response) == [world.russian.id, world.ukrainian.id]
    assert [i["status"] for i in response.json()["results"]] == ["published", "retracted"]
    assert response.json()["results"][0]["verdict"]["rating"] == "mixed"
    # The draft changed too, but a draft never syncs.
    workflow.submit_for_review(world.draft, user=None)
    assert ids(client.get("/api/v1/claims/", {"updated_since": later.isoformat()})) == [
        world.ukrainian.id,
        world.russian.id,
    ]


def test_search_matches_statement_context_and_published_verdict(client, world):
    assert ids(client.get("/api/v1/claims/?search=danube")) == [world.published.id]
    assert ids(client.get("/api/v1/claims/?search=briefing")) == [world.published.id]  # context
    assert ids(client.get("/api/v1/claims/?search=footage")) == [world.published.id]  # current verdict
    assert ids(client.get("/api/v1/claims/?search=closed")) == [world.published.id]  # not the review claim


def test_search_stems_english_and_russian_and_matches_ukrainian_words(client, world):
    assert ids(client.get("/api/v1/claims/?search=closing repair")) == [world.published.id]
    assert ids(client.get("/api/v1/claims/", {"search": "переговор"})) == [world.russian.id]
    assert ids(client.get("/api/v1/claims/", {"search": "провалилась"})) == [world.russian.id]
    assert ids(client.get("/api/v1/claims/", {"search": "Дніпро"})) == [world.ukrainian.id]


@pytest.mark.parametrize(
    "term", ["zanzibarian", "Quixotic", "capital", "Pending", "Wobbly", "Clandestine", "Xylophonic", "Hush"]
)
def test_search_never_finds_unpublished_text(client, world, term):
    response = client.get(f"/api/v1/claims/?search={term}")
    assert ids(response) == []
    for status in ("retracted", "published"):
        assert ids(client.get(f"/api/v1/claims/?search={term}&status={status}")) == []


def test_search_ranks_statement_matches_above_verdict_matches(client, world):
    in_verdict = ClaimFactory(
        statement="A claim about ports.", claimant=world.claimant, claimed_on=datetime.date(2024, 5, 1)
    )
    CitationFactory(claim=in_verdict)
    publish_with_verdict(
        in_verdict, headline="Nothing on tariffs here", reasoning="Tariffs were not discussed."
    )
    in_statement = ClaimFactory(
        statement="Tariffs on steel doubled; tariffs on grain tripled.",
        claimant=world.claimant,
        claimed_on=datetime.date(2020, 1, 1),
    )
    CitationFactory(claim=in_statement)
    publish_with_verdict(in_statement)
    response = client.get("/api/v1/claims/?search=tariffs")
    assert ids(response) == [in_statement.id, in_verdict.id]
    ranks = [item["relevance"] for item in response.json()["results"]]
    assert ranks[0] > ranks[1] > 0
    by_date = client.get("/api/v1/claims/?search=tariffs&ordering=-claimed_on")
    assert ids(by_date) == [in_verdict.id, in_statement.id]


def test_search_vector_follows_edits_of_claims_and_verdicts(client, world):
    world.published.statement = "The Rhine ferry was suspended."
    world.published.save()
    assert ids(client.get("/api/v1/claims/?search=danube")) == []
    assert ids(client.get("/api/v1/claims/?search=rhine")) == [world.published.id]
    workflow.record_verdict(
        world.russian, user=None, rating=Rating.FALSE, headline="Falsified", reasoning="Zeppelin logs."
    )
    assert ids(client.get("/api/v1/claims/?search=zeppelin")) == [world.russian.id]


def test_search_vector_follows_bulk_updates_that_bypass_save(client, world):
    from claims.models import Claim, Verdict

    Claim.objects.filter(pk=world.ukrainian.pk).update(statement="Kerosene prices fell.", language="en")
    assert ids(client.get("/api/v1/claims/?search=kerosene")) == [world.ukrainian.id]
    Verdict.objects.filter(claim=world.ukrainian, is_current=True).update(reasoning="Quokka statistics.")
    assert ids(client.get("/api/v1/claims/?search=quokka")) == [world.ukrainian.id]
    Verdict.objects.filter(claim=world.ukrainian).delete()
    assert ids(client.get("/api/v1/claims/?search=quokka")) == []


def test_cursor_pagination_walks_every_public_claim_once_in_both_directions(client, world):
    for _ in range(7):  # ties on claimed_on, to cross page boundaries inside a run of equal dates
        claim = ClaimFactory(claimant=world.claimant, claimed_on=datetime.date(2024, 3, 1))
        CitationFactory(claim=claim)
        publish_with_verdict(claim)
    expected = ids(client.get("/api/v1/claims/?page_size=100"))
    assert len(expected) == 10

    seen, pages, url = [], [], "/api/v1/claims/?page_size=3"
    while url:
        body = client.get(url).json()
        pages.append(body)
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
    assert seen == expected
    assert [len(p["results"]) for p in pages] == [3, 3, 3, 1]
    assert pages[0]["previous"] is None

    back, url = [], pages[-1]["previous"]
    while url:
        body = client.get(url).json()
        back = [item["id"] for item in body["results"]] + back
        url = body["previous"]
    assert back == expected[:9]


def test_a_cursor_from_another_ordering_is_rejected(client, world):
    next_link = client.get("/api/v1/claims/?page_size=1").json()["next"]
    cursor = next_link.split("cursor=")[1].split("&")[0]
    response = client.get(f"/api/v1/claims/?cursor={cursor}&ordering=updated_at")
    assert response.status_code == 400 and "cursor" in response.json()


def test_detail_has_everything_public_and_nothing_else(client, world):
    response = client.get(f"/api/v1/claims/{world.published.id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "danube-bridge-closed"
    assert body["verdict"]["headline"] == "False: it never closed" and body["verdict"]["is_current"]
    assert [v["headline"] for v in body["verdict_history"]] == [
        "False: it never closed",
        "Mostly false: it was open",
    ]
    assert body["verdict_history"][1]["superseded_at"] is not None
    assert [a["source"]["url"] for a in body["appearances"]] == ["https://tv.example.org/interview"]
    assert body["appearances"][0]["role"] == "first_appearance"
    evidence = body["evidence"][0]
    assert evidence["role"] == "refutes" and evidence["quote"] == "Open all month."
    assert evidence["source"]["health"] == "unchecked" and evidence["source"]["latest_snapshot_at"] is None
    assert body["retraction"] is None
    assert body["claimreview_url"].endswith(f"/api/v1/claims/{world.published.id}/claimreview/")
    assert_no_secrets(response.content, world)


def test_detail_shows_the_latest_snapshot_date(client, world):
    from sources.models import Snapshot

    when = timezone.now() - datetime.timedelta(days=2)
    Snapshot.objects.create(
        source=world.shared_source, taken_at=when - datetime.timedelta(days=5), content_hash="a"
    )
    Snapshot.objects.create(source=world.shared_source, taken_at=when, content_hash="b")
    evidence = client.get(f"/api/v1/claims/{world.published.id}/").json()["evidence"][0]
    assert evidence["source"]["latest_snapshot_at"] == when.isoformat().replace("+00:00", "Z")


def test_detail_by_slug_and_retracted_detail_shows_the_retraction(client, world):
    body = client.get(f"/api/v1/claims/{world.retracted.slug}/").json()
    assert body["id"] == world.retracted.id
    assert body["retraction"]["reason"] == "We misread the operator's report."
    assert [v["headline"] for v in body["verdict_history"]] == ["Misleading count"]
    assert body["verdict"] is None  # the current verdict was never published
    assert_no_secrets(str(body), world)


@pytest.mark.parametrize("attr", ["draft", "review"])
@pytest.mark.parametrize("suffix", ["", "claimreview/"])
def test_unpublished_details_are_404_by_id_and_by_slug(client, world, attr, suffix):
    claim = getattr(world, attr)
    for key in (claim.id, claim.slug):
        response = client.get(f"/api/v1/claims/{key}/{suffix}")
        assert response.status_code == 404
        assert_no_secrets(response.content, world)


@pytest.mark.parametrize("path", ["99999999/", "99999999999999999999/", "no-such-slug/", "-1/"])
def test_unknown_details_are_404(client, world, path):
    assert client.get(f"/api/v1/claims/{path}").status_code == 404


def test_detail_etag_and_conditional_get(client, world):
    url = f"/api/v1/claims/{world.published.id}/"
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and "Accept" in first["Vary"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag

    world.shared_source.health = "broken"  # shown in the detail: the representation changed
    world.shared_source.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["evidence"][0]["source"]["health"] == "broken"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "path", ["/api/v1/claims/", "/api/v1/claims/{id}/", "/api/v1/claims/{id}/claimreview/"]
)
def test_writes_are_405(client, world, method, path):
    response = getattr(client, method)(
        path.format(id=world.published.id), data={}, content_type="application/json"
    )
    assert response.status_code == 405


def test_browsable_api_and_json_both_work(client, world):
    html = client.get("/api/v1/claims/", HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert b"Danube" in html.content
    assert_no_secrets(html.content, world)
    detail = client.get(f"/api/v1/claims/{world.published.id}/", HTTP_ACCEPT="text/html")
    assert detail.status_code == 200
    assert client.get("/api/v1/claims/?format=json")["Content-Type"] == "application/json"


def test_cors_is_open_for_reads(client, world):
    response = client.get("/api/v1/claims/", HTTP_ORIGIN="https://newsroom.example.com")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/claims/",
        HTTP_ORIGIN="https://newsroom.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 200
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
