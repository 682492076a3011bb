"""A small world of public and unpublished records, and markers that must never leak."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.test import Client

from claims import workflow
from claims.models import CitationRole, Claim, Claimant, ClaimantKind, Language, Rating, Status, Topic
from sources.models import Source
from tests.factories import CitationFactory, ClaimantFactory, ClaimFactory, SourceFactory, TopicFactory


@dataclass
class World:
    published: Claim
    russian: Claim
    ukrainian: Claim
    retracted: Claim
    draft: Claim
    review: Claim
    claimant: Claimant
    secret_claimant: Claimant
    topic: Topic
    secret_topic: Topic
    shared_source: Source
    secret_source: Source
    secrets: list[str] = field(default_factory=list)

    @property
    def public(self) -> list[Claim]:
        return [self.published, self.russian, self.ukrainian, self.retracted]


def publish_with_verdict(
    claim: Claim, *, rating: Rating = Rating.FALSE, headline: str = "False", reasoning: str = "No."
) -> Claim:
    workflow.record_verdict(claim, user=None, rating=rating, headline=headline, reasoning=reasoning)
    workflow.submit_for_review(claim, user=None)
    return workflow.publish_claim(claim, user=None)


@pytest.fixture
def client() -> Client:
    """Anonymous client; throttling is per address, the cache is cleared around each test."""
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def world(db) -> World:
    claimant = ClaimantFactory(name="Alice Public", slug="alice-public", kind=ClaimantKind.PERSON)
    secret_claimant = ClaimantFactory(name="Zebulon Hiddenperson", slug="zebulon-hiddenperson")
    topic = TopicFactory(name="Bridges", slug="bridges")
    secret_topic = TopicFactory(name="Quarantined topic", slug="quarantined-topic")
    shared = SourceFactory(url="https://news.example.org/shared-evidence", title="Shared evidence")
    secret_source = SourceFactory(url="https://secret.example.org/only-drafts", title="Draft-only source")
    appearance = SourceFactory(url="https://tv.example.org/interview", title="The interview")

    published = ClaimFactory(
        statement="The Danube bridge was closed for repairs in March.",
        context="Press briefing on infrastructure",
        claimant=claimant,
        claimed_on=datetime.date(2024, 3, 1),
        slug="danube-bridge-closed",
    )
    published.topics.add(topic)
    CitationFactory(claim=published, source=shared, role=CitationRole.REFUTES, quote="Open all month.")
    CitationFactory(claim=published, source=appearance, role=CitationRole.FIRST_APPEARANCE)
    # A verdict superseded before publication is never public...
    workflow.record_verdict(
        published,
        user=None,
        rating=Rating.TRUE,
        headline="Unpublished early take",
        reasoning="Wobbly draft reasoning.",
    )
    publish_with_verdict(
        published, rating=Rating.MOSTLY_FALSE, headline="Mostly false: it was open", reasoning="Traffic data."
    )
    # ...while a verdict recorded after publication is published at once.
    workflow.record_verdict(
        published,
        user=None,
        rating=Rating.FALSE,
        headline="False: it never closed",
        reasoning="Camera footage.",
    )

    russian = ClaimFactory(
        statement="Переговоры в Стамбуле провалились из-за Украины.",
        language=Language.RUSSIAN,
        claimant=claimant,
        claimed_on=datetime.date(2022, 3, 30),
        slug="istanbul-talks-failed",
    )
    CitationFactory(claim=russian, source=shared)
    publish_with_verdict(russian, headline="Неправда", reasoning="Переговоры продолжались.")

    ukrainian = ClaimFactory(
        statement="Міст через Дніпро відкрили вчора.",
        language=Language.UKRAINIAN,
        claimant=ClaimantFactory(name="Bohdan Publicenko", slug="bohdan-publicenko"),
        claimed_on=datetime.date(2023, 6, 1),
        slug="dnipro-bridge-opened",
    )
    CitationFactory(claim=ukrainian)
    publish_with_verdict(ukrainian, rating=Rating.TRUE, headline="True", reasoning="Відкрили.")

    retracted = ClaimFactory(
        statement="The harbour ferry carried a million passengers.",
        claimant=claimant,
        claimed_on=datetime.date(2021, 1, 5),
        slug="harbour-ferry-million",
    )
    CitationFactory(claim=retracted)
    publish_with_verdict(
        retracted, rating=Rating.MISLEADING, headline="Misleading count", reasoning="Counted twice."
    )
    workflow.retract_claim(retracted, user=None, reason="We misread the operator's report.")
    # A verdict recorded on a retracted claim is not published: it must stay hidden.
    workflow.record_verdict(
        retracted,
        user=None,
        rating=Rating.TRUE,
        headline="Clandestine reversal",
        reasoning="Xylophonic notes.",
    )

    draft = ClaimFactory(
        statement="The zanzibarian canal will be drained next week.",
        claimant=secret_claimant,
        claimed_on=datetime.date(2024, 3, 2),
        slug="secret-draft-claim",
    )
    draft.topics.add(secret_topic)
    CitationFactory(claim=draft, source=secret_source)
    CitationFactory(claim=draft, source=shared, role=CitationRole.SUPPORTS)
    workflow.record_verdict(
        draft, user=None, rating=Rating.TRUE, headline="Quixotic verdict", reasoning="Hush."
    )

    review = ClaimFactory(
        statement="Bridges in the capital are all closed for good.",
        claimant=claimant,
        claimed_on=datetime.date(2024, 3, 3),
        slug="bridges-review-claim",
    )
    review.topics.add(topic)
    CitationFactory(claim=review, source=shared)
    workflow.record_verdict(
        review, user=None, rating=Rating.FALSE, headline="Pending headline", reasoning="Pending."
    )
    workflow.submit_for_review(review, user=None)
    assert review.__class__.objects.get(pk=review.pk).status == Status.REVIEW

    secrets = [
        "zanzibarian",
        "secret-draft-claim",
        "Zebulon",
        "zebulon-hiddenperson",
        "Quarantined",
        "quarantined-topic",
        "secret.example.org",
        "Quixotic",
        "Bridges in the capital",
        "bridges-review-claim",
        "Pending headline",
        "Unpublished early take",
        "Wobbly draft",
        "Clandestine",
        "Xylophonic",
    ]
    return World(
        published=Claim.objects.get(pk=published.pk),
        russian=Claim.objects.get(pk=russian.pk),
        ukrainian=Claim.objects.get(pk=ukrainian.pk),
        retracted=Claim.objects.get(pk=retracted.pk),
        draft=draft,
        review=review,
        claimant=claimant,
        secret_claimant=secret_claimant,
        topic=topic,
        secret_topic=secret_topic,
        shared_source=shared,
        secret_source=secret_source,
        secrets=secrets,
    )


def assert_no_secrets(body: bytes | str, world: World) -> None:
    text = body.decode() if isinstance(body, bytes) else body
    leaked = [s for s in world.secrets if s.lower() in text.lower()]
    assert not leaked, f"unpublished data leaked: {leaked}"
