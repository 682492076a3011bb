"""A side-by-side diff of two snapshots' text, paragraph by paragraph, for the admin.

Rows are plain data; the template escapes and lays them out. Edited paragraphs are paired and
their changed words marked, long unchanged stretches are folded. Alignment is near-linear
(sources/align.py: two 1 MB snapshots of repetitive text render in well under a second), words
are marked only in paragraphs of up to MAX_WORDS words, and at most MAX_ROWS rows are built:
the rest is one row that says how many changed paragraphs are not shown.
"""

from dataclasses import dataclass, field, replace

from sources.align import opcodes

MAX_ROWS = 2000
MAX_WORDS = 3000


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool = False


@dataclass(frozen=True)
class Row:
    kind: str  # equal, replace, delete, insert, fold or cut
    left_number: int | None = None
    right_number: int | None = None
    left: list[Segment] = field(default_factory=list)
    right: list[Segment] = field(default_factory=list)
    folded: int = 0  # for "fold": how many equal paragraphs are not shown; for "cut": changed ones
    quoted: bool = False  # the cited quote being followed is in this paragraph


def side_by_side(
    old: str,
    new: str,
    *,
    context: int = 2,
    quoted_old: frozenset[int] = frozenset(),
    quoted_new: frozenset[int] = frozenset(),
) -> list[Row]:
    """Rows comparing `old` (left) with `new` (right), one paragraph (line) per row.
    `quoted_old`/`quoted_new`: line numbers that hold a cited quote, flagged on their rows."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[Row] = []
    ops = opcodes(a, b)
    for index, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            rows.extend(_equal(a, i1, i2, j1, context=context, first=not rows, last=i2 == len(a)))
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            if len(rows) >= MAX_ROWS:
                later = sum(max(x2 - x1, y2 - y1) for t, x1, x2, y1, y2 in ops[index + 1 :] if t != "equal")
                rows.append(Row(kind="cut", folded=max(i2 - i1, j2 - j1) - k + later))
                return _flagged(rows, quoted_old, quoted_new)
            left = a[i1 + k] if i1 + k < i2 else None
            right = b[j1 + k] if j1 + k < j2 else None
            if left is not None and right is not None:
                left_segments, right_segments = _words(left, right)
                kind = "replace"
            else:
                left_segments = [Segment(left, True)] if left is not None else []
                right_segments = [Segment(right, True)] if right is not None else []
                kind = "delete" if right is None else "insert"
            left_number = i1 + k + 1 if left is not None else None
            right_number = j1 + k + 1 if right is not None else None
            rows.append(
                Row(
                    kind=kind,
                    left_number=left_number,
                    right_number=right_number,
                    left=left_segments,
                    right=right_segments,
                    quoted=left_number in quoted_old or right_number in quoted_new,
                )
            )
    return _flagged(rows, quoted_old, quoted_new)


def _flagged(rows: list[Row], quoted_old: frozenset[int], quoted_new: frozenset[int]) -> list[Row]:
    if quoted_old or quoted_new:
        return [_flag_quoted(row, quoted_old, quoted_new) for row in rows]
    return rows


def _flag_quoted(row: Row, quoted_old: frozenset[int], quoted_new: frozenset[int]) -> Row:
    if row.kind == "equal" and (row.left_number in quoted_old or row.right_number in quoted_new):
        return replace(row, quoted=True)
    return row


def _equal(a: list[str], i1: int, i2: int, j1: int, *, context: int, first: bool, last: bool) -> list[Row]:
    keep_head = 0 if first else context
    keep_tail = 0 if last else context
    numbers = list(range(i2 - i1))
    if len(numbers) > keep_head + keep_tail + 1:
        shown = [*numbers[:keep_head], -1, *numbers[len(numbers) - keep_tail :]]
    else:
        shown = numbers
    rows = []
    for k in shown:
        if k == -1:
            rows.append(Row(kind="fold", folded=len(numbers) - keep_head - keep_tail))
        else:
            text = [Segment(a[i1 + k])]
            rows.append(
                Row(kind="equal", left_number=i1 + k + 1, right_number=j1 + k + 1, left=text, right=text)
            )
    return rows


def _words(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    """Mark the words that differ between two versions of a paragraph."""
    a, b = old.split(" "), new.split(" ")
    if len(a) > MAX_WORDS or len(b) > MAX_WORDS:
        return [Segment(old, True)], [Segment(new, True)]
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in opcodes(a, b):
        changed = tag != "equal"
        if i2 > i1:
            left.append(Segment(" ".join(a[i1:i2]) + " ", changed))
        if j2 > j1:
            right.append(Segment(" ".join(b[j1:j2]) + " ", changed))
    return left, right
