"""The editorial workflow: the only place that changes a claim's status or its verdict.

draft -> review -> published -> retracted. Publishing needs a current verdict and at least one
evidence source; publishing and retracting need the `claims.publish_claim` permission.
Every function runs in a transaction with the claim row locked, so two editors acting at once
cannot both publish, or leave two current verdicts behind.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from claims.models import EVIDENCE_ROLES, Claim, Rating, Status, Verdict

PUBLISH_PERMISSION = "claims.publish_claim"


class WorkflowError(ValidationError):
    """A transition the rules do not allow; the message says why, for the editor."""


def _require_publisher(user: AbstractBaseUser | None, action: str) -> None:
    # user=None is the system itself (loaddemo, imports), never a request.
    if user is not None and not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(f"You do not have permission to {action} claims.")


def _locked(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().get(pk=claim.pk)


def _save(claim: Claim, user: AbstractBaseUser | None, reason: str, fields: list[str]) -> None:
    claim._history_user = user  # simple_history records who, even outside a request
    claim._change_reason = reason
    claim.save(update_fields=[*fields, "updated_at"])


def submit_for_review(claim: Claim, *, user: AbstractBaseUser | None) -> Claim:
    with transaction.atomic():
        locked = _locked(claim)
        if locked.status != Status.DRAFT:
            raise WorkflowError(
                f"Only drafts can be submitted for review; this claim is {locked.get_status_display().lower()}."
            )
        locked.status = Status.REVIEW
        _save(locked, user, "Submitted for review", ["status"])
    return locked


def publication_problems(claim: Claim) -> list[str]:
    """Why this claim cannot be published yet; empty when it can."""
    problems = []
    verdict = claim.verdicts.filter(is_current=True).first()
    if verdict is None:
        problems.append("it has no current verdict")
    if not claim.citations.filter(role__in=EVIDENCE_ROLES).exists():
        problems.append("its verdict cites no evidence source")
    return problems


def publish_claim(claim: Claim, *, user: AbstractBaseUser | None) -> Claim:
    _require_publisher(user, "publish")
    with transaction.atomic():
        locked = _locked(claim)
        if locked.status == Status.PUBLISHED:
            raise WorkflowError("This claim is already published.")
        problems = publication_problems(locked)
        if problems:
            raise WorkflowError(f"Cannot publish “{locked}”: {' and '.join(problems)}.")
        now = timezone.now()
        locked.status = Status.PUBLISHED
        locked.published_at = locked.published_at or now
        locked.retracted_at = None
        locked.retraction_reason = ""
        _save(locked, user, "Published", ["status", "published_at", "retracted_at", "retraction_reason"])
        Verdict.objects.filter(claim=locked, is_current=True, published_at__isnull=True).update(
            published_at=now
        )
    return locked


def retract_claim(claim: Claim, *, user: AbstractBaseUser | None, reason: str) -> Claim:
    """Withdraw a published claim. It stays public with the retraction shown, never deleted."""
    _require_publisher(user, "retract")
    if not reason.strip():
        raise WorkflowError("Say why the claim is retracted; readers will see the reason.")
    with transaction.atomic():
        locked = _locked(claim)
        if locked.status != Status.PUBLISHED:
            raise WorkflowError("Only published claims can be retracted.")
        locked.status = Status.RETRACTED
        locked.retracted_at = timezone.now()
        locked.retraction_reason = reason.strip()
        _save(locked, user, "Retracted", ["status", "retracted_at", "retraction_reason"])
    return locked


def record_verdict(
    claim: Claim,
    *,
    user: AbstractBaseUser | None,
    rating: Rating | str,
    headline: str,
    reasoning: str,
    author_name: str = "",
    original_rating: str = "",
    verdict: Verdict | None = None,
) -> Verdict:
    """Make a new verdict current, superseding (and keeping) the one before it.

    On a published claim the new verdict is published at once: readers always see the
    current judgement. `verdict` lets the admin pass the unsaved instance its form built.
    """
    with transaction.atomic():
        locked = _locked(claim)
        now = timezone.now()
        for previous in Verdict.objects.select_for_update().filter(claim=locked, is_current=True):
            previous.is_current = False
            previous.superseded_at = now
            previous._history_user = user
            previous._change_reason = "Superseded"
            previous.save(update_fields=["is_current", "superseded_at"])
        verdict = verdict or Verdict()
        verdict.claim = locked
        verdict.rating = rating
        verdict.headline = headline
        verdict.reasoning = reasoning
        verdict.original_rating = original_rating or verdict.original_rating
        verdict.author = user if user is not None else verdict.author
        verdict.author_name = author_name or verdict.author_name or _display_name(user)
        verdict.is_current = True
        verdict.superseded_at = None
        verdict.published_at = now if locked.status == Status.PUBLISHED else None
        verdict.full_clean(exclude=["claim", "author"])
        verdict._history_user = user
        verdict.save()
        _save(locked, user, "New verdict", [])  # bumps updated_at for incremental sync
    return verdict


def _display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
