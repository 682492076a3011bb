"""The single-query PostgreSQL shapes and the portable (SQLite) shapes give identical output."""

import pytest
from django.core.management import call_command

from claims import selectors
from claims.api import serializers as shapes
from sources.models import Snapshot

pytestmark = pytest.mark.django_db

URLS = {"claims": "/c/", "claimants": "/p/", "sources": "/s/"}


def test_list_items_are_the_same_with_and_without_json_subqueries(world):
    queryset = selectors.with_current_verdict(selectors.published_claims()).order_by("-claimed_on", "-id")
    with_json = list(
        shapes.annotate_list_relations(queryset).values(
            *shapes.CLAIM_LIST_FIELDS, "topics_json", "sources_json"
        )
    )
    assert "topics_json" in with_json[0]  # the suite runs on PostgreSQL
    portable = list(queryset.values(*shapes.CLAIM_LIST_FIELDS))
    assert shapes.claim_list_items(with_json, base_url="/c/") == shapes.claim_list_items(
        portable, base_url="/c/"
    )


def test_details_are_the_same_with_and_without_json_subqueries(world):
    call_command("loaddemo", verbosity=0)
    Snapshot.objects.create(source=world.shared_source, content_hash="x")
    for claim in selectors.public_claims():
        (row,) = shapes.detail_rows(selectors.public_claims().filter(pk=claim.pk))
        portable = {k: row[k] for k in shapes.CLAIM_DETAIL_FIELDS}
        assert shapes.claim_detail(row, urls=URLS) == shapes.claim_detail(portable, urls=URLS)
