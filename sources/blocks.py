"""A text as blocks (sentences within paragraphs) and the places where two versions differ.

Change detection works on blocks rather than on the whole text so that one updating line
("Updated 3 hours ago", a share counter, a rotating teaser) can be learned as noise while the
sentence next to it stays watched. A place is named by the unchanged block before it (its
anchor) and its offset from there: a teaser that rotates between the same two paragraphs keeps
its name from check to check, whatever it says.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from sources.align import opcodes

# A sentence ends at . ! ? (or their CJK forms) followed by a space and a capital, digit or quote.
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'“«(\[]?[A-ZÀ-ÞА-ЯЁІЇЄҐ0-9])|(?<=[。！？])")


@dataclass(frozen=True)
class Place:
    """One place where the new text differs from the old: what was there and what is there now."""

    key: str
    old: str
    new: str

    @property
    def identity(self) -> str:
        """What the place now says, compared between checks; a removal is named by what went."""
        return digest(self.new) if self.new else digest("\0removed\0" + self.old)


def blocks(text: str) -> list[str]:
    """The text's sentences, paragraph by paragraph, in order."""
    out: list[str] = []
    for paragraph in text.splitlines():
        out.extend(part for part in SENTENCE_END.split(paragraph) if part)
    return out


def differing_places(old_text: str, new_text: str) -> list[Place]:
    """Where `new_text` differs from `old_text`, block by block, each named by its anchor."""
    a, b = blocks(old_text), blocks(new_text)
    places: list[Place] = []
    seen: Counter[str] = Counter()
    anchor = "^"
    position = 0  # blocks of `a` already counted in `seen`
    for tag, i1, i2, j1, j2 in opcodes(a, b):
        if tag == "equal":
            for block in a[position:i2]:
                seen[block] += 1
            position = i2
            anchor = a[i2 - 1]
            continue
        name = f"{_digest(anchor)}.{seen[anchor]}"
        for k in range(max(i2 - i1, j2 - j1)):
            old = a[i1 + k] if i1 + k < i2 else ""
            new = b[j1 + k] if j1 + k < j2 else ""
            places.append(Place(key=f"{name}+{k}", old=old, new=new))
    return places


def _digest(text: str) -> str:
    return "^" if text == "^" else hashlib.sha256(text.encode()).hexdigest()[:12]


def digest(text: str) -> str:
    """The hash kept for a candidate change's text."""
    return hashlib.sha256(text.encode()).hexdigest()
