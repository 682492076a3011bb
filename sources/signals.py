"""The one signal `sources` sends to the rest of the project (DESIGN.md: claims learn about their
evidence from it, without `sources` importing `claims`).

`snapshot_taken(sender=Source, source_id=int, snapshot_id=int)` is sent after the transaction
that kept a new snapshot commits: on a source's first text and on every confirmed change. Noise,
candidates waiting for confirmation and failures send nothing. Receivers must be quick and must
not raise (a failing receiver is logged, the check stays recorded).
"""

from django.dispatch import Signal

snapshot_taken = Signal()
