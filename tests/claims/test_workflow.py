import pytest
from django.core.exceptions import PermissionDenied

from claims import workflow
from claims.models import CitationRole, Rating, Status
from tests.factories import CitationFactory, ClaimFactory

pytestmark = pytest.mark.django_db


def _ready_claim():
    claim = ClaimFactory(status=Status.REVIEW)
    CitationFactory(claim=claim, role=CitationRole.REFUTES)
    workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="False", reasoning="No.")
    return claim


def test_publishing_without_a_verdict_is_refused_with_a_reason(editor):
    claim = ClaimFactory(status=Status.REVIEW)
    CitationFactory(claim=claim)
    with pytest.raises(workflow.WorkflowError, match="it has no current verdict"):
        workflow.publish_claim(claim, user=editor)
    claim.refresh_from_db()
    assert claim.status == Status.REVIEW


def test_publishing_without_evidence_is_refused(editor):
    claim = ClaimFactory(status=Status.REVIEW)
    CitationFactory(claim=claim, role=CitationRole.APPEARANCE)  # where it appeared is not evidence
    workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="h", reasoning="r")
    with pytest.raises(workflow.WorkflowError, match="cites no evidence source"):
        workflow.publish_claim(claim, user=editor)


def test_publishing_without_permission_is_refused(fact_checker):
    claim = _ready_claim()
    with pytest.raises(PermissionDenied, match="do not have permission to publish"):
        workflow.publish_claim(claim, user=fact_checker)
    claim.refresh_from_db()
    assert claim.status == Status.REVIEW


def test_editor_publishes_and_the_current_verdict_gets_a_date(editor):
    claim = workflow.publish_claim(_ready_claim(), user=editor)
    assert claim.status == Status.PUBLISHED and claim.published_at is not None
    assert claim.verdicts.get(is_current=True).published_at is not None


def test_retraction_needs_permission_and_reason(editor, fact_checker):
    claim = workflow.publish_claim(_ready_claim(), user=editor)
    with pytest.raises(PermissionDenied):
        workflow.retract_claim(claim, user=fact_checker, reason="Wrong")
    with pytest.raises(workflow.WorkflowError, match="Say why"):
        workflow.retract_claim(claim, user=editor, reason="  ")
    claim = workflow.retract_claim(claim, user=editor, reason="The video was misattributed.")
    assert claim.status == Status.RETRACTED
    assert claim.retraction_reason == "The video was misattributed."


def test_only_drafts_go_to_review(editor):
    claim = ClaimFactory(status=Status.REVIEW)
    with pytest.raises(workflow.WorkflowError, match="Only drafts"):
        workflow.submit_for_review(claim, user=editor)


def test_a_verdict_on_a_published_claim_is_published_at_once_without_four_eyes(editor, settings):
    # Issue 9: only without four eyes may an editor's own verdict go live alone.
    settings.FACTCHECK_FOUR_EYES = False
    claim = workflow.publish_claim(_ready_claim(), user=editor)
    verdict = workflow.record_verdict(
        claim, user=editor, rating=Rating.MISLEADING, headline="h", reasoning="r"
    )
    assert verdict.published_at is not None


def test_history_records_who_changed_a_verdict(editor, fact_checker):
    claim = ClaimFactory()
    first = workflow.record_verdict(claim, user=fact_checker, rating=Rating.TRUE, headline="A", reasoning="a")
    workflow.record_verdict(claim, user=editor, rating=Rating.FALSE, headline="B", reasoning="b")
    records = first.history.order_by("history_date")
    assert [(r.history_type, r.history_user, r.is_current) for r in records] == [
        ("+", fact_checker, True),
        ("~", editor, False),
    ]
    assert records.last().history_change_reason == "Superseded"


def test_claim_history_keeps_each_transition_with_its_user(editor):
    claim = workflow.publish_claim(_ready_claim(), user=editor)
    latest = claim.history.first()
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        Status.PUBLISHED,
        editor,
        "Published",
    )
