"""Aligning two sequences of lines (or blocks, or words) in near-linear time.

difflib's SequenceMatcher is quadratic in the worst case, and repetitive text (a table of
similar rows, a page of "Read more" teasers) is that worst case: a 468 KB page with one word
added took 28 s to diff. This is patience diff: lines that occur exactly once on each side are
anchors, the longest run of anchors in the same order is found with a patience sort
(O(n log n)), common heads and tails are trimmed, and the gaps between anchors are aligned the
same way, a few levels deep. A small gap is handed to SequenceMatcher, whose cost is then
bounded by the gap's size; a large one with no anchor left is compared item by item.
"""

from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Sequence
from difflib import SequenceMatcher

Opcode = tuple[str, int, int, int, int]  # as SequenceMatcher.get_opcodes(): tag, i1, i2, j1, j2
# Gaps up to this many items a side are aligned exactly with SequenceMatcher (bounded cost).
EXACT_GAP = 150
MAX_DEPTH = 6


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """Equal/replace/delete/insert runs turning `a` into `b`, like SequenceMatcher's."""
    out: list[Opcode] = []
    _align(a, b, 0, len(a), 0, len(b), out, depth=0)
    return _merge(out)


def _align(a, b, i1: int, i2: int, j1: int, j2: int, out: list[Opcode], *, depth: int) -> None:
    head = 0
    while i1 + head < i2 and j1 + head < j2 and a[i1 + head] == b[j1 + head]:
        head += 1
    if head:
        out.append(("equal", i1, i1 + head, j1, j1 + head))
        i1, j1 = i1 + head, j1 + head
    tail = 0
    while i2 - tail > i1 and j2 - tail > j1 and a[i2 - tail - 1] == b[j2 - tail - 1]:
        tail += 1
    i2t, j2t = i2 - tail, j2 - tail
    _middle(a, b, i1, i2t, j1, j2t, out, depth=depth)
    if tail:
        out.append(("equal", i2t, i2, j2t, j2))


def _middle(a, b, i1: int, i2: int, j1: int, j2: int, out: list[Opcode], *, depth: int) -> None:
    if i1 == i2 and j1 == j2:
        return
    if i1 == i2:
        out.append(("insert", i1, i1, j1, j2))
        return
    if j1 == j2:
        out.append(("delete", i1, i2, j1, j1))
        return
    if (i2 - i1) <= EXACT_GAP and (j2 - j1) <= EXACT_GAP:
        for tag, x1, x2, y1, y2 in SequenceMatcher(None, a[i1:i2], b[j1:j2], autojunk=False).get_opcodes():
            out.append((tag, i1 + x1, i1 + x2, j1 + y1, j1 + y2))
        return
    anchors = _anchors(a, b, i1, i2, j1, j2) if depth < MAX_DEPTH else []
    if not anchors:
        _positional(a, b, i1, i2, j1, j2, out)
        return
    pi, pj = i1, j1
    for i, j in anchors:
        _align(a, b, pi, i, pj, j, out, depth=depth + 1)
        out.append(("equal", i, i + 1, j, j + 1))
        pi, pj = i + 1, j + 1
    _align(a, b, pi, i2, pj, j2, out, depth=depth + 1)


def _positional(a, b, i1: int, i2: int, j1: int, j2: int, out: list[Opcode]) -> None:
    """No anchor left (repetitive text): compare item by item, which is exact for edits that
    replace items without shifting them, and linear whatever the text."""
    for k in range(min(i2 - i1, j2 - j1)):
        out.append(("equal" if a[i1 + k] == b[j1 + k] else "replace", i1 + k, i1 + k + 1, j1 + k, j1 + k + 1))
    n = min(i2 - i1, j2 - j1)
    if i2 - i1 > n:
        out.append(("delete", i1 + n, i2, j2, j2))
    elif j2 - j1 > n:
        out.append(("insert", i2, i2, j1 + n, j2))


def _anchors(a, b, i1: int, i2: int, j1: int, j2: int) -> list[tuple[int, int]]:
    """Items unique on both sides, the longest chain of them in the same order (patience sort)."""
    count_a = Counter(a[i1:i2])
    count_b = Counter(b[j1:j2])
    where_b = {b[j]: j for j in range(j1, j2) if count_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(i1, i2) if count_a[a[i]] == 1 and a[i] in where_b]
    if not pairs:
        return []
    tops: list[int] = []  # the j at the top of each pile
    top_index: list[int] = []
    back: list[int] = []  # for each pair, the index of the pair under it in the chain
    for index, (_, j) in enumerate(pairs):
        pile = bisect_left(tops, j)
        back.append(top_index[pile - 1] if pile else -1)
        if pile == len(tops):
            tops.append(j)
            top_index.append(index)
        else:
            tops[pile] = j
            top_index[pile] = index
    chain = []
    index = top_index[-1]
    while index != -1:
        chain.append(pairs[index])
        index = back[index]
    return chain[::-1]


def _merge(ops: list[Opcode]) -> list[Opcode]:
    """Join neighbouring runs of the same kind (and adjacent changes into one replace)."""
    merged: list[Opcode] = []
    for tag, i1, i2, j1, j2 in ops:
        if i1 == i2 and j1 == j2:
            continue
        if merged:
            ptag, pi1, pi2, pj1, pj2 = merged[-1]
            if pi2 == i1 and pj2 == j1 and (ptag == tag or (ptag != "equal" and tag != "equal")):
                merged[-1] = (ptag if ptag == tag else "replace", pi1, i2, pj1, j2)
                continue
        merged.append((tag, i1, i2, j1, j2))
    return merged
