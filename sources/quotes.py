"""Finding a cited quote in a source's text, tolerant of how it was copied.

Editors paste quotes from browsers, PDFs and chat: curly, straight or no quotation marks
(around the quote or inside it), dashes of any length, line breaks and double spaces, different
case. Quotation marks are ignored altogether; the rest is compared in one spelling. A quote is "found" when its words appear
in that order with only those differences; anything else (a word changed, a number changed, the
passage gone) is "missing", which is what an editor must look at.
"""

import unicodedata

# Characters that people and tools swap for one another, mapped to one spelling.
EQUIVALENT = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2026": "...",
    }
)  # fmt: skip


def _normalized(text: str) -> tuple[str, list[int]]:
    """`text` compared loosely, and for each of its characters the index it came from."""
    chars: list[str] = []
    origin: list[int] = []
    space = True  # drop leading whitespace
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).translate(EQUIVALENT).casefold()
        for piece in folded:
            if piece in "'\"":
                continue
            if piece.isspace():
                if space:
                    continue
                piece, space = " ", True
            else:
                space = False
            chars.append(piece)
            origin.append(index)
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return "".join(chars), origin


def locate_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where `quote` is in `text` as (start, end) indexes into `text`, or None."""
    needle, _ = _normalized(quote)
    if not needle:
        return None
    haystack, origin = _normalized(text)
    at = haystack.find(needle)
    if at < 0:
        return None
    return origin[at], origin[at + len(needle) - 1] + 1


def quote_lines(text: str, quote: str) -> set[int]:
    """The 1-based line numbers (paragraphs) the quote spans in `text`; empty when not found."""
    span = locate_quote(text, quote)
    if span is None:
        return set()
    first = text.count("\n", 0, span[0]) + 1
    return set(range(first, first + text.count("\n", span[0], span[1]) + 1))
