"""The editorial workflow: the only place that changes what the public sees of a claim.

States: draft -> review -> published -> retracted, and retracted -> published only through
`correct_claim`, which keeps the retraction on the public record next to a correction notice.
Permissions are checked here, not only in the admin: submitting and proposing need
`claims.change_claim`, a verdict `claims.add_verdict`; publishing, retracting, correcting and
approving need `claims.publish_claim`. `user=None` is the system itself (loaddemo, imports,
migrations), never a request.

A user who may not publish can still work on a public claim: `propose_change` stores the change
as a `ChangeProposal`, and the public keeps the approved rows until an editor approves it. With
`FACTCHECK_FOUR_EYES` (the default) an editor can neither publish nor approve a verdict they
wrote alone; their own new verdict on a public claim becomes a proposal for another editor.

Every function runs in a transaction with the claim row locked, so two editors acting at once
cannot both publish, or leave two current verdicts behind.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from claims.models import (
    EVIDENCE_ROLES,
    ChangeProposal,
    Citation,
    Claim,
    ProposalStatus,
    Rating,
    Status,
    Verdict,
)

PUBLISH_PERMISSION = "claims.publish_claim"
EDIT_PERMISSION = "claims.change_claim"
VERDICT_PERMISSION = "claims.add_verdict"

# Claim fields a proposal may change (the editorial ones; the workflow owns the rest).
PROPOSABLE_FIELDS = ("statement", "claimant", "claimed_on", "context", "language", "slug")
VERDICT_FIELDS = ("rating", "headline", "reasoning", "author_name", "original_rating")


class WorkflowError(ValidationError):
    """A transition the rules do not allow; the message says why, for the editor."""


class ApprovalRequired(PermissionDenied):
    """The change is allowed only as a proposal that an editor approves (see propose_change)."""


def _require(user: AbstractBaseUser | None, permission: str, action: str) -> None:
    if user is not None and not (user.is_active and user.has_perm(permission)):
        raise PermissionDenied(f"You do not have permission to {action}.")


def can_publish(user: AbstractBaseUser | None) -> bool:
    return user is None or (user.is_active and user.has_perm(PUBLISH_PERMISSION))


def four_eyes() -> bool:
    return bool(getattr(settings, "FACTCHECK_FOUR_EYES", True))


def edits_need_approval(claim: Claim, user: AbstractBaseUser | None) -> bool:
    """True when `user`'s edits of this claim must wait for an editor (a public claim, no publisher)."""
    return claim.is_public and not can_publish(user)


def verdict_needs_approval(claim: Claim, user: AbstractBaseUser | None) -> bool:
    """True when a new verdict by `user` on this claim must wait for (another) editor."""
    # On a retracted claim a new verdict stays unpublished until an editor corrects the claim.
    if claim.status != Status.PUBLISHED or user is None:
        return False
    return not can_publish(user) or four_eyes()


def allowed_transitions(claim: Claim, user: AbstractBaseUser | None) -> list[str]:
    """The transitions `user` may attempt on `claim` now: what the claim page offers as buttons."""
    allowed = []
    if claim.status == Status.DRAFT and _has(user, EDIT_PERMISSION):
        allowed.append("submit")
    if can_publish(user):
        if claim.status == Status.REVIEW:
            allowed.append("publish")
        if claim.status == Status.PUBLISHED:
            allowed.append("retract")
        if claim.status == Status.RETRACTED:
            allowed.append("correct")
    return allowed


def _has(user: AbstractBaseUser | None, permission: str) -> bool:
    return user is None or (user.is_active and user.has_perm(permission))


def _locked(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().get(pk=claim.pk)


def _save(claim: Claim, user: AbstractBaseUser | None, reason: str, fields: list[str]) -> None:
    claim._history_user = user  # simple_history records who, even outside a request
    claim._change_reason = reason
    claim.save(update_fields=[*fields, "updated_at"])


def submit_for_review(claim: Claim, *, user: AbstractBaseUser | None) -> Claim:
    _require(user, EDIT_PERMISSION, "submit claims for review")
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


def _check_four_eyes(author_id: int | None, user: AbstractBaseUser | None, action: str) -> None:
    if four_eyes() and user is not None and author_id is not None and author_id == user.pk:
        raise WorkflowError(
            f"You wrote this verdict; another editor must {action} it (four eyes: FACTCHECK_FOUR_EYES)."
        )


def _publishable(locked: Claim, user: AbstractBaseUser | None, verb: str) -> None:
    problems = publication_problems(locked)
    if problems:
        raise WorkflowError(f"Cannot {verb} “{locked}”: {' and '.join(problems)}.")
    current = locked.verdicts.filter(is_current=True).values_list("author_id", flat=True).first()
    _check_four_eyes(current, user, "publish")


def _publish_current_verdict(locked: Claim, now: Any) -> None:
    Verdict.objects.filter(claim=locked, is_current=True, published_at__isnull=True).update(published_at=now)


def publish_claim(claim: Claim, *, user: AbstractBaseUser | None) -> Claim:
    """review -> published. A draft is submitted first; a retracted claim is corrected instead."""
    _require(user, PUBLISH_PERMISSION, "publish claims")
    with transaction.atomic():
        locked = _locked(claim)
        if locked.status == Status.PUBLISHED:
            raise WorkflowError("This claim is already published.")
        if locked.status == Status.DRAFT:
            raise WorkflowError(f"“{locked}” is a draft: submit it for review before publishing.")
        if locked.status == Status.RETRACTED:
            raise WorkflowError(
                f"“{locked}” was retracted: correct and republish it, so the retraction stays on record."
            )
        _publishable(locked, user, "publish")
        now = timezone.now()
        locked.status = Status.PUBLISHED
        locked.published_at = locked.published_at or now
        _save(locked, user, "Published", ["status", "published_at"])
        _publish_current_verdict(locked, now)
    return locked


def retract_claim(claim: Claim, *, user: AbstractBaseUser | None, reason: str) -> Claim:
    """Withdraw a published claim. It stays public with the retraction shown, never deleted."""
    _require(user, PUBLISH_PERMISSION, "retract claims")
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


def correct_claim(claim: Claim, *, user: AbstractBaseUser | None, note: str) -> Claim:
    """retracted -> published with a correction notice; the retraction stays on the public record."""
    _require(user, PUBLISH_PERMISSION, "correct and republish claims")
    if not note.strip():
        raise WorkflowError("Say what was corrected; readers will see it next to the retraction.")
    with transaction.atomic():
        locked = _locked(claim)
        if locked.status != Status.RETRACTED:
            raise WorkflowError("Only retracted claims can be corrected and republished.")
        _publishable(locked, user, "republish")
        now = timezone.now()
        locked.status = Status.PUBLISHED
        locked.corrected_at = now
        locked.correction_note = note.strip()
        _save(locked, user, "Corrected and republished", ["status", "corrected_at", "correction_note"])
        _publish_current_verdict(locked, now)
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

    On a published claim the new verdict is published at once, so only users whose verdict
    needs nobody else's approval may call this there; others get `ApprovalRequired` and
    propose it (`propose_change`). `verdict` lets the admin pass the instance its form built.
    """
    _require(user, VERDICT_PERMISSION, "add verdicts")
    with transaction.atomic():
        locked = _locked(claim)
        if verdict_needs_approval(locked, user):
            raise ApprovalRequired("This claim is public: a new verdict waits for an editor's approval.")
        return _make_current(
            locked,
            user=user,
            author=user,
            fields={
                "rating": rating,
                "headline": headline,
                "reasoning": reasoning,
                "author_name": author_name,
                "original_rating": original_rating,
            },
            verdict=verdict,
        )


def _make_current(
    locked: Claim,
    *,
    user: AbstractBaseUser | None,
    author: AbstractBaseUser | None,
    fields: dict[str, str],
    verdict: Verdict | None = None,
) -> Verdict:
    now = timezone.now()
    for previous in Verdict.objects.select_for_update().filter(claim=locked, is_current=True):
        previous.is_current = False
        previous.superseded_at = now
        previous._history_user = user
        previous._change_reason = "Superseded"
        previous.save(update_fields=["is_current", "superseded_at"])
    verdict = verdict or Verdict()
    verdict.claim = locked
    verdict.rating = fields["rating"]
    verdict.headline = fields["headline"]
    verdict.reasoning = fields["reasoning"]
    verdict.original_rating = fields.get("original_rating") or verdict.original_rating
    verdict.author = author if author is not None else verdict.author
    verdict.author_name = fields.get("author_name") or verdict.author_name or _display_name(author)
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


# --- Proposals: changes to public claims that wait for an editor ---------------------------


def field_value(claim: Claim, name: str) -> str | None:
    """A claim field as proposals store it: the form's string (a foreign key's id)."""
    field = Claim._meta.get_field(name)
    value = getattr(claim, field.attname)
    return None if value is None else field.value_to_string(claim)


def propose_change(
    claim: Claim,
    *,
    user: AbstractBaseUser | None,
    fields: dict[str, Any] | None = None,
    topics: list[int] | None = None,
    verdict: dict[str, str] | None = None,
    add_citations: list[dict[str, Any]] | None = None,
    change_citations: list[dict[str, Any]] | None = None,
    delete_citations: list[int] | None = None,
) -> ChangeProposal | None:
    """Store a change to a claim for an editor to approve; None when it changes nothing.

    `fields` are new values of PROPOSABLE_FIELDS (a claimant by id); `topics` the full new set
    of topic ids; `verdict` a new verdict's VERDICT_FIELDS; citations as dicts of source id,
    role and quote (with `id` when changed). The values are validated now, so an editor never
    approves something that cannot be saved.
    """
    _require(user, EDIT_PERMISSION, "change claims")
    if verdict is not None:
        _require(user, VERDICT_PERMISSION, "add verdicts")
    with transaction.atomic():
        locked = _locked(claim)
        changes: dict[str, Any] = {}
        claim_changes = {}
        candidate = Claim.objects.get(pk=locked.pk)
        for name, value in (fields or {}).items():
            if name not in PROPOSABLE_FIELDS:
                raise WorkflowError(f"“{name}” cannot be changed by a proposal.")
            field = Claim._meta.get_field(name)
            setattr(candidate, field.attname, field.to_python(value if value != "" else field.get_default()))
            new = field_value(candidate, name)
            old = field_value(locked, name)
            if new != old:
                claim_changes[name] = {"old": old, "new": new}
        if claim_changes:
            candidate.full_clean(exclude=["topics"], validate_unique=True, validate_constraints=False)
            changes["claim"] = claim_changes
        if topics is not None:
            old_topics = sorted(locked.topics.values_list("pk", flat=True))
            if sorted(topics) != old_topics:
                changes["topics"] = {"old": old_topics, "new": sorted(topics)}
        if verdict is not None:
            Verdict(claim=locked, **{f: verdict.get(f, "") for f in VERDICT_FIELDS}).full_clean(
                exclude=["claim", "author"]
            )
            changes["verdict"] = {f: verdict.get(f, "") for f in VERDICT_FIELDS}
        citations = {
            "add": [_citation(c) for c in add_citations or []],
            "change": [_citation(c) | {"id": int(c["id"])} for c in change_citations or []],
            "delete": [int(pk) for pk in delete_citations or []],
        }
        if any(citations.values()):
            changes["citations"] = citations
        if not changes:
            return None
        proposal = ChangeProposal(claim=locked, changes=changes, proposed_by=user)
        proposal._history_user = user
        proposal.save()
    return proposal


def _citation(data: dict[str, Any]) -> dict[str, Any]:
    citation = Citation(source_id=int(data["source"]), role=data["role"], quote=data.get("quote", ""))
    citation.full_clean(exclude=["claim"], validate_unique=False, validate_constraints=False)
    return {"source": citation.source_id, "role": citation.role, "quote": citation.quote}


def _pending(proposal: ChangeProposal) -> ChangeProposal:
    locked = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != ProposalStatus.PENDING:
        raise WorkflowError(f"This change was already {locked.get_status_display().lower()}.")
    return locked


def approve_proposal(proposal: ChangeProposal, *, user: AbstractBaseUser | None) -> ChangeProposal:
    """Apply a pending change; on a public claim it goes live now, with the proposer as author.

    Refused when a field it changes was changed by someone else since it was proposed (the
    editor would otherwise overwrite that change unseen), or when four eyes forbid it.
    """
    _require(user, PUBLISH_PERMISSION, "approve changes")
    with transaction.atomic():
        claim = _locked(proposal.claim)
        proposal = _pending(proposal)
        changes = proposal.changes
        if "verdict" in changes:
            _check_four_eyes(proposal.proposed_by_id, user, "approve")
        stale = [n for n, v in changes.get("claim", {}).items() if field_value(claim, n) != v["old"]]
        if (
            "topics" in changes
            and sorted(claim.topics.values_list("pk", flat=True)) != changes["topics"]["old"]
        ):
            stale.append("topics")
        if stale:
            raise WorkflowError(
                f"Someone changed {', '.join(stale)} since this was proposed; reject it and propose again."
            )
        _apply(claim, changes, user=user, author=proposal.proposed_by)
        proposal.status = ProposalStatus.APPROVED
        proposal.decided_by = user
        proposal.decided_at = timezone.now()
        proposal._history_user = user
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal


def _apply(
    claim: Claim,
    changes: dict[str, Any],
    *,
    user: AbstractBaseUser | None,
    author: AbstractBaseUser | None,
) -> None:
    names = list(changes.get("claim", {}))
    for name in names:
        field = Claim._meta.get_field(name)
        setattr(claim, field.attname, field.to_python(changes["claim"][name]["new"]))
    if names:
        claim.full_clean(exclude=["topics"], validate_constraints=False)
    _save(claim, user, "Approved change", [Claim._meta.get_field(n).attname for n in names])
    if "topics" in changes:
        claim.topics.set(changes["topics"]["new"])
    citations = changes.get("citations", {})
    Citation.objects.filter(claim=claim, pk__in=citations.get("delete", [])).delete()
    for data in citations.get("change", []):
        cited = Citation.objects.filter(claim=claim, pk=data["id"]).first()
        if cited is None:
            raise WorkflowError(
                "A citation this change edits was removed meanwhile; reject it and propose again."
            )
        cited.source_id, cited.role, cited.quote = data["source"], data["role"], data["quote"]
        cited._history_user = user
        cited.full_clean(exclude=["claim", "source"])
        cited.save()
    for data in citations.get("add", []):
        cited = Citation(claim=claim, source_id=data["source"], role=data["role"], quote=data["quote"])
        cited._history_user = user
        cited.full_clean(exclude=["claim", "source"])
        cited.save()
    if "verdict" in changes:
        _make_current(claim, user=user, author=author, fields=changes["verdict"])


def reject_proposal(
    proposal: ChangeProposal, *, user: AbstractBaseUser | None, note: str = ""
) -> ChangeProposal:
    _require(user, PUBLISH_PERMISSION, "reject changes")
    with transaction.atomic():
        proposal = _pending(proposal)
        proposal.status = ProposalStatus.REJECTED
        proposal.decided_by = user
        proposal.decided_at = timezone.now()
        proposal.decision_note = note.strip()
        proposal._history_user = user
        proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return proposal


def pending_proposals() -> models.QuerySet[ChangeProposal]:
    """The editors' queue: pending changes to claims, oldest first."""
    return ChangeProposal.objects.filter(status=ProposalStatus.PENDING).select_related(
        "claim__claimant", "proposed_by"
    )
