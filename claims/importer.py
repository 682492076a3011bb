"""Import other publishers' ClaimReviews as `ExternalReview` records: streamed, bounded, idempotent.

Why this shape:
- Another publisher's review is their record, not our verdict: import writes `ExternalReview`
  rows only, and links one to our claim when the claim text is the same. Nothing is published.
- Real feeds are large and hostile. JSON is read as a stream of events (ijson over yajl), so a
  60 MB DataFeed is never held whole; each record is built under limits (depth, keys per
  object, string and number sizes) and refused with a reason when it breaks one.
- Identity is the record's own `@id`, or publisher + review URL + claim text: one article that
  checks three claims is three records, and a second import of the same feed changes nothing.
  A record repeated inside one input (same identity, another headline) is reported as a
  duplicate and the first one is kept, so the stored text does not flip between runs.
- Shapes read: JSON-LD objects, arrays, `@graph` (references resolved one level, lazily, so
  nothing is copied and no input expands quadratically), `DataFeed`, MediaReview's
  `associatedClaimReview`, Google Fact Check Tools `claims:search` responses, ClaimsKG CSV.
"""

import csv
import datetime
import email.utils
import functools
import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import ijson
import psycopg
from django.conf import settings
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import Jsonb

from claims.models import Claim, ExternalReview, LinkedBy
from claims.ratings import load_vocabulary, normalise_rating, rating_key
from sources.urlnorm import InvalidURL, normalize_url


@dataclass(frozen=True)
class Limits:
    """What one record may hold; anything bigger is refused, never truncated."""

    max_depth: int = 32
    max_keys: int = 1_000  # members of one object or items of one array
    max_nodes: int = 20_000  # values in one record
    max_string: int = 100_000  # characters
    max_number_digits: int = 40
    max_graph_index: int = 100_000  # @graph nodes remembered for @id references
    max_deferred: int = 10_000  # @graph reviews waiting for a reference to a later node


class UnusableRecord(ValueError):
    """A record that cannot be stored. `kind` groups the summary; `detail` names the value."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


class NotAReview(UnusableRecord):
    """A node that is not a ClaimReview (an Organization in a @graph, a WebPage): ignored."""


class InputError(ValueError):
    """The input itself cannot be read any further (bad JSON syntax, not UTF-8)."""


@dataclass
class Candidate:
    path: str
    node: Any
    refs: dict[str, Any] = field(default_factory=dict)
    problem: UnusableRecord | None = None


# --- Streaming JSON ----------------------------------------------------------------------------

STREAM_KEYS = frozenset({"@graph", "dataFeedElement", "claims", "itemListElement"})
CONTAINERS = ("start_map", "start_array")


class JSONReader:
    """Turn a byte stream of JSON into candidate records, one at a time, within `limits`."""

    def __init__(self, stream: IO[bytes], limits: Limits) -> None:
        self.events = ijson.basic_parse(stream, use_float=False)
        self.limits = limits

    def __iter__(self) -> Iterator[Candidate]:
        try:
            first = next(self.events, None)
            if first is None:
                raise InputError("the input is empty")
            if first[0] not in CONTAINERS:
                raise InputError("expected a JSON object or array at the top")
            yield from self._stream(*first, path="$", depth=0)
            if next(self.events, None) is not None:
                raise InputError("unexpected data after the end of the JSON document")
        except ijson.JSONError as exc:
            raise InputError(f"invalid JSON: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8: {exc}") from exc

    def _stream(self, event: str, value: Any, *, path: str, depth: int) -> Iterator[Candidate]:
        """Stream through arrays and feed containers; build everything else as one record."""
        if depth > 8:  # a feed is never nested this deep: treat the rest as one record
            yield self._record(event, value, path)
        elif event == "start_array":
            for index, (item_event, item_value) in enumerate(self.events):
                if item_event == "end_array":
                    return
                yield from self._stream(item_event, item_value, path=f"{path}[{index}]", depth=depth + 1)
        elif event == "start_map":
            yield from self._stream_map(path, depth)
        else:
            yield self._record(event, value, path)

    def _stream_map(self, path: str, depth: int) -> Iterator[Candidate]:
        node: dict[str, Any] = {}
        streamed = False
        problem: UnusableRecord | None = None
        for event, key in self.events:
            if event == "end_map":
                break
            value_event, value = next(self.events)
            if key in STREAM_KEYS and value_event == "start_array":
                streamed = True
                if key == "@graph":
                    yield from self._graph(f"{path}.@graph", depth + 1)
                else:
                    yield from self._stream(value_event, value, path=f"{path}.{key}", depth=depth + 1)
                continue
            try:
                if len(node) >= self.limits.max_keys:
                    raise UnusableRecord("too large", f"more than {self.limits.max_keys} keys in one object")
                node[key] = self._value(value_event, value)
            except UnusableRecord as exc:
                problem = problem or exc
        if problem is not None:
            yield Candidate(path, None, problem=problem)
        elif not streamed:
            yield Candidate(path, node)

    def _graph(self, path: str, depth: int) -> Iterator[Candidate]:
        """@graph nodes: reviews go out as they come, unless they point at a node not yet seen."""
        refs: dict[str, Any] = {}
        deferred: list[Candidate] = []
        for index, (event, value) in enumerate(self.events):
            if event == "end_array":
                break
            for candidate in self._stream(event, value, path=f"{path}[{index}]", depth=depth + 1):
                node = candidate.node
                if (
                    isinstance(node, dict)
                    and isinstance(node.get("@id"), str)
                    and not is_review(node)
                    and len(refs) < self.limits.max_graph_index
                ):
                    refs[node["@id"]] = node
                candidate.refs = refs
                if is_review(node) and len(deferred) < self.limits.max_deferred and _unresolved(node, refs):
                    deferred.append(candidate)
                else:
                    yield candidate
        yield from deferred

    def _record(self, event: str, value: Any, path: str) -> Candidate:
        try:
            return Candidate(path, self._value(event, value))
        except UnusableRecord as exc:
            return Candidate(path, None, problem=exc)

    def _value(self, event: str, value: Any) -> Any:
        """Build one JSON value under the limits; on a breach, skip to its end and raise."""
        if event not in CONTAINERS:
            return self._scalar(event, value)
        limits = self.limits
        root: Any = {} if event == "start_map" else []
        stack: list[Any] = [root]
        keys: list[str | None] = [None]
        nodes = 0
        problem: UnusableRecord | None = None
        depth = 1
        for event, value in self.events:
            if event in CONTAINERS:
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
            if problem is None:
                try:
                    self._add(event, value, stack, keys)
                    nodes += 1
                    if len(stack) > limits.max_depth:
                        raise UnusableRecord("too deep", f"nested deeper than {limits.max_depth} levels")
                    if nodes > limits.max_nodes:
                        raise UnusableRecord(
                            "too large", f"more than {limits.max_nodes} values in one record"
                        )
                except UnusableRecord as exc:
                    problem = exc
            if depth == 0:
                break
        if problem is not None:
            raise problem
        return root

    def _add(self, event: str, value: Any, stack: list[Any], keys: list[str | None]) -> None:
        if event == "map_key":
            if len(value) > self.limits.max_string:
                raise UnusableRecord("too large", "an object key is too long")
            keys[-1] = value
            return
        if event in ("end_map", "end_array"):
            stack.pop()
            keys.pop()
            return
        if event in CONTAINERS:
            item: Any = {} if event == "start_map" else []
        else:
            item = self._scalar(event, value)
        parent = stack[-1]
        if len(parent) >= self.limits.max_keys:
            raise UnusableRecord(
                "too large", f"more than {self.limits.max_keys} items in one object or array"
            )
        if isinstance(parent, dict):
            parent[keys[-1]] = item
        else:
            parent.append(item)
        if event in CONTAINERS:
            stack.append(item)
            keys.append(None)

    def _scalar(self, event: str, value: Any) -> Any:
        if event == "string":
            if len(value) > self.limits.max_string:
                raise UnusableRecord(
                    "too large", f"a string longer than {self.limits.max_string:,} characters"
                )
            return value
        if event in ("number", "integer", "double"):
            return _number_text(value, self.limits.max_number_digits)
        return value  # null, boolean


def _number_text(value: Any, max_digits: int) -> str:
    """Numbers are kept as the text they were written as ("4", "4.5"), never as floats."""
    if isinstance(value, int):
        if value.bit_length() > max_digits * 4:
            raise UnusableRecord("too large", f"a number with more than {max_digits} digits")
        return str(value)
    digits = value.as_tuple()
    if len(digits.digits) > max_digits or not value.is_finite() or abs(digits.exponent) > max_digits:
        raise UnusableRecord("too large", f"a number with more than {max_digits} digits")
    return str(value)


# --- ClaimsKG CSV ------------------------------------------------------------------------------


def _csv_records(stream: IO[bytes], limits: Limits) -> Iterator[Candidate]:
    """ClaimsKG extractor output: one review per row, columns named after ClaimReview properties."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    csv.field_size_limit(limits.max_string)
    try:
        header = text.readline()
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8: {exc}") from exc
    delimiter = "\t" if header.count("\t") > header.count(",") else ","
    columns = next(csv.reader([header], delimiter=delimiter), [])
    if "claimReview_url" not in columns:
        raise InputError("a CSV needs ClaimsKG's columns (claimReview_url, claimReview_claimReviewed, ...)")
    reader = csv.DictReader(text, fieldnames=columns, delimiter=delimiter)
    while True:
        line = reader.line_num + 2
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Candidate(f"line {line}", None, problem=UnusableRecord("malformed CSV row", str(exc)))
            continue
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 near line {line}: {exc}") from exc
        yield Candidate(f"line {line}", claimskg_to_claimreview(row))


def claimskg_to_claimreview(row: dict[str, Any]) -> dict[str, Any]:
    """A ClaimsKG row as the ClaimReview it was extracted from (empty cells left out)."""

    def pick(**columns: str) -> dict[str, Any]:
        return {prop: row[column] for prop, column in columns.items() if (row.get(column) or "").strip()}

    author = pick(name="claimReview_author_name", url="claimReview_author_url")
    if "name" not in author and (row.get("claimReview_source") or "").strip():
        author["name"] = row["claimReview_source"]
    claim_author = pick(name="creativeWork_author_name", sameAs="creativeWork_author_sameAs")
    item = pick(datePublished="creativeWork_datePublished")
    if claim_author:
        item["author"] = claim_author
    return {
        "@type": "ClaimReview",
        **pick(
            url="claimReview_url",
            claimReviewed="claimReview_claimReviewed",
            datePublished="claimReview_datePublished",
            headline="extra_title",
        ),
        "author": author,
        "reviewRating": pick(
            alternateName="rating_alternateName",
            ratingValue="rating_ratingValue",
            bestRating="rating_bestRating",
            worstRating="rating_worstRating",
        ),
        "itemReviewed": item,
    }


def google_to_claimreview(claim: dict[str, Any], review: Any) -> Any:
    """One review of a Fact Check Tools `claims:search` claim, in ClaimReview's terms."""
    if not isinstance(review, dict):
        return review
    publisher = review.get("publisher") if isinstance(review.get("publisher"), dict) else {}
    author = {"name": publisher["name"]} if publisher.get("name") else {}
    if isinstance(site := publisher.get("site"), str) and site.strip():  # "snopes.com": a host
        author["url"] = site if "://" in site else f"https://{site.strip()}"
    item: dict[str, Any] = {"@type": "Claim"}
    if claim.get("claimant"):
        item["author"] = {"name": claim["claimant"]}
    if claim.get("claimDate"):
        item["datePublished"] = claim["claimDate"]
    result: dict[str, Any] = {"@type": "ClaimReview", "author": author, "itemReviewed": item}
    for prop, key, source in (
        ("url", "url", review),
        ("claimReviewed", "text", claim),
        ("datePublished", "reviewDate", review),
        ("headline", "title", review),
        ("inLanguage", "languageCode", review),
    ):
        if source.get(key) is not None:
            result[prop] = source[key]
    if review.get("textualRating") is not None:
        result["reviewRating"] = {"@type": "Rating", "alternateName": review["textualRating"]}
    return result


# --- Shapes ------------------------------------------------------------------------------------


def type_names(node: Any) -> list[str]:
    """Local names of a node's @type ("schema:ClaimReview", "http://schema.org/ClaimReview")."""
    if not isinstance(node, dict):
        return []
    kinds = node.get("@type", node.get("type", []))
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return [re.split(r"[/:#]", kind)[-1] for kind in kinds if isinstance(kind, str)]


def is_review(node: Any) -> bool:
    return "ClaimReview" in type_names(node)


def expand(candidate: Candidate) -> Iterator[Candidate]:
    """Open the containers a built record may still be (arrays, DataFeedItem, Google claims...)."""
    node, path = candidate.node, candidate.path
    if candidate.problem is not None:
        yield candidate
        return
    kinds = type_names(node)
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from expand(Candidate(f"{path}[{index}]", item, candidate.refs))
    elif not isinstance(node, dict) or "ClaimReview" in kinds:
        yield candidate
    elif isinstance(node.get("@graph"), list):
        refs = {n["@id"]: n for n in node["@graph"] if isinstance(n, dict) and isinstance(n.get("@id"), str)}
        yield from expand(Candidate(f"{path}.@graph", node["@graph"], refs))
    elif "DataFeed" in kinds or ("dataFeedElement" in node and not kinds):
        yield from expand(
            Candidate(f"{path}.dataFeedElement", node.get("dataFeedElement", []), candidate.refs)
        )
    elif "DataFeedItem" in kinds:
        yield from expand(Candidate(f"{path}.item", node.get("item", []), candidate.refs))
    elif isinstance(node.get("claims"), list) and not kinds:
        yield from expand(Candidate(f"{path}.claims", node["claims"]))
    elif isinstance(node.get("claimReview"), list) and not kinds:
        for index, review in enumerate(node["claimReview"]):
            yield Candidate(f"{path}.claimReview[{index}]", google_to_claimreview(node, review))
    elif node.get("associatedClaimReview"):
        associated = _deref(node["associatedClaimReview"], candidate.refs)
        yield from expand(Candidate(f"{path}.associatedClaimReview", associated, candidate.refs))
    else:
        yield candidate


def _deref(value: Any, refs: dict[str, Any]) -> Any:
    """A {"@id": ...} reference to a @graph node, replaced by that node (one level: no copies)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("@id"), str):
        return refs.get(value["@id"], value)
    return value


def _unresolved(node: dict[str, Any], refs: dict[str, Any]) -> bool:
    for key in ("author", "publisher", "itemReviewed", "reviewRating"):
        value = node.get(key)
        value = value[0] if isinstance(value, list) and value else value
        if isinstance(value, dict) and list(value) == ["@id"] and value["@id"] not in refs:
            return True
    return False


# --- One record --------------------------------------------------------------------------------

BCP47 = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")
MATCH_SPACE = re.compile(r"\s+")
RFC2822_LOOSE = re.compile(r"^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})")
ISO_LOOSE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?![0-9])")
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


@dataclass
class ReviewRecord:
    """One ClaimReview as stored: every value as the publisher wrote it, plus what we derived."""

    path: str
    identity: str
    fields: dict[str, Any]
    warnings: list[str]

    @property
    def claim_key(self) -> str:
        return self.fields["claim_key"]


def match_key(text: str) -> str:
    """Claim text compared for "same claim": case, width, spacing and quotes ignored."""
    text = MATCH_SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold())
    text = text.strip(" \"'“”„«»‘’.")
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() if text else ""


@functools.lru_cache(maxsize=8192)
def url_problem(text: str) -> str:
    """Why `text` is not a URL we keep ("" when it is); cached: publishers' URLs repeat."""
    try:
        normalize_url(text)
    except InvalidURL as exc:
        return str(exc)
    return ""


@functools.lru_cache(maxsize=4)
def own_site(site_url: str) -> str:
    return normalize_url(site_url)


class RecordReader:
    """Turns one candidate node into a `ReviewRecord`, collecting warnings for dropped values."""

    def __init__(self, node: Any, refs: dict[str, Any], vocabulary: dict[str, str]) -> None:
        self.node, self.refs, self.vocabulary = node, refs, vocabulary
        self.warnings: list[str] = []

    def text(self, value: Any, what: str) -> str:
        value = _deref(value, self.refs)
        if isinstance(value, dict):
            value = value.get("@value", value.get("name"))
        if isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, str):
            return ""
        if "\x00" in value:
            value = value.replace("\x00", "")
            self.warnings.append(f"{what}: NUL characters removed")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            self.warnings.append(f"{what}: a lone UTF-16 surrogate replaced by U+FFFD")
        return value.strip()

    def url(self, value: Any, what: str) -> str:
        value = _deref(value, self.refs)
        if isinstance(value, dict):
            value = value.get("url", value.get("@id"))
        text = self.text(value, what)
        if not text:
            return ""
        if problem := url_problem(text):
            self.warnings.append(f"{what} ignored: {problem}")
            return ""
        if len(text) > 2048:
            self.warnings.append(f"{what} ignored: longer than 2048 characters")
            return ""
        return text

    def urls(self, value: Any, what: str) -> list[str]:
        values = value if isinstance(value, list) else [value]
        found = [self.url(item, what) for item in values[:1000] if item not in (None, "")]
        return list(dict.fromkeys(url for url in found if url))

    def date(self, value: Any, what: str) -> tuple[datetime.date | None, str]:
        text = self.text(value, what)
        if len(text) > 100:
            self.warnings.append(f"{what} ignored: longer than 100 characters")
            return None, ""
        parsed = parse_date(text)
        if text and parsed is None:
            self.warnings.append(f"{what} kept as text only: {text[:40]!r} is not a date we can read")
        return parsed, text

    def read(self, path: str) -> ReviewRecord:
        node = self.node
        if not isinstance(node, dict):
            raise NotAReview("not a JSON object", type(node).__name__)
        kinds = type_names(node)
        if kinds and "ClaimReview" not in kinds:
            raise NotAReview("not a ClaimReview", f"@type {','.join(kinds)}")
        if not kinds and "claimReviewed" not in node:
            raise NotAReview("not a ClaimReview", "no @type and no claimReviewed")
        raw_url = self.text(node.get("url"), "url")
        if not raw_url:
            raise UnusableRecord("no review url", "Google requires the review's url")
        try:
            canonical = normalize_url(raw_url)
        except InvalidURL as exc:
            raise UnusableRecord("review url is not a URL", str(exc)) from exc
        if len(raw_url) > 2048:
            raise UnusableRecord("review url is not a URL", "longer than 2048 characters")
        if canonical.startswith(own_site(settings.FACTCHECK_SITE_URL)):
            raise UnusableRecord("one of our own reviews", "its url is on FACTCHECK_SITE_URL")
        claim_text = self.text(node.get("claimReviewed"), "claimReviewed")
        rating = _deref(node.get("reviewRating"), self.refs)
        rating = rating if isinstance(rating, dict) else {}
        rating_text = self.text(rating.get("alternateName"), "reviewRating.alternateName") or self.text(
            rating.get("name"), "reviewRating.name"
        )
        if not claim_text and not rating_text:
            raise UnusableRecord("neither claimReviewed nor a rating text")
        numbers = {}
        for key in ("ratingValue", "bestRating", "worstRating"):
            number = self.text(rating.get(key), f"reviewRating.{key}")
            if len(number) > 40:
                self.warnings.append(f"reviewRating.{key} ignored: longer than 40 characters")
                number = ""
            numbers[key] = number
        author = _deref(node.get("author"), self.refs) or _deref(node.get("publisher"), self.refs)
        author = author if isinstance(author, dict) else {"name": author}
        item = _deref(node.get("itemReviewed"), self.refs)
        item = item if isinstance(item, dict) else {}
        claimant = _deref(item.get("author"), self.refs)
        claimant = claimant if isinstance(claimant, dict) else {"name": claimant}
        appearances = self.urls(item.get("firstAppearance"), "itemReviewed.firstAppearance")
        appearances += self.urls(item.get("appearance"), "itemReviewed.appearance")
        if not type_names(item) or "Claim" not in type_names(item):  # a CreativeWork reviewed in place
            appearances += self.urls(item.get("url"), "itemReviewed.url")
        language = self.text(node.get("inLanguage"), "inLanguage")
        if language and (len(language) > 35 or not BCP47.match(language)):
            self.warnings.append(f"inLanguage ignored: {language[:40]!r} is not a BCP 47 tag")
            language = ""
        published, published_text = self.date(node.get("datePublished"), "datePublished")
        claim_date, claim_date_text = self.date(item.get("datePublished"), "itemReviewed.datePublished")
        author_name = self.text(author.get("name"), "author.name")
        fields = {
            "at_id": at_id if (at_id := self.text(node.get("@id"), "@id")).startswith("http") else "",
            "url": raw_url,
            "author_name": author_name,
            "author_url": self.url(author.get("url"), "author.url"),
            "author_same_as": self.urls(author.get("sameAs"), "author.sameAs"),
            "date_published": published,
            "date_published_text": published_text,
            "rating_text": rating_text,
            "rating_value": numbers["ratingValue"],
            "best_rating": numbers["bestRating"],
            "worst_rating": numbers["worstRating"],
            "rating": normalise_rating(
                rating_text,
                value=numbers["ratingValue"],
                best=numbers["bestRating"],
                worst=numbers["worstRating"],
                vocabulary=self.vocabulary,
            ),
            "language": language,
            "claim_text": claim_text,
            "claim_key": match_key(claim_text),
            "claimant_name": self.text(claimant.get("name"), "itemReviewed.author.name"),
            "claimant_url": self.url(claimant.get("url"), "itemReviewed.author.url"),
            "claimant_same_as": self.urls(claimant.get("sameAs"), "itemReviewed.author.sameAs"),
            "claim_date": claim_date,
            "claim_date_text": claim_date_text,
            "appearances": list(dict.fromkeys(appearances)),
            "headline": self.text(node.get("headline"), "headline") or self.text(node.get("name"), "name"),
            "body": self.text(node.get("reviewBody"), "reviewBody"),
        }
        if fields["at_id"]:
            identity_text = "id\n" + fields["at_id"]
        else:
            identity_text = "\n".join(("review", rating_key(author_name), canonical, fields["claim_key"]))
        identity = hashlib.sha256(identity_text.encode()).hexdigest()
        return ReviewRecord(path=path, identity=identity, fields=fields, warnings=self.warnings)


def parse_date(text: str) -> datetime.date | None:
    """ISO dates, with or without padding or a time ("2021-7-16", "2021-01-05 05:00"), and
    RFC 2822 ("Mon, 09 Nov 2020 18:42:22 UTC +00:00", "Sat, 07 Nov 2020")."""
    if not text:
        return None
    try:
        if match := ISO_LOOSE.match(text):
            return datetime.date(*map(int, match.groups()))
        if match := RFC2822_LOOSE.match(text):
            day, month, year = match.groups()
            if month.lower() in MONTHS:
                return datetime.date(int(year), MONTHS[month.lower()], int(day))
        parsed = email.utils.parsedate_to_datetime(text)
        return parsed.date() if parsed else None
    except (ValueError, TypeError, OverflowError):
        return None


# --- Storing -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """Counts, and every problem grouped by reason with the first few places it occurred."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, counter: Counter[str], kind: str, example: str) -> None:
        counter[kind] += 1
        places = self.examples.setdefault(kind, [])
        if len(places) < 3:
            places.append(example)

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged + self.duplicates + self.skipped.total()

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.duplicates} duplicates in this input, {self.skipped.total()} skipped, "
            f"{self.ignored.total()} ignored (not ClaimReviews)."
        )


IMPORTED_FIELDS = [
    "at_id",
    "url",
    "author_name",
    "author_url",
    "author_same_as",
    "date_published",
    "date_published_text",
    "rating_text",
    "rating_value",
    "best_rating",
    "worst_rating",
    "rating",
    "language",
    "claim_text",
    "claim_key",
    "claimant_name",
    "claimant_url",
    "claimant_same_as",
    "claim_date",
    "claim_date_text",
    "appearances",
    "headline",
    "body",
]


def claim_index() -> dict[str, int]:
    """Our claims by match key, for linking a review to the claim it checks (ambiguous: none)."""
    index: dict[str, int] = {}
    ambiguous: set[str] = set()
    for pk, statement in Claim.objects.values_list("pk", "statement").iterator(chunk_size=2000):
        key = match_key(statement)
        if key in index and index[key] != pk:
            ambiguous.add(key)
        index[key] = pk
    for key in ambiguous:
        del index[key]
    return index


class Importer:
    """Stores records in batches: one lookup per batch, each record kept or refused on its own."""

    def __init__(self, *, batch_size: int = 500, progress: Callable[[int], None] | None = None) -> None:
        self.report = ImportReport()
        self.batch_size = batch_size
        self.progress = progress or (lambda n: None)
        self.vocabulary = load_vocabulary()
        self.claims = claim_index()
        self.seen: dict[str, str] = {}

    def run(self, candidates: Iterable[Candidate]) -> ImportReport:
        batch: list[ReviewRecord] = []
        try:
            for candidate in candidates:
                for found in expand(candidate):
                    record = self._read(found)
                    if record is not None:
                        batch.append(record)
                    if len(batch) >= self.batch_size:
                        self._store(batch)
                        batch = []
        finally:  # the complete records read before an unreadable part are kept too
            self._store(batch)
        return self.report

    def _read(self, candidate: Candidate) -> ReviewRecord | None:
        report = self.report
        try:
            if candidate.problem is not None:
                raise candidate.problem
            record = RecordReader(candidate.node, candidate.refs, self.vocabulary).read(candidate.path)
        except NotAReview as exc:
            report.note(report.ignored, exc.kind, f"{candidate.path}: {exc.detail}")
            return None
        except UnusableRecord as exc:
            report.note(report.skipped, exc.kind, f"{candidate.path}: {exc.detail}")
            self.progress(1)
            return None
        for warning in record.warnings:
            report.note(report.warnings, warning.split(":")[0], f"{record.path}: {warning}")
        if (first := self.seen.get(record.identity)) is not None:
            report.duplicates += 1
            report.note(
                report.warnings, "duplicate in this input (first kept)", f"{record.path}: same as {first}"
            )
            self.progress(1)
            return None
        self.seen[record.identity] = record.path
        return record

    def _store(self, batch: list[ReviewRecord]) -> None:
        if not batch:
            return
        # Rows are locked in identity order, so two imports sharing records never deadlock.
        batch = sorted(batch, key=lambda record: record.identity)
        with transaction.atomic():
            existing = {
                review.identity: review
                for review in ExternalReview.objects.filter(identity__in=[r.identity for r in batch])
            }
            new = [record for record in batch if record.identity not in existing]
            try:
                with transaction.atomic():
                    self._insert([self._new(record) for record in new])
                self.report.created += len(new)
            except (IntegrityError, DataError):
                for record in new:  # find the one that failed; the others still land
                    self._store_one(record, None)
            for record in batch:
                if (review := existing.get(record.identity)) is not None:
                    if self._changes(record, review):
                        self._store_one(record, review)
                    else:  # the common case on a re-import: no write, no savepoint
                        self.report.unchanged += 1
        self.progress(len(batch))

    def _insert(self, reviews: list[ExternalReview]) -> None:
        """One batch INSERT. On PostgreSQL through psycopg's executemany (server-side parameters,
        pipelined): Django's bulk_create quotes every value in Python and was half the import's
        time. Values are exactly the model fields'; any database error aborts the whole batch,
        and the caller retries record by record."""
        if not reviews or connection.vendor != "postgresql":
            ExternalReview.objects.bulk_create(reviews)
            return
        fields = [f for f in ExternalReview._meta.concrete_fields if not f.primary_key]
        json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            sql.Identifier(ExternalReview._meta.db_table),
            sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
            sql.SQL(", ").join(sql.Placeholder() * len(fields)),
        )
        now = timezone.now()
        rows = [
            tuple(
                now
                if f.attname == "updated_at"
                else Jsonb(getattr(review, f.attname))
                if f.attname in json_fields
                else getattr(review, f.attname)
                for f in fields
            )
            for review in reviews
        ]
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(query, rows)  # server-side parameters; errors as Django's

    def _new(self, record: ReviewRecord) -> ExternalReview:
        claim_id = self.claims.get(record.claim_key) if record.claim_key else None
        return ExternalReview(
            identity=record.identity,
            claim_id=claim_id,
            linked_by=LinkedBy.IMPORT if claim_id else LinkedBy.NOBODY,
            **record.fields,
        )

    def _store_one(self, record: ReviewRecord, review: ExternalReview | None) -> None:
        try:
            with transaction.atomic():
                if review is None:
                    try:
                        with transaction.atomic():
                            self._new(record).save(force_insert=True)
                        self.report.created += 1
                        return
                    except IntegrityError:  # a concurrent import stored it first
                        review = ExternalReview.objects.get(identity=record.identity)
                self._update(record, review)
        except DataError as exc:
            self.report.note(self.report.skipped, "the database refused a value", f"{record.path}: {exc}")

    def _changes(self, record: ReviewRecord, review: ExternalReview) -> list[str]:
        """Imported fields that differ, plus the claim link when import may now set it."""
        changed = [name for name in IMPORTED_FIELDS if getattr(review, name) != record.fields[name]]
        claim_id = self.claims.get(record.claim_key) if record.claim_key else None
        if review.linked_by != LinkedBy.EDITOR and claim_id and review.claim_id is None:
            changed += ["claim", "linked_by"]
        return changed

    def _update(self, record: ReviewRecord, review: ExternalReview) -> None:
        changed = self._changes(record, review)
        if not changed:
            self.report.unchanged += 1
            return
        for name in changed:
            if name in record.fields:  # a newer vocabulary may re-rate an unchanged record, too
                setattr(review, name, record.fields[name])
        if "claim" in changed:
            review.claim_id, review.linked_by = self.claims[record.claim_key], LinkedBy.IMPORT
        review.save(update_fields=[*changed, "updated_at"])
        self.report.updated += 1


def read_input(stream: IO[bytes], *, kind: str = "auto", limits: Limits | None = None) -> Iterator[Candidate]:
    """Candidates from a byte stream of JSON(-LD) or ClaimsKG CSV; `kind` is auto, json or csv."""
    limits = limits or Limits()
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)  # type: ignore[arg-type]
    if kind == "auto":
        first_line = stream.peek(8192).split(b"\n", 1)[0]
        kind = "csv" if b"claimReview_url" in first_line else "json"
    return iter(JSONReader(stream, limits)) if kind == "json" else _csv_records(stream, limits)


def import_reviews(
    stream: IO[bytes],
    *,
    kind: str = "auto",
    limits: Limits | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every review in `stream`; raises InputError when the input stops being readable
    (the records before that point are stored, each complete; running again is harmless)."""
    return Importer(progress=progress).run(read_input(stream, kind=kind, limits=limits))
