"""schema.org ClaimReview: the one mapping between our claims and the format search engines read.

Export follows Google's fact-check structured data: the required `claimReviewed`,
`reviewRating.alternateName` and `url`, and the recommended `author`, `datePublished`,
`itemReviewed` (a `Claim` with its author, date, `appearance` and `firstAppearance`) and the
rating's numeric range. Import reads what other fact-checkers publish (single objects, arrays,
`@graph`, the `DataFeed` form), maps their rating text to our scale while keeping that text in
`Verdict.original_rating`, and goes through the editorial workflow like any other claim. An
imported verdict remembers its review's URL (`Verdict.imported_from`): re-importing is
idempotent, and our export credits the original fact-checker instead of claiming their work.
"""

import datetime
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from django.utils import timezone
from django.utils.text import slugify

from claims import workflow
from claims.models import (
    APPEARANCE_ROLES,
    RATING_BEST,
    RATING_WORST,
    Citation,
    CitationRole,
    Claim,
    Claimant,
    ClaimantKind,
    Language,
    Rating,
    Status,
    Verdict,
)
from sources.models import Source, SourceKind
from sources.urlnorm import InvalidURL, normalize_url

SCHEMA_CONTEXT = "https://schema.org"
CLAIMREVIEW_MEDIA_TYPE = "application/ld+json"


# --- Export ----------------------------------------------------------------------------------


def review_url(claim: Claim) -> str:
    """The canonical address of our review of `claim`: its public page on FACTCHECK_SITE_URL."""
    return settings.FACTCHECK_SITE_URL.rstrip("/") + claim.get_absolute_url()


def _organisation(name: str, url: str = "") -> dict[str, Any]:
    org = {"@type": "Organization", "name": name}
    if url:
        org["url"] = url
    return org


def _claim_author(claimant: Claimant) -> dict[str, Any]:
    author: dict[str, Any] = {"@type": ClaimantKind(claimant.kind).schema_type, "name": claimant.name}
    if claimant.wikidata_id:
        author["sameAs"] = f"https://www.wikidata.org/wiki/{claimant.wikidata_id}"
    return author


def _creative_work(citation: Citation) -> dict[str, Any]:
    source = citation.source
    work: dict[str, Any] = {"@type": "CreativeWork", "url": source.url}
    if source.title:
        work["headline"] = source.title
    if source.publisher:
        work["publisher"] = _organisation(source.publisher)
    if source.published_on:
        work["datePublished"] = source.published_on.isoformat()
    return work


def _inline_appearance(claim: Claim) -> dict[str, Any]:
    """Where the claim was made, described inline when no appearance URL was recorded.

    Google accepts "a link to, or inline description of, a CreativeWork in which this claim
    occurs"; the occasion, speaker and date are what we know.
    """
    return {
        "@type": "CreativeWork",
        "name": claim.context or claim.statement[:200],
        "author": _claim_author(claim.claimant),
        "datePublished": claim.claimed_on.isoformat(),
    }


def _review_rating(verdict: Verdict) -> dict[str, Any]:
    rating = Rating(verdict.rating)
    result: dict[str, Any] = {
        "@type": "Rating",
        "alternateName": verdict.original_rating or rating.label,
    }
    if rating.score:  # "unproven" has no place on a true-false scale: no number is honest
        result |= {"ratingValue": rating.score, "bestRating": RATING_BEST, "worstRating": RATING_WORST}
    return result


def claim_review(claim: Claim) -> dict[str, Any]:
    """The ClaimReview of a published claim from `selectors.public_claim_detail()`."""
    verdict = next(v for v in claim.public_verdicts if v.is_current)
    citations = list(claim.citations.all())
    appearances = [c for c in citations if c.role in APPEARANCE_ROLES]
    first = next((c for c in appearances if c.role == CitationRole.FIRST_APPEARANCE), None)
    if first is None and appearances:
        first = min(appearances, key=lambda c: (c.source.published_on or datetime.date.max, c.id))
    seen: set[int] = set()
    appearance_works = []
    for citation in appearances:
        if citation.source_id not in seen:
            seen.add(citation.source_id)
            appearance_works.append(_creative_work(citation))
    publisher = settings.FACTCHECK_PUBLISHER
    if verdict.imported_from:
        author = _organisation(verdict.author_name or publisher["name"])
        url = verdict.imported_from
    else:
        author = _organisation(publisher["name"], publisher["url"])
        url = review_url(claim)
    published = claim.published_at or verdict.published_at
    review: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.statement,
        "datePublished": published.date().isoformat(),
        "author": author,
        "inLanguage": claim.language,
        "headline": verdict.headline,
        "reviewBody": verdict.reasoning,
        "reviewRating": _review_rating(verdict),
        "itemReviewed": {
            "@type": "Claim",
            "author": _claim_author(claim.claimant),
            "datePublished": claim.claimed_on.isoformat(),
            "appearance": appearance_works or [_inline_appearance(claim)],
            "firstAppearance": _creative_work(first) if first else _inline_appearance(claim),
        },
    }
    if verdict.published_at and verdict.published_at.date() > published.date():
        review["dateModified"] = verdict.published_at.date().isoformat()
    return review


def claim_review_feed(claims: Iterable[Claim]) -> dict[str, Any]:
    """All given reviews as one schema.org DataFeed, the form fact-check aggregators ingest."""
    elements = []
    for claim in claims:
        if not is_public_review(claim):
            continue
        review = claim_review(claim)
        del review["@context"]
        elements.append(
            {"@type": "DataFeedItem", "dateCreated": claim.published_at.isoformat(), "item": [review]}
        )
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "DataFeed",
        "name": f"{settings.FACTCHECK_PUBLISHER['name']} ClaimReview feed",
        "dateModified": timezone.now().isoformat(),
        "dataFeedElement": elements,
    }


# --- Rating mapping --------------------------------------------------------------------------

FOREIGN_RATINGS: dict[str, Rating] = {
    **dict.fromkeys(
        ["true", "correct", "accurate", "verified", "правда", "це правда", "это правда", "верно"], Rating.TRUE
    ),
    **dict.fromkeys(
        [
            "mostly true",
            "mostly correct",
            "mostly accurate",
            "largely true",
            "largely accurate",
            "переважно правда",
            "в основном правда",
            "скорее правда",
        ],
        Rating.MOSTLY_TRUE,
    ),
    **dict.fromkeys(
        [
            "half true",
            "half-true",
            "mixture",
            "mixed",
            "partly true",
            "partially true",
            "напівправда",
            "полуправда",
            "частково правда",
            "частично правда",
        ],
        Rating.MIXED,
    ),
    **dict.fromkeys(
        [
            "misleading",
            "missing context",
            "lacks context",
            "needs context",
            "out of context",
            "cherry-picked",
            "exaggerated",
            "exaggeration",
            "spin",
            "distorted",
            "маніпуляція",
            "манипуляция",
            "вводить в оману",
            "вводит в заблуждение",
        ],
        Rating.MISLEADING,
    ),
    **dict.fromkeys(
        [
            "mostly false",
            "partly false",
            "partially false",
            "largely false",
            "largely inaccurate",
            "переважно неправда",
            "в основном неправда",
            "скорее неправда",
        ],
        Rating.MOSTLY_FALSE,
    ),
    **dict.fromkeys(
        [
            "false",
            "pants on fire",
            "fake",
            "incorrect",
            "inaccurate",
            "wrong",
            "altered",
            "fabricated",
            "four pinocchios",
            "hoax",
            "неправда",
            "фейк",
            "ложь",
            "брехня",
            "неверно",
        ],
        Rating.FALSE,
    ),
    **dict.fromkeys(
        [
            "unproven",
            "unverified",
            "unsupported",
            "unsubstantiated",
            "no evidence",
            "not proven",
            "research in progress",
            "не доведено",
            "не доказано",
            "недостатньо доказів",
        ],
        Rating.UNPROVEN,
    ),
}


def _normalise_rating_text(text: str) -> str:
    text = re.sub(r"[\s_]+", " ", text.strip().lower())
    return text.strip(" .!?:;“”\"'«»")


def map_foreign_rating(
    text: str, *, value: float | None = None, best: float = 5, worst: float = 1
) -> Rating | None:
    """Our rating for another fact-checker's: by their words first, then by their number.

    A number is placed proportionally on our 1-6 scale. None means neither can be trusted.
    """
    if text and (known := FOREIGN_RATINGS.get(_normalise_rating_text(text))):
        return known
    if value is not None and best != worst and min(worst, best) <= value <= max(worst, best):
        position = (value - worst) / (best - worst)
        score = RATING_WORST + round(position * (RATING_BEST - RATING_WORST))
        return next(r for r in Rating if r.score == score)
    return None


# --- Import ----------------------------------------------------------------------------------


class UnusableRecord(ValueError):
    """A record that cannot be imported; the message says why."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def _type_name(node: dict[str, Any]) -> str:
    kinds = node.get("@type", "")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    names = [re.split(r"[/:#]", str(k))[-1] for k in kinds]
    return "ClaimReview" if "ClaimReview" in names else ",".join(n for n in names if n) or "(no @type)"


def iter_records(data: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Every candidate record in a JSON-LD document, with a path that locates it for reports."""
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from iter_records(item, f"{path}[{index}]")
        return
    if not isinstance(data, dict):
        yield path, data
        return
    if "@graph" in data:
        graph = data["@graph"]
        ids = (
            {n["@id"]: n for n in graph if isinstance(n, dict) and "@id" in n}
            if isinstance(graph, list)
            else {}
        )
        for sub_path, node in iter_records(graph, f"{path}.@graph"):
            yield sub_path, _resolve(node, ids) if ids else node
        return
    kind = _type_name(data)
    if kind == "DataFeed":
        yield from iter_records(data.get("dataFeedElement", []), f"{path}.dataFeedElement")
    elif kind == "DataFeedItem":
        yield from iter_records(data.get("item", []), f"{path}.item")
    else:
        yield path, data


def _resolve(node: Any, ids: dict[str, Any], depth: int = 0) -> Any:
    """Replace {"@id": ...} references to other @graph nodes by those nodes (bounded depth)."""
    if depth > 5:
        return node
    if isinstance(node, list):
        return [_resolve(n, ids, depth + 1) for n in node]
    if isinstance(node, dict):
        if set(node) == {"@id"} and node["@id"] in ids:
            return _resolve(ids[node["@id"]], ids, depth + 1)
        return {k: _resolve(v, ids, depth + 1) for k, v in node.items()}
    return node


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _text(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value).replace("\x00", "").strip()


def _date(value: Any) -> datetime.date | None:
    value = _text(value)
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return None
    try:
        return datetime.date(*map(int, match.groups()))
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    value = _first(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def _url(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id") or ""
    return normalize_url(value) if isinstance(value, str) and value.strip() else ""


def _language(value: Any) -> str:
    code = _text(value).lower().split("-")[0]
    return code if code in Language.values else Language.OTHER


CLAIMANT_KINDS = {
    "Person": ClaimantKind.PERSON,
    "GovernmentOrganization": ClaimantKind.GOVERNMENT,
    "NewsMediaOrganization": ClaimantKind.MEDIA,
}
WIKIDATA = re.compile(r"^https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/(Q[1-9][0-9]*)$")


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _unique_slug(model: type, text: str, key: str, max_length: int) -> str:
    base = slugify(text)[: max_length - 11].strip("-")
    slug = f"{base}-{_short_hash(key)}" if base else f"{model._meta.model_name}-{_short_hash(key)}"
    return slug


def _claimant(author: Any) -> Claimant:
    author = _first(author)
    name = _text(author)
    if not name:
        raise UnusableRecord("itemReviewed.author has no name: whose claim is it?")
    kind = ClaimantKind.ORGANISATION
    wikidata_id = ""
    if isinstance(author, dict):
        kind = CLAIMANT_KINDS.get(_type_name(author), kind)
        same_as = author.get("sameAs") or []
        for link in same_as if isinstance(same_as, list) else [same_as]:
            if isinstance(link, str) and (match := WIKIDATA.match(link.strip())):
                wikidata_id = match.group(1)
    if wikidata_id and (found := Claimant.objects.filter(wikidata_id=wikidata_id).first()):
        return found
    if found := Claimant.objects.filter(name__iexact=name[:200]).order_by("id").first():
        return found
    return Claimant.objects.create(
        name=name[:200],
        kind=kind,
        slug=_unique_slug(Claimant, name, name, 200),
        wikidata_id=wikidata_id,
        description="Imported from another fact-checker's ClaimReview.",
    )


def _source(url: str, *, title: str = "", publisher: str = "", kind: str = SourceKind.WEB_PAGE) -> Source:
    source, _ = Source.objects.get_or_create(
        url=url, defaults={"title": title[:500], "publisher": publisher[:200], "kind": kind}
    )
    return source


@dataclass
class ParsedReview:
    url: str
    statement: str
    rating: Rating
    original_rating: str
    headline: str
    reasoning: str
    fact_checker: str
    claimed_on: datetime.date
    language: str
    author: Any
    appearances: list[tuple[str, CitationRole]]
    warnings: list[str]


def parse_claim_review(node: Any) -> ParsedReview:
    """Validate one ClaimReview node into the values we store, or raise UnusableRecord."""
    if not isinstance(node, dict):
        raise UnusableRecord(f"not a JSON object but {type(node).__name__}")
    if (kind := _type_name(node)) != "ClaimReview":
        raise UnusableRecord(f"not a ClaimReview (@type {kind})")
    statement = _text(node.get("claimReviewed"))
    if not statement:
        raise UnusableRecord("claimReviewed is missing or empty")
    try:
        url = _url(node.get("url"))
    except InvalidURL as exc:
        raise UnusableRecord(f"url is not usable: {exc}") from exc
    if not url:
        raise UnusableRecord("url is missing (Google requires the review's URL)")
    if url.startswith(normalize_url(settings.FACTCHECK_SITE_URL)):
        raise UnusableRecord("this is one of our own reviews (its url is on FACTCHECK_SITE_URL)")
    rating_node = _first(node.get("reviewRating"))
    if not isinstance(rating_node, dict):
        raise UnusableRecord("reviewRating is missing")
    original = _text(rating_node.get("alternateName")) or _text(rating_node.get("name"))
    value = _number(rating_node.get("ratingValue"))
    best = _number(rating_node.get("bestRating"))
    worst = _number(rating_node.get("worstRating"))
    rating = map_foreign_rating(
        original, value=value, best=5 if best is None else best, worst=1 if worst is None else worst
    )
    if rating is None:
        raise UnusableRecord(
            f"reviewRating {original or value!r} cannot be mapped to our scale (no known text, no usable number)"
        )
    item = _first(node.get("itemReviewed")) or {}
    if not isinstance(item, dict):
        item = {}
    warnings: list[str] = []
    appearances: list[tuple[str, CitationRole]] = []
    for key, role in (
        ("firstAppearance", CitationRole.FIRST_APPEARANCE),
        ("appearance", CitationRole.APPEARANCE),
    ):
        values = item.get(key) or []
        for value_node in values if isinstance(values, list) else [values]:
            try:
                link = _url(value_node)
            except InvalidURL as exc:
                warnings.append(f"{key} ignored: {exc}")
                continue
            if link and (
                role == CitationRole.FIRST_APPEARANCE
                or (link, CitationRole.FIRST_APPEARANCE) not in appearances
            ):
                appearances.append((link, role))
    first_seen = _first(item.get("firstAppearance"))
    claimed_on = (
        _date(item.get("datePublished"))
        or (_date(first_seen.get("datePublished")) if isinstance(first_seen, dict) else None)
        or _date(node.get("datePublished"))
    )
    if claimed_on is None:
        raise UnusableRecord("no date for the claim (itemReviewed.datePublished or datePublished)")
    fact_checker = _text(node.get("author")) or (_text(node.get("publisher")) or url.split("/")[2])
    headline = _text(node.get("headline")) or _text(node.get("name")) or f"Rated “{original or rating.label}”"
    reasoning = (
        _text(node.get("reviewBody"))
        or _text(node.get("description"))
        or f"{fact_checker} rated this claim “{original or rating.label}”. Full review: {url}"
    )
    return ParsedReview(
        url=url,
        statement=statement,
        rating=rating,
        original_rating=original[:200],
        headline=headline[:300],
        reasoning=reasoning,
        fact_checker=fact_checker[:200],
        claimed_on=claimed_on,
        language=_language(node.get("inLanguage")),
        author=item.get("author"),
        appearances=appearances,
        warnings=warnings,
    )


def _cite(claim: Claim, appearances: list[tuple[str, CitationRole]]) -> None:
    """Cite each appearance once, whichever appearance role it came with."""
    for link, role in appearances:
        source = _source(link)
        if claim.citations.filter(source=source, role__in=APPEARANCE_ROLES).exists():
            continue
        if role == CitationRole.FIRST_APPEARANCE and claim.citations.filter(role=role).exists():
            role = CitationRole.APPEARANCE
        Citation.objects.create(claim=claim, source=source, role=role)


def import_claim_review(node: Any) -> tuple[str, Claim, list[str]]:
    """Import one ClaimReview; returns ("created" | "updated" | "unchanged", claim, warnings).

    Runs in its own transaction: a record that fails leaves nothing behind.
    """
    review = parse_claim_review(node)
    with transaction.atomic():
        existing = Verdict.objects.filter(imported_from=review.url).select_related("claim").first()
        if existing is not None:
            claim = existing.claim
            _cite(claim, review.appearances)
            current = claim.verdicts.filter(is_current=True).first()
            same = current is not None and (
                current.imported_from == review.url
                and (current.rating, current.original_rating, current.headline, current.reasoning)
                == (review.rating, review.original_rating, review.headline, review.reasoning)
            )
            if same:
                return "unchanged", claim, review.warnings
            _record(claim, review)
            return "updated", claim, review.warnings
        claimant = _claimant(review.author)
        claim = Claim.objects.create(
            statement=review.statement,
            claimant=claimant,
            claimed_on=review.claimed_on,
            language=review.language,
            slug=_unique_slug(Claim, review.statement, review.url, 200),
        )
        _cite(claim, review.appearances)
        evidence = _source(
            review.url, title=review.headline, publisher=review.fact_checker, kind=SourceKind.NEWS_ARTICLE
        )
        Citation.objects.get_or_create(claim=claim, source=evidence, role=CitationRole.CONTEXT)
        _record(claim, review)
        workflow.submit_for_review(claim, user=None)
        workflow.publish_claim(claim, user=None)
    return "created", claim, review.warnings


def _record(claim: Claim, review: ParsedReview) -> None:
    workflow.record_verdict(
        claim,
        user=None,
        rating=review.rating,
        headline=review.headline,
        reasoning=review.reasoning,
        author_name=review.fact_checker,
        original_rating=review.original_rating,
        verdict=Verdict(imported_from=review.url),
    )


def import_claim_reviews(data: Any) -> ImportReport:
    """Import every ClaimReview in a parsed JSON-LD document; report each one not used, and why."""
    report = ImportReport()
    for path, node in iter_records(data):
        try:
            outcome, claim, warnings = import_claim_review(node)
        except UnusableRecord as exc:
            report.skipped.append((path, str(exc)))
            continue
        except ValidationError as exc:  # includes the workflow's refusals
            report.skipped.append((path, "; ".join(exc.messages)))
            continue
        except DataError as exc:
            report.skipped.append((path, f"the database refused a value: {exc}"))
            continue
        getattr(report, outcome).append(f"{path} → claim {claim.pk} ({claim.slug})")
        report.warnings.extend((path, warning) for warning in warnings)
    return report


def is_public_review(claim: Claim) -> bool:
    """Only published claims with a current published verdict have a ClaimReview; a retracted
    one is withdrawn from the feed. `claim` comes from `selectors.public_claim_detail()`."""
    return claim.status == Status.PUBLISHED and any(v.is_current for v in claim.public_verdicts)
