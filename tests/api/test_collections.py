"""/api/v1/ root, claimants, topics, sources, schema and docs: public records only."""

import pytest

from claims import workflow
from sources.models import Health
from tests.api.conftest import assert_no_secrets

pytestmark = pytest.mark.django_db


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_root_lists_every_collection_and_the_docs(client, world):
    body = client.get("/api/v1/").json()
    assert set(body) == {"claims", "claimants", "sources", "topics", "reviews", "schema", "docs"}
    for url in body.values():
        assert client.get(url.replace("http://localhost", "")).status_code == 200


def test_claimants_are_those_with_public_claims_and_counts_are_published_only(client, world):
    items = results(client.get("/api/v1/claimants/"))
    assert [(c["slug"], c["claim_count"]) for c in items] == [("alice-public", 2), ("bohdan-publicenko", 1)]
    assert_no_secrets(str(items), world)
    detail = client.get(f"/api/v1/claimants/{world.claimant.slug}/").json()
    assert detail["name"] == "Alice Public" and detail["api_url"].endswith(f"/claimants/{world.claimant.id}/")
    assert client.get(f"/api/v1/claimants/{world.secret_claimant.id}/").status_code == 404
    assert client.get(f"/api/v1/claimants/{world.secret_claimant.slug}/").status_code == 404


def test_a_claimant_with_only_a_retracted_claim_stays_reachable_with_zero_published(client, world):
    workflow.retract_claim(world.ukrainian, user=None, reason="Wrong bridge.")
    items = {c["slug"]: c["claim_count"] for c in results(client.get("/api/v1/claimants/"))}
    assert items["bohdan-publicenko"] == 0


def test_topics_are_those_with_public_claims(client, world):
    items = results(client.get("/api/v1/topics/"))
    assert [(t["slug"], t["claim_count"]) for t in items] == [
        ("bridges", 1)
    ]  # the review claim is not counted
    assert client.get("/api/v1/topics/bridges/").json()["claim_count"] == 1
    assert client.get(f"/api/v1/topics/{world.secret_topic.slug}/").status_code == 404


def test_sources_are_only_those_cited_by_public_claims(client, world):
    items = results(client.get("/api/v1/sources/?page_size=100"))
    urls = {s["url"] for s in items}
    assert "https://news.example.org/shared-evidence" in urls
    assert "https://tv.example.org/interview" in urls
    assert len(items) == 4  # shared, interview, and one evidence source each for ukrainian and retracted
    assert_no_secrets(str(items), world)
    assert client.get(f"/api/v1/sources/{world.secret_source.id}/").status_code == 404
    shared = client.get(f"/api/v1/sources/{world.shared_source.id}/").json()
    assert shared["health"] == "unchecked" and shared["latest_snapshot_at"] is None


def test_sources_filter_by_health(client, world):
    world.shared_source.health = Health.BROKEN
    world.shared_source.save()
    world.secret_source.health = Health.BROKEN
    world.secret_source.save()
    items = results(client.get("/api/v1/sources/?health=broken"))
    assert [s["id"] for s in items] == [world.shared_source.id]
    assert client.get("/api/v1/sources/?health=dead").status_code == 400


@pytest.mark.parametrize("collection", ["claimants", "topics", "sources"])
def test_collections_paginate_and_refuse_bad_parameters(client, world, collection):
    from tests.factories import TopicFactory

    world.ukrainian.topics.add(TopicFactory())
    first = client.get(f"/api/v1/{collection}/?page_size=1").json()
    assert len(first["results"]) == 1 and first["next"]
    second = client.get(first["next"].replace("http://localhost", "")).json()
    assert second["results"][0]["id"] != first["results"][0]["id"]
    assert client.get(f"/api/v1/{collection}/?page_size=1000").status_code == 400
    assert client.get(f"/api/v1/{collection}/?cursor=%%%").status_code == 400
    assert client.post(f"/api/v1/{collection}/").status_code == 405


def test_schema_documents_every_endpoint_without_unpublished_examples(client, world, django_db_setup):
    from django.core.management import call_command

    call_command("loaddemo", verbosity=0)
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/claims/",
        "/api/v1/claims/{lookup}/",
        "/api/v1/claims/{lookup}/claimreview/",
        "/api/v1/claimants/",
        "/api/v1/sources/",
        "/api/v1/topics/",
    } <= set(schema["paths"])
    claims_list = schema["paths"]["/api/v1/claims/"]["get"]
    params = {p["name"] for p in claims_list["parameters"]}
    assert {
        "claimant",
        "topic",
        "rating",
        "language",
        "status",
        "claimed_after",
        "claimed_before",
        "updated_since",
        "search",
        "ordering",
        "cursor",
        "page_size",
    } <= params
    assert claims_list["description"] and "examples" in str(claims_list["responses"]["200"])
    # No demo claim that is not published may appear in the examples.
    from claims.models import Claim, Status

    text = response.content.decode()
    for claim in Claim.objects.exclude(status=Status.PUBLISHED):
        assert claim.statement[:40] not in text and claim.slug not in text
    assert "medinsky-bucha-killings-staged" in text  # the examples come from a published claim


def test_docs_page_renders_with_self_hosted_assets(client, world):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200 and b"swagger" in response.content.lower()
    # No CDN: these machines (and strict deployments) cannot load third-party scripts.
    assert b"cdn.jsdelivr" not in response.content
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in response.content
