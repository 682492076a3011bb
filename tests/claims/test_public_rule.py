"""One definition of "public" (claims/selectors.py); everything that restates it in SQL agrees."""

import pytest
from django.db import connection

from claims import selectors, workflow
from claims.api import serializers
from claims.models import Claim, Rating, Status
from tests.factories import ClaimFactory, published_claim

pytestmark = pytest.mark.django_db


def test_the_search_trigger_in_the_database_uses_the_rule():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('claims_claim_search_vector'::regproc)")
        definition = cursor.fetchone()[0]
    assert selectors.current_public_verdict_sql("v") in definition


def test_the_api_sql_uses_the_rule():
    assert selectors.public_verdict_sql("v") in serializers.VERDICTS_JSON_SQL


def test_sql_orm_and_model_agree_on_which_claims_are_public():
    claims = {status: ClaimFactory(status=status) for status in (Status.DRAFT, Status.REVIEW)}
    claims[Status.PUBLISHED] = published_claim()
    claims[Status.RETRACTED] = workflow.retract_claim(published_claim(), user=None, reason="Wrong.")
    orm = set(selectors.public_claims().values_list("pk", flat=True))
    where = [selectors.public_claim_sql("claims_claim")]
    sql = set(Claim.objects.extra(where=where).values_list("pk", flat=True))  # noqa: S610 - constant SQL
    model = {claim.pk for claim in Claim.objects.all() if claim.is_public}
    assert orm == sql == model == {claims[Status.PUBLISHED].pk, claims[Status.RETRACTED].pk}


def test_an_unpublished_verdict_is_in_no_public_view():
    claim = published_claim()
    workflow.retract_claim(claim, user=None, reason="Wrong.")
    workflow.record_verdict(claim, user=None, rating=Rating.TRUE, headline="Zanzibarish", reasoning="r")
    assert not selectors.with_current_verdict(selectors.public_claims()).filter(
        pk=claim.pk, current_verdict__rating=Rating.TRUE
    )
    assert not Claim.objects.filter(pk=claim.pk, search_vector="zanzibarish").exists()
