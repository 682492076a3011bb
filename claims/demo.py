"""The first data set: the claims of the seed article on the 2025 Istanbul talks.

Kept as Python data (not a JSON fixture) so it goes through the same models and workflow as
editors' work, and cannot drift from the schema. `load_demo()` is idempotent: records are
matched by slug or URL and only created or brought back to this content.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from claims import workflow
from claims.models import Citation, CitationRole, Claim, Claimant, ClaimantKind, Rating, Status, Topic
from sources.models import Source, SourceKind

WIKI = "https://en.wikipedia.org/wiki/"

TOPICS = {
    "russia-ukraine-war": "Russia–Ukraine war",
    "peace-talks": "Peace talks",
    "bucha": "Bucha killings",
    "sanctions": "Sanctions",
}

CLAIMANTS = {
    "vladimir-medinsky": (
        ClaimantKind.PERSON,
        "Vladimir Medinsky",
        "RU",
        "Aide to the Russian president; head of Russia's delegation at the 2022 and 2025 Istanbul talks.",
    ),
    "government-of-russia": (
        ClaimantKind.GOVERNMENT,
        "Government of Russia",
        "RU",
        "Positions put forward by the Russian delegation at the 2022 Istanbul talks.",
    ),
    "the-wall-street-journal": (
        ClaimantKind.MEDIA,
        "The Wall Street Journal",
        "US",
        "US daily newspaper.",
    ),
    "istanbul-talks-report-2025": (
        ClaimantKind.MEDIA,
        "Istanbul talks report (May 2025)",
        "UA",
        "The news report in the project's seed data set; its outlet is not named in the text.",
    ),
}

SOURCES = {
    "Vladimir_Medinsky": ("Vladimir Medinsky", SourceKind.REFERENCE),
    "Bucha_massacre": ("Bucha massacre", SourceKind.REFERENCE),
    "Viktor_Medvedchuk": ("Viktor Medvedchuk", SourceKind.REFERENCE),
    "Donbas": ("Donbas", SourceKind.REFERENCE),
    "Constitution_of_Ukraine": ("Constitution of Ukraine", SourceKind.REFERENCE),
    "Armed_Forces_of_Ukraine": ("Armed Forces of Ukraine", SourceKind.REFERENCE),
    "Neutral_country": ("Neutral country", SourceKind.REFERENCE),
    "Russian_invasion_of_Ukraine": ("Russian invasion of Ukraine", SourceKind.REFERENCE),
    "Marco_Rubio": ("Marco Rubio", SourceKind.REFERENCE),
    "Steve_Witkoff": ("Steve Witkoff", SourceKind.REFERENCE),
    "Keith_Kellogg": ("Keith Kellogg", SourceKind.REFERENCE),
    "Andrii_Sybiha": ("Andrii Sybiha", SourceKind.REFERENCE),
}


@dataclass(frozen=True)
class DemoClaim:
    slug: str
    claimant: str
    statement: str
    claimed_on: date
    context: str
    topics: tuple[str, ...]
    status: Status
    citations: tuple[tuple[str, CitationRole, str], ...]
    verdict: tuple[Rating, str, str] | None = None
    language: str = "en"


TALKS_2025 = "Ahead of the Russia–Ukraine talks in Istanbul, May 2025"
TALKS_2022 = "Russia–Ukraine negotiations in Istanbul, March 2022"

CLAIMS = [
    DemoClaim(
        slug="russian-delegation-2025-led-by-medinsky-and-fomin",
        claimant="the-wall-street-journal",
        statement=(
            "Vladimir Putin ignored Volodymyr Zelenskyy's call for a personal meeting and instead sent "
            "a delegation to Türkiye headed by Vladimir Medinsky and Deputy Defence Minister "
            "Alexander Fomin."
        ),
        claimed_on=date(2025, 5, 15),
        context=TALKS_2025,
        topics=("peace-talks", "russia-ukraine-war"),
        status=Status.PUBLISHED,
        citations=(
            ("Vladimir_Medinsky", CitationRole.SUPPORTS, "Medinsky led the Russian delegation."),
            ("Russian_invasion_of_Ukraine", CitationRole.CONTEXT, ""),
        ),
        verdict=(
            Rating.TRUE,
            "Medinsky and Fomin again represent Moscow, as in 2022",
            "The Kremlin named Vladimir Medinsky head of its delegation to Istanbul, with Deputy "
            "Defence Minister Alexander Fomin among its members: the same officials who represented "
            "Russia in the failed talks of 2022. Putin did not travel.",
        ),
    ),
    DemoClaim(
        slug="russia-2022-demanded-medvedchuk-as-head-of-state",
        claimant="government-of-russia",
        statement="Ukraine must appoint the pro-Russian former MP Viktor Medvedchuk as head of state.",
        claimed_on=date(2022, 3, 29),
        context=TALKS_2022,
        topics=("peace-talks", "russia-ukraine-war"),
        status=Status.REVIEW,
        citations=(("Viktor_Medvedchuk", CitationRole.CONTEXT, ""),),
        verdict=(
            Rating.UNPROVEN,
            "Reported demand; the negotiating documents are not public",
            "The demand is reported by the seed article; we have not yet seen a primary document "
            "or an on-the-record source for it.",
        ),
    ),
    DemoClaim(
        slug="russia-2022-demanded-donbas-in-constitution",
        claimant="government-of-russia",
        statement=(
            "Russia must have full control over Donbas, and Ukraine must amend its Constitution to "
            "recognise it."
        ),
        claimed_on=date(2022, 3, 29),
        context=TALKS_2022,
        topics=("peace-talks", "russia-ukraine-war"),
        status=Status.REVIEW,
        citations=(
            ("Donbas", CitationRole.CONTEXT, ""),
            ("Constitution_of_Ukraine", CitationRole.CONTEXT, ""),
        ),
    ),
    DemoClaim(
        slug="russia-2022-demanded-army-of-50000",
        claimant="government-of-russia",
        statement="Ukraine must reduce its armed forces to 50,000 personnel.",
        claimed_on=date(2022, 3, 29),
        context=TALKS_2022,
        topics=("peace-talks", "russia-ukraine-war"),
        status=Status.DRAFT,
        citations=(("Armed_Forces_of_Ukraine", CitationRole.CONTEXT, ""),),
    ),
    DemoClaim(
        slug="russia-2022-demanded-neutrality-referendum",
        claimant="government-of-russia",
        statement="Ukraine must hold a referendum on adopting a neutral status.",
        claimed_on=date(2022, 3, 29),
        context=TALKS_2022,
        topics=("peace-talks", "russia-ukraine-war"),
        status=Status.DRAFT,
        citations=(("Neutral_country", CitationRole.CONTEXT, ""),),
    ),
    DemoClaim(
        slug="medinsky-bucha-killings-staged",
        claimant="vladimir-medinsky",
        statement="Ukraine staged the killings in Bucha; Russian troops did not commit them.",
        claimed_on=date(2022, 4, 6),
        context="Statement by the head of the Russian delegation, 6 April 2022",
        topics=("bucha", "russia-ukraine-war"),
        status=Status.PUBLISHED,
        citations=(
            ("Bucha_massacre", CitationRole.FIRST_APPEARANCE, ""),
            (
                "Bucha_massacre",
                CitationRole.REFUTES,
                "Bodies of civilians killed during the Russian occupation were documented by "
                "journalists, satellite imagery and international investigators.",
            ),
            ("Vladimir_Medinsky", CitationRole.CONTEXT, ""),
        ),
        verdict=(
            Rating.FALSE,
            "The Bucha killings were not staged",
            "Satellite images taken while Russian forces held Bucha show bodies in the streets where "
            "they were later found; survivors, journalists and UN and international investigators "
            "documented the killings of civilians by Russian troops. There is no evidence that "
            "Ukraine staged them.",
        ),
    ),
    DemoClaim(
        slug="medinsky-under-us-and-canadian-sanctions",
        claimant="istanbul-talks-report-2025",
        statement=(
            "Since 2017 Vladimir Medinsky has been under US sanctions, and since 2022 under Canadian "
            "sanctions, for spreading disinformation justifying Russian aggression against Ukraine."
        ),
        claimed_on=date(2025, 5, 15),
        context=TALKS_2025,
        topics=("sanctions",),
        status=Status.REVIEW,
        citations=(("Vladimir_Medinsky", CitationRole.CONTEXT, ""),),
        verdict=(
            Rating.UNPROVEN,
            "Sanction dates still being checked against the official lists",
            "The Canadian listing of 2022 is documented; the 2017 US date has not yet been matched "
            "to an entry on the US Treasury's sanctions list.",
        ),
    ),
    DemoClaim(
        slug="us-delegation-rubio-witkoff-kellogg",
        claimant="istanbul-talks-report-2025",
        statement=(
            "Donald Trump declined to travel to Türkiye; Secretary of State Marco Rubio and envoys "
            "Steve Witkoff and Keith Kellogg lead the US delegation."
        ),
        claimed_on=date(2025, 5, 15),
        context=TALKS_2025,
        topics=("peace-talks",),
        status=Status.PUBLISHED,
        citations=(
            ("Marco_Rubio", CitationRole.SUPPORTS, ""),
            ("Steve_Witkoff", CitationRole.SUPPORTS, ""),
            ("Keith_Kellogg", CitationRole.SUPPORTS, ""),
        ),
        verdict=(
            Rating.TRUE,
            "Rubio, Witkoff and Kellogg went; Trump did not",
            "The White House confirmed that the president would not attend and that Secretary of "
            "State Rubio would lead the US side with special envoys Witkoff and Kellogg.",
        ),
    ),
    DemoClaim(
        slug="sybiha-met-rubio-to-coordinate-positions",
        claimant="istanbul-talks-report-2025",
        statement=(
            "Ukraine's Foreign Minister Andrii Sybiha met Marco Rubio on Thursday morning to "
            "“coordinate positions during this critical week”."
        ),
        claimed_on=date(2025, 5, 15),
        context=TALKS_2025,
        topics=("peace-talks",),
        status=Status.DRAFT,
        citations=(("Andrii_Sybiha", CitationRole.CONTEXT, ""),),
    ),
]


def load_demo() -> dict[str, int]:
    """Create or refresh the demo records; return how many of each were created."""
    created = {"topics": 0, "claimants": 0, "sources": 0, "claims": 0, "verdicts": 0, "citations": 0}
    with transaction.atomic():
        topics = {}
        for slug, name in TOPICS.items():
            topics[slug], new = Topic.objects.get_or_create(slug=slug, defaults={"name": name})
            created["topics"] += new
        claimants = {}
        for slug, (kind, name, country, description) in CLAIMANTS.items():
            claimants[slug], new = Claimant.objects.get_or_create(
                slug=slug,
                defaults={"kind": kind, "name": name, "country": country, "description": description},
            )
            created["claimants"] += new
        sources = {}
        for page, (title, kind) in SOURCES.items():
            sources[page], new = Source.objects.get_or_create(
                url=WIKI + page,
                defaults={"title": title, "publisher": "Wikipedia", "kind": kind, "language": "en"},
            )
            created["sources"] += new
        for item in CLAIMS:
            claim, new = Claim.objects.get_or_create(
                slug=item.slug,
                defaults={
                    "claimant": claimants[item.claimant],
                    "statement": item.statement,
                    "claimed_on": item.claimed_on,
                    "context": item.context,
                    "language": item.language,
                },
            )
            created["claims"] += new
            if new:
                claim.topics.set([topics[slug] for slug in item.topics])
            for page, role, quote in item.citations:
                _, new_citation = Citation.objects.get_or_create(
                    claim=claim, source=sources[page], role=role, defaults={"quote": quote}
                )
                created["citations"] += new_citation
            if item.verdict and not claim.verdicts.exists():
                rating, headline, reasoning = item.verdict
                workflow.record_verdict(
                    claim,
                    user=None,
                    rating=rating,
                    headline=headline,
                    reasoning=reasoning,
                    author_name="factcheck desk",
                )
                created["verdicts"] += 1
            if new:
                _advance(claim, item.status)
    return created


def _advance(claim: Claim, status: Status) -> None:
    """Walk a new demo claim through the workflow to its demo status."""
    if status in (Status.REVIEW, Status.PUBLISHED):
        workflow.submit_for_review(claim, user=None)
    if status == Status.PUBLISHED:
        workflow.publish_claim(claim, user=None)
