"""Throttling (Redis cache), constant query counts per list page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import CitationRole
from tests.api.conftest import publish_with_verdict
from tests.factories import CitationFactory, ClaimantFactory, ClaimFactory, SourceFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rate(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min"}}


def test_anonymous_clients_are_throttled_with_retry_after(client, world, low_rate, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")  # shared across workers
    for _ in range(3):
        assert client.get("/api/v1/claims/").status_code == 200
    throttled = client.get(f"/api/v1/claims/{world.published.id}/")
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert "throttled" in throttled.json()["detail"].lower()
    # Another address has its own budget.
    assert client.get("/api/v1/claims/", REMOTE_ADDR="127.0.0.9").status_code == 200


def test_throttle_counts_live_in_the_cache(client, world, low_rate):
    from django.core.cache import cache

    for _ in range(3):
        client.get("/api/v1/topics/")
    cache.clear()  # e.g. Redis flushed: the budget starts again
    assert client.get("/api/v1/topics/").status_code == 200


def _published_claims(count: int) -> int:
    """Publish `count` claims sharing a few claimants, topics and sources; return a topic id."""
    sources = [SourceFactory() for _ in range(3)]
    topics = [TopicFactory() for _ in range(2)]
    claimants = [ClaimantFactory() for _ in range(3)]
    for n in range(count):
        claim = ClaimFactory(
            claimant=claimants[n % 3], claimed_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=n)
        )
        claim.topics.set(topics)
        CitationFactory(claim=claim, source=sources[n % 3])
        CitationFactory(claim=claim, source=sources[(n + 1) % 3], role=CitationRole.APPEARANCE)
        publish_with_verdict(claim)
    return topics[0].id


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/claims/?page_size={n}",
        "/api/v1/claims/?page_size={n}&search=statement",
        "/api/v1/claims/?page_size={n}&status=published&topic={topic}&rating=false",
        "/api/v1/sources/?page_size={n}",
        "/api/v1/claimants/?page_size={n}",
        "/api/v1/topics/?page_size={n}",
    ],
)
def test_list_pages_run_a_constant_number_of_queries(client, db, path):
    topic = _published_claims(100)
    counts = {}
    for n in (1, 50, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path.format(n=n, topic=topic))
        assert response.status_code == 200
        counts[n] = len(queries)
    assert len(set(counts.values())) == 1, counts
    assert counts[1] <= 3, counts
    if path.startswith("/api/v1/claims/"):
        assert len(client.get(path.format(n=100, topic=topic)).json()["results"]) == 100
