"""Other fact-checkers' rating words, placed on our scale by a vocabulary editors keep.

Text first: "Altered image" is a verdict in words, whatever number sits next to it (AFP's
real markup says 5 of 5 for it). A number is used only when there is no text at all and the
record states both ends of its scale; anything else stays "unrated" with the words kept, so
nothing is guessed. The vocabulary is the `RatingLabel` table (seeded by migration 0007,
extended in the admin).
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from claims.models import UNRATED, Rating, RatingLabel

SURROUNDING = " .!?:;,\"'“”„«»‘’()[]"
NUMBER = re.compile(r"^[+-]?\d{1,9}(?:\.\d{1,9})?$")
# A numeric position on the record's own scale (0 = its worst, 1 = its best) to our words.
# "Misleading" and "unproven" are kinds of verdict, not degrees, so numbers never give them.
NUMERIC_STEPS = (
    (0.125, Rating.FALSE),
    (0.375, Rating.MOSTLY_FALSE),
    (0.625, Rating.MIXED),
    (0.875, Rating.MOSTLY_TRUE),
    (1.0, Rating.TRUE),
)


def rating_key(text: str) -> str:
    """The form a label is matched in: case, width, spacing and surrounding punctuation ignored."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\s_]+", " ", text)
    return text.strip(SURROUNDING)[:200]


def load_vocabulary() -> dict[str, str]:
    """The whole vocabulary as {key: rating}; loaded once per import, it is a few hundred rows."""
    return dict(RatingLabel.objects.values_list("key", "rating"))


def parse_number(value: str) -> Decimal | None:
    """A plain decimal number as written ("1", "4.5"); None for "inf", 400 digits or words."""
    text = value.strip()
    if not NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def normalise_rating(
    text: str, *, value: str = "", best: str = "", worst: str = "", vocabulary: dict[str, str]
) -> str:
    """Our rating (or UNRATED) for a rating written as `text` with an optional numeric scale."""
    if text.strip():
        return vocabulary.get(rating_key(text), UNRATED)
    number, top, bottom = parse_number(value), parse_number(best), parse_number(worst)
    if number is None or top is None or bottom is None or top == bottom:
        return UNRATED
    if not min(top, bottom) <= number <= max(top, bottom):
        return UNRATED
    position = float((number - bottom) / (top - bottom))  # inverted scales (best 0, worst 5) work too
    return next(rating for limit, rating in NUMERIC_STEPS if position <= limit)
