"""Claims react to their evidence: cited quotes are looked for in every new snapshot.

`sources` sends `snapshot_taken` after it keeps a snapshot (a source's first text, or a confirmed
change); this receiver looks for each citation's quote in that text. A quote that is gone or
altered marks the citation MISSING, which puts its claim at the top of the editors' attention
queue with the quote followed through the diff. Status is written with UPDATE, not save(): it is
the monitor's observation, not an editor's edit, and does not belong in the citation's history.
"""

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from claims.models import Citation, QuoteStatus
from sources.models import Snapshot
from sources.quotes import locate_quote


def check_quotes(*, source_id: int, snapshot_id: int) -> int:
    """Look for the quotes of every citation of the source in this snapshot; how many went missing."""
    # Most sources cite no quote: their snapshot's text is not even read (a batch of first checks
    # sends this for every source).
    citations = list(Citation.objects.filter(source_id=source_id).exclude(quote="").only("pk", "quote"))
    if not citations:
        return 0
    snapshot = Snapshot.objects.filter(pk=snapshot_id, source_id=source_id).only("text").first()
    if snapshot is None:
        return 0
    return sum(not check_quote(citation, snapshot) for citation in citations)


def check_quote(citation: Citation, snapshot: Snapshot) -> bool:
    """Record whether the citation's quote is in `snapshot`; True when it is."""
    found = locate_quote(snapshot.text, citation.quote) is not None
    fields = {"quote_checked_at": timezone.now()}
    if found:
        fields.update(quote_status=QuoteStatus.FOUND, quote_found_in=snapshot)
    else:
        fields["quote_status"] = QuoteStatus.MISSING
    Citation.objects.filter(pk=citation.pk).update(**fields)
    return found


def check_new_quotes(citations: list[Citation]) -> None:
    """A citation added or edited by an editor: its quote is looked for in the latest snapshot now."""
    for citation in citations:
        if not citation.quote:
            Citation.objects.filter(pk=citation.pk).update(
                quote_status=QuoteStatus.UNCHECKED, quote_found_in=None
            )
            continue
        latest = Snapshot.objects.filter(source_id=citation.source_id).only("text").first()
        if latest is not None:
            check_quote(citation, latest)


def cited_snapshot_ids() -> set[int]:
    """Snapshots citations rely on, for sources' retention: the one each quote was last found in,
    and the last one kept before each citation was made (what the source said as cited)."""
    before = Snapshot.objects.filter(source=OuterRef("source"), taken_at__lte=OuterRef("created_at"))
    rows = Citation.objects.annotate(
        as_cited=Subquery(before.order_by("-taken_at", "-pk").values("pk")[:1])
    ).values_list("quote_found_in", "as_cited")
    return {pk for pair in rows.iterator(chunk_size=2000) for pk in pair if pk}


def on_snapshot_taken(sender, *, source_id: int, snapshot_id: int, **kwargs) -> None:
    """Receiver of sources.signals.snapshot_taken."""
    check_quotes(source_id=source_id, snapshot_id=snapshot_id)


MISSING_QUOTE = Q(quote_status=QuoteStatus.MISSING) & ~Q(quote="")
