import pytest
from django.db import IntegrityError, transaction

from claims import workflow
from claims.models import Claim, Rating, Status, Verdict
from tests.factories import ClaimFactory, VerdictFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_a_second_current_verdict():
    claim = ClaimFactory()
    VerdictFactory(claim=claim)
    with pytest.raises(IntegrityError, match="one_current_verdict_per_claim"), transaction.atomic():
        Verdict.objects.create(claim=claim, rating=Rating.TRUE, headline="h", reasoning="r")


def test_other_claims_and_superseded_verdicts_do_not_collide():
    claim, other = ClaimFactory(), ClaimFactory()
    VerdictFactory(claim=claim)
    VerdictFactory(claim=other)
    workflow.record_verdict(claim, user=None, rating=Rating.MIXED, headline="New", reasoning="Better.")
    assert claim.verdicts.count() == 2
    assert claim.verdicts.filter(is_current=True).count() == 1


def test_new_verdict_supersedes_and_keeps_the_old_one():
    claim = ClaimFactory()
    first = workflow.record_verdict(claim, user=None, rating=Rating.TRUE, headline="A", reasoning="a")
    second = workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="B", reasoning="b")
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert first.superseded_at is not None
    assert first.rating == Rating.TRUE and first.headline == "A"  # kept as it was


def test_database_refuses_published_claim_without_publication_date():
    claim = ClaimFactory()
    with pytest.raises(IntegrityError, match="claim_published_has_published_at"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(status=Status.PUBLISHED)


def test_database_refuses_retraction_without_reason():
    claim = ClaimFactory()
    with pytest.raises(IntegrityError, match="claim_retracted_has_reason"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(status=Status.RETRACTED)


def test_rating_scale_orders_true_above_false_and_labels_are_readable():
    assert Rating.TRUE.score > Rating.MOSTLY_TRUE.score > Rating.MIXED.score > Rating.FALSE.score
    assert Rating.MOSTLY_FALSE.label == "Mostly false"
    assert Rating.UNPROVEN.score == 0
