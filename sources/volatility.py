"""Which differences are changes: learned noise and confirmed changes.

The new text is compared with the last snapshot block by block (sources/blocks.py). Each place
that differs is, in order:

- ignored when it was learned as noise (it changed again at the check after it first changed,
  or changed back) or an editor marked it so;
- a *candidate* when it is new: nobody is alerted, and a confirming check is scheduled soon;
- *confirmed* when a later check, at least SOURCE_CONFIRM_MIN_AGE after the candidate was first
  seen, sees the same new text there: this is a change, and a new snapshot is kept. A re-fetch
  seconds later neither confirms nor refutes ("Updated 3 hours ago" is stable for seconds);
- *learned as noise* when the next check sees different text there again, or the old text back.
  A place an editor marked important is never learned as noise: a new text there simply becomes
  the new candidate.

Nothing is written here: `assess()` returns the rows to save, and the monitor saves them in the
same transaction as the check that read them, only if that check is the one recorded.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from sources.blocks import differing_places
from sources.models import BlockKind, LearnedBlock, Source

IGNORED = (BlockKind.VOLATILE, BlockKind.NOISE)


@dataclass
class Assessment:
    """What one check's text means: a first snapshot, a confirmed change, or neither."""

    first: bool = False
    confirmed: list[str] = field(default_factory=list)  # texts of the confirmed places
    pending: int = 0
    ignored: int = 0
    learned: int = 0
    rows: list[LearnedBlock] = field(default_factory=list)  # to save with the check

    @property
    def changed(self) -> bool:
        return bool(self.confirmed)

    @property
    def note(self) -> str:
        parts = []
        if self.confirmed:
            parts.append(f"{len(self.confirmed)} change(s) confirmed")
        if self.pending:
            parts.append(f"{self.pending} change(s) waiting for a confirming check")
        if self.learned:
            parts.append(f"{self.learned} place(s) learned as noise")
        if self.ignored:
            parts.append(f"{self.ignored} noisy place(s) ignored")
        return "; ".join(parts)[:300]


def assess(
    source: Source, text: str, *, now: datetime, baseline: str | None, known: dict[str, LearnedBlock]
) -> Assessment:
    """Compare `text` with `baseline`, the text of the last snapshot of `source` (None: there is
    none), under the rules above; `known` holds its learned places by key. The monitor reads both
    for a whole batch of checks at once."""
    if baseline is None or not source.content_hash:
        return Assessment(first=True)
    result = Assessment()
    min_age = timedelta(seconds=settings.SOURCE_CONFIRM_MIN_AGE)
    places = differing_places(baseline, text) if baseline != text else []
    # A candidate's text seen again at another offset is still seen again: a noisy neighbour that
    # happened to match the snapshot this time shifts the offsets of the places after it.
    present = {place.identity for place in places}
    differing = set()
    for place in places:
        differing.add(place.key)
        row = known.get(place.key) or LearnedBlock(source=source, key=place.key)
        row.text, row.updated_at = place.new or f"(removed) {place.old}", now
        row.changes += 1
        new_hash = place.identity
        if row.kind in IGNORED:
            result.ignored += 1
        elif not row.candidate_hash:
            row.candidate_hash, row.candidate_seen_at = new_hash, now
            result.pending += 1
        elif row.candidate_hash == new_hash or row.candidate_hash in present:
            if row.candidate_seen_at <= now - min_age:
                result.confirmed.append(row.text)
            else:
                result.pending += 1  # seconds later: neither a confirmation nor noise
        elif row.kind == BlockKind.IMPORTANT:
            row.candidate_hash, row.candidate_seen_at = new_hash, now
            result.pending += 1
        else:
            _learn_noise(row)
            result.learned += 1
        result.rows.append(row)
    for key, row in known.items():
        if key not in differing and row.candidate_hash:  # it changed back: noise, unless marked
            if row.candidate_hash in present and row.candidate_seen_at <= now - min_age:
                result.confirmed.append(row.text)  # it moved (see `present`)
            elif row.kind != BlockKind.IMPORTANT and row.candidate_hash not in present:
                _learn_noise(row)
                result.learned += 1
            row.candidate_hash, row.candidate_seen_at, row.updated_at = "", None, now
            result.rows.append(row)
    if result.confirmed:  # the snapshot moves: every candidate is measured from the new one
        for row in result.rows:
            row.candidate_hash, row.candidate_seen_at = "", None
        result.pending = 0
    return result


def _learn_noise(row: LearnedBlock) -> None:
    row.kind = BlockKind.VOLATILE
    row.candidate_hash, row.candidate_seen_at = "", None


def save(assessment: Assessment) -> None:
    """Write what a check learned (call inside the check's transaction)."""
    for row in assessment.rows:
        row.save()


def mark_block(source: Source, *, key: str, kind: BlockKind, text: str = "") -> LearnedBlock:
    """An editor's word on one place: noise (ignored from now on) or important (always watched)."""
    row, _ = LearnedBlock.objects.update_or_create(
        source=source, key=key, defaults={"kind": kind, **({"text": text} if text else {})}
    )
    return row
