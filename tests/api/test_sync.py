"""The change feed (`since` + `X-Sync-Token`) never misses a change that commits late.

Transaction ids are cluster-wide, so other databases' open transactions widen a run's overlap:
the tests assert what must be in a run (and what must never be), not that nothing else is.
"""

import datetime

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from claims import workflow
from claims.models import Claim
from sources.models import Health, Source
from tests.factories import published_claim

pytestmark = pytest.mark.django_db(transaction=True)


def run(client, token: int, **params) -> tuple[list[int], int]:
    """One sync run: every page from `since=token`; returns the claim ids and the next token."""
    response = client.get("/api/v1/claims/", {"since": token, **params})
    ids, tokens = [], set()
    while True:
        assert response.status_code == 200, response.content
        ids += [item["id"] for item in response.json()["results"]]
        tokens.add(int(response["X-Sync-Token"]))
        if not response.json()["next"]:
            break
        response = client.get(response.json()["next"])
    assert len(tokens) == 1  # every page of a run carries the token of its first page
    return ids, tokens.pop()


def second_connection() -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"],
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
    )


def test_a_transaction_with_the_earlier_timestamp_that_commits_last_is_not_missed(client):
    early, late = published_claim(statement="Early"), published_claim(statement="Late")
    ids, token = run(client, 0)
    assert {early.pk, late.pk} <= set(ids)

    admin_save = second_connection()  # an editor's slow transaction: saved first, committed last
    try:
        t1 = timezone.now()
        admin_save.execute(
            "UPDATE claims_claim SET statement = 'Early, corrected', updated_at = %s WHERE id = %s",
            [t1, early.pk],
        )
        later = t1 + datetime.timedelta(seconds=1)
        Claim.objects.filter(pk=late.pk).update(statement="Late, corrected", updated_at=later)

        ids, next_token = run(client, token)
        assert late.pk in ids
        # Not committed yet: the public still sees the old statement.
        assert client.get(f"/api/v1/claims/{early.pk}/").json()["statement"] == "Early"
        newest_seen = client.get(f"/api/v1/claims/{late.pk}/").json()["updated_at"]
        admin_save.commit()
    finally:
        admin_save.close()  # rolls back on failure, so the test database can be flushed

    ids, _ = run(client, next_token)
    assert early.pk in ids
    assert Claim.objects.get(pk=early.pk).change_xid >= next_token  # stamped by the late transaction
    assert client.get(f"/api/v1/claims/{early.pk}/").json()["statement"] == "Early, corrected"
    # The defect this feed fixes: resuming `updated_since` from the newest timestamp seen skips it.
    missed = client.get("/api/v1/claims/", {"updated_since": newest_seen}).json()["results"]
    assert early.pk not in [item["id"] for item in missed]


def test_changes_around_a_claim_reach_the_feed_and_drafts_never_do(client, editor):
    claim = published_claim()
    draft = Claim.objects.create(
        statement="Secret draft", claimant=claim.claimant, claimed_on=claim.claimed_on, slug="d"
    )
    other = published_claim()
    _, token = run(client, 0)

    source = Source.objects.get(citations__claim=claim)
    Source.objects.filter(pk=source.pk).update(health=Health.BROKEN)  # the monitor found it broken
    ids, token = run(client, token)
    assert claim.pk in ids and draft.pk not in ids
    stamped = Claim.objects.get(pk=claim.pk).change_xid

    Source.objects.filter(pk=source.pk).update(last_checked_at=timezone.now())  # not shown: not a change
    assert Claim.objects.get(pk=claim.pk).change_xid == stamped
    draft.statement = "Secret draft, edited"
    draft.save()
    assert draft.pk not in run(client, token)[0]

    workflow.retract_claim(other, user=editor, reason="Wrong.")
    ids, _ = run(client, token)
    assert other.pk in ids
    results = client.get("/api/v1/claims/", {"since": token}).json()["results"]
    assert {item["id"]: item["status"] for item in results}[other.pk] == "retracted"


def test_a_run_over_many_pages_keeps_its_first_token(client):
    claims = [published_claim() for _ in range(3)]
    ids, _ = run(client, 0, page_size=1)
    assert sorted(ids) == sorted(c.pk for c in claims)


@pytest.mark.parametrize(
    "params",
    [
        {"since": "-1"},
        {"since": "1.5"},
        {"since": "x"},
        {"since": str(2**63)},
        {"since": "0", "sync_token": "z"},
    ],
)
def test_bad_tokens_are_a_400_with_the_reason(client, params):
    response = client.get("/api/v1/claims/", params)
    assert response.status_code == 400
    assert set(response.json()) & {"since", "sync_token"}
