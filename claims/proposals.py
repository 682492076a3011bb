"""Pending changes to public claims: built from the claim page's forms, shown to editors as a diff.

The admin calls `propose_from_forms` instead of saving when the workflow says a user's edit of a
public claim needs approval (claims/workflow.py); `diff_rows` is what the editors' queue shows.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.forms import BaseFormSet, ModelForm

from claims import workflow
from claims.models import ChangeProposal, Citation, CitationRole, Claim, Rating, Topic, Verdict
from sources.models import Source


def verdict_fields(verdict: Verdict) -> dict[str, str]:
    return {name: getattr(verdict, name) for name in workflow.VERDICT_FIELDS}


def _raw(value: Any) -> Any:
    """A cleaned form value as `propose_change` takes it (a related object by its id)."""
    if hasattr(value, "pk"):
        return value.pk
    return value.isoformat() if hasattr(value, "isoformat") else value


def propose_from_forms(
    form: ModelForm, formsets: list[BaseFormSet], *, user: AbstractBaseUser | None
) -> ChangeProposal | None:
    """One proposal holding everything the claim page's form and inlines would have changed."""
    claim = form.instance
    fields = {n: _raw(form.cleaned_data[n]) for n in form.changed_data if n in workflow.PROPOSABLE_FIELDS}
    topics = [t.pk for t in form.cleaned_data["topics"]] if "topics" in form.changed_data else None
    verdict = None
    add, change, delete = [], [], []
    for formset in formsets:
        saved = formset.save(commit=False)  # builds instances (and pasted sources), writes no claim data
        if formset.model is Verdict:
            verdict = verdict_fields(saved[0]) if saved else None
        elif formset.model is Citation:
            add = [_citation(c) for c in formset.new_objects]
            change = [_citation(c) | {"id": c.pk} for c, _ in formset.changed_objects]
            delete = [c.pk for c in formset.deleted_objects]
    return workflow.propose_change(
        claim,
        user=user,
        fields=fields,
        topics=topics,
        verdict=verdict,
        add_citations=add,
        change_citations=change,
        delete_citations=delete,
    )


def _citation(citation: Citation) -> dict[str, Any]:
    return {"source": citation.source_id, "role": citation.role, "quote": citation.quote}


@dataclass(frozen=True)
class DiffRow:
    what: str
    now: str
    proposed: str


def diff_rows(proposal: ChangeProposal) -> list[DiffRow]:
    """What the public sees now next to what it would see once the proposal is approved."""
    changes = proposal.changes
    claim = proposal.claim
    rows = []
    for name, values in changes.get("claim", {}).items():
        label = str(Claim._meta.get_field(name).verbose_name).capitalize()
        rows.append(DiffRow(label, _shown(name, values["old"]), _shown(name, values["new"])))
    if "topics" in changes:
        names = dict(
            Topic.objects.filter(pk__in=changes["topics"]["old"] + changes["topics"]["new"]).values_list(
                "pk", "name"
            )
        )
        rows.append(
            DiffRow(
                "Topics",
                ", ".join(names.get(pk, "?") for pk in changes["topics"]["old"]) or "–",
                ", ".join(names.get(pk, "?") for pk in changes["topics"]["new"]) or "–",
            )
        )
    if "verdict" in changes:
        current = claim.verdicts.filter(is_current=True).first()
        new = changes["verdict"]
        rows.append(
            DiffRow(
                "Verdict",
                _verdict_text(current.rating, current.headline, current.reasoning)
                if current
                else "no verdict",
                _verdict_text(new["rating"], new["headline"], new["reasoning"]),
            )
        )
    citations = changes.get("citations", {})
    sources = dict(
        Source.objects.filter(
            pk__in=[c["source"] for c in citations.get("add", []) + citations.get("change", [])]
        ).values_list("pk", "url")
    )
    existing = {c.pk: c for c in claim.citations.select_related("source")}
    for data in citations.get("add", []):
        rows.append(
            DiffRow(
                "New citation",
                "–",
                _citation_text(data["role"], sources.get(data["source"], "?"), data["quote"]),
            )
        )
    for data in citations.get("change", []):
        old = existing.get(data["id"])
        rows.append(
            DiffRow(
                "Edited citation",
                _citation_text(old.role, old.source.url, old.quote) if old else "(removed meanwhile)",
                _citation_text(data["role"], sources.get(data["source"], "?"), data["quote"]),
            )
        )
    for pk in citations.get("delete", []):
        old = existing.get(pk)
        rows.append(
            DiffRow(
                "Removed citation", _citation_text(old.role, old.source.url, old.quote) if old else "–", "–"
            )
        )
    return rows


def _shown(name: str, value: str | None) -> str:
    if value is None or value == "":
        return "–"
    if name == "claimant":
        from claims.models import Claimant

        return Claimant.objects.filter(pk=value).values_list("name", flat=True).first() or value
    return value


def _verdict_text(rating: str, headline: str, reasoning: str) -> str:
    return f"{Rating(rating).label}: {headline}\n\n{reasoning}"


def _citation_text(role: str, url: str, quote: str) -> str:
    text = f"{CitationRole(role).label}: {url}"
    return f"{text}\n“{quote}”" if quote else text
