"""Page cache, conditional GET and a constant number of queries per page."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims import workflow
from claims.models import CitationRole, ExternalReview, Rating
from sources.models import Health, Source
from tests.factories import CitationFactory, ClaimFactory, TopicFactory
from tests.front.conftest import World, publish_with_verdict

pytestmark = pytest.mark.django_db

PAGES = (
    "/en/",
    "/uk/claims/{claim}/",
    "/ru/claimants/alice-public/",
    "/en/topics/bridges/",
    "/en/search/?search=bridge",
    "/en/feed/",
    "/sitemap-claims.xml",
    "/sitemap.xml",
    "/robots.txt",
)


def paths(world: World) -> list[str]:
    return [p.format(claim=world.published.pk) for p in PAGES]


def test_every_page_has_etag_and_last_modified_and_answers_304(client: Client, world: World):
    for path in paths(world):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["ETag"] and response["Last-Modified"], path
        assert "must-revalidate" in response["Cache-Control"]
        assert client.get(path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304, path
        assert client.get(path, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304, path
        assert client.get(path, HTTP_IF_NONE_MATCH='"stale"').status_code == 200, path


def test_cached_claim_page_costs_one_query(client: Client, world: World, django_assert_num_queries):
    path = f"/en/claims/{world.published.pk}/"
    first = client.get(path)
    with django_assert_num_queries(1):  # the version check; the page comes from the cache
        second = client.get(path)
    assert second.content == first.content


def test_retraction_replaces_the_cached_page_and_the_lists(client: Client, world: World):
    claim = world.published
    path = f"/en/claims/{claim.pk}/"
    before = client.get(path)
    home = client.get("/en/").content.decode()
    assert "Danube" in home
    workflow.retract_claim(claim, user=None, reason="Our traffic data was wrong.")
    after = client.get(path)
    assert "This fact-check was retracted" in after.content.decode()
    assert after["ETag"] != before["ETag"]
    assert client.get(path, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200
    assert "Danube" not in client.get("/en/").content.decode()
    feed = client.get("/en/feed/").content.decode()
    assert "Retracted: The Danube bridge" in feed


def test_a_new_verdict_and_a_source_check_replace_the_cached_page(client: Client, world: World):
    claim = world.published
    path = f"/ru/claims/{claim.pk}/"
    client.get(path)
    workflow.record_verdict(
        claim, user=None, rating=Rating.TRUE, headline="Revised: it closed", reasoning="New records."
    )
    html = client.get(path).content.decode()
    assert "Revised: it closed" in html and ">Правда<" in html
    # The monitor updates the source row (and its updated_at) on every check.
    source = Source.objects.get(pk=world.shared_source.pk)
    source.health, source.updated_at = Health.BROKEN, timezone.now()
    Source.objects.filter(pk=source.pk).update(health=source.health, updated_at=source.updated_at)
    assert "больше не доступно" in client.get(path).content.decode()


def test_a_claim_going_public_shows_up_on_cached_lists(client: Client, world: World):
    assert "Fresh claim" not in client.get("/en/").content.decode()
    claim = ClaimFactory(statement="Fresh claim about ferries.", claimant=world.claimant)
    CitationFactory(claim=claim, role=CitationRole.SUPPORTS)
    publish_with_verdict(claim)
    assert "Fresh claim" in client.get("/en/").content.decode()
    assert client.get(f"/en/claims/{claim.pk}/").status_code == 200


def test_unlinking_another_publishers_review_replaces_the_cached_page(client: Client, world: World):
    path = f"/en/claims/{world.published.pk}/"
    review = ExternalReview.objects.create(
        identity="a", url="https://other.example.net/a", headline="Outside view", claim=world.published
    )
    assert "Outside view" in client.get(path).content.decode()
    ExternalReview.objects.filter(pk=review.pk).update(claim=None)  # as an editor's unlink would
    assert "Outside view" not in client.get(path).content.decode()


def test_random_query_strings_do_not_fill_the_cache(client: Client, world: World):
    from django.core.cache import cache

    path = f"/en/claims/{world.published.pk}/"
    first = client.get(path)
    keys_before = len(cache._cache.get_client().keys("*"))
    for n in range(20):
        response = client.get(f"{path}?utm_source={n}")
        assert response.content == first.content
    assert len(cache._cache.get_client().keys("*")) == keys_before
    assert client.get("/sitemap-claims.xml?p=2").status_code == 404  # one page only here
    assert client.get("/sitemap-claims.xml?p=1").content == client.get("/sitemap-claims.xml").content


def _count(client: Client, path: str) -> int:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_uncached_pages_cost_the_same_queries_for_small_and_large_claims(client: Client, world: World):
    claim = world.published
    small = {p: _count(client, p.format(claim=claim.pk)) for p in PAGES}
    for n in range(8):
        CitationFactory(claim=claim, role=CitationRole.CONTEXT, quote=f"quote {n}")
        claim.topics.add(TopicFactory())
        workflow.record_verdict(claim, user=None, rating=Rating.MIXED, headline=f"Take {n}", reasoning="r")
        ExternalReview.objects.create(identity=f"x{n}", url=f"https://other.example.net/{n}", claim=claim)
        other = ClaimFactory(claimant=world.claimant, statement=f"More words about bridge {n}.")
        other.topics.add(world.topic)
        CitationFactory(claim=other, role=CitationRole.REFUTES)
        publish_with_verdict(other)
    large = {p: _count(client, p.format(claim=claim.pk)) for p in PAGES}
    assert large == small
    # version, claim, verdicts, topics, citations, other publishers' reviews
    assert small["/uk/claims/{claim}/"] == 6
    assert small["/en/"] == 2  # version, list
