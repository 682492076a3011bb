"""What the public may see: the one place that decides it.

Published and retracted claims are public (a retraction is shown, never hidden); drafts and
claims in review are not, and nothing reachable from them is either. Only published verdicts
are public; a source is public only while a public claim cites it; claimants and topics only
while they have a public claim. The API, search, counts, schema examples and the ClaimReview
export all start from these functions, so a rule changes in one place.
"""

from django.db.models import Count, Exists, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery

from claims.models import Citation, Claim, Claimant, ExternalReview, Status, Topic, Verdict
from sources.models import Snapshot, Source

PUBLIC_STATUSES = (Status.PUBLISHED, Status.RETRACTED)
LISTED_STATUSES = (Status.PUBLISHED,)  # retracted claims are listed only when asked for


def public_claims() -> QuerySet[Claim]:
    """Every claim the public may reach by id: published or retracted."""
    return Claim.objects.filter(status__in=PUBLIC_STATUSES)


def published_claims() -> QuerySet[Claim]:
    """Claims in default lists, counts and the ClaimReview feed."""
    return Claim.objects.filter(status=Status.PUBLISHED)


def public_verdicts() -> QuerySet[Verdict]:
    """Verdicts that were published, on public claims (a verdict is published with its claim)."""
    return Verdict.objects.filter(published_at__isnull=False, claim__status__in=PUBLIC_STATUSES)


def with_current_verdict(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Join each claim's current published verdict as `current_verdict` (one row per claim)."""
    return claims.annotate(
        current_verdict=FilteredRelation(
            "verdicts",
            condition=Q(verdicts__is_current=True, verdicts__published_at__isnull=False),
        )
    )


def latest_snapshot_at(source_ref: str = "pk") -> Subquery:
    """When the newest snapshot of the source at `source_ref` was taken (for annotations)."""
    return Subquery(
        Snapshot.objects.filter(source=OuterRef(source_ref)).order_by("-taken_at").values("taken_at")[:1]
    )


def public_sources() -> QuerySet[Source]:
    """Sources cited by at least one public claim, with `latest_snapshot_at`."""
    cited = Citation.objects.filter(source=OuterRef("pk"), claim__status__in=PUBLIC_STATUSES)
    return Source.objects.filter(Exists(cited)).annotate(latest_snapshot_at=latest_snapshot_at())


def public_claimants() -> QuerySet[Claimant]:
    """Claimants with a public claim, with `claim_count` = their published claims."""
    public = Claim.objects.filter(claimant=OuterRef("pk"), status__in=PUBLIC_STATUSES)
    return Claimant.objects.filter(Exists(public)).annotate(
        claim_count=Count("claims", filter=Q(claims__status__in=LISTED_STATUSES), distinct=True)
    )


def public_topics() -> QuerySet[Topic]:
    """Topics with a public claim, with `claim_count` = their published claims."""
    public = Claim.topics.through.objects.filter(topic=OuterRef("pk"), claim__status__in=PUBLIC_STATUSES)
    return Topic.objects.filter(Exists(public)).annotate(
        claim_count=Count("claims", filter=Q(claims__status__in=LISTED_STATUSES), distinct=True)
    )


def public_claim_detail() -> QuerySet[Claim]:
    """Public claims with everything a detail view or a ClaimReview needs, prefetched.

    Prefetched: `public_verdicts` (published verdicts, newest first), `topics`, and
    `citations` with their source annotated with `latest_snapshot_at`.
    """
    return (
        public_claims()
        .select_related("claimant")
        .prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.filter(published_at__isnull=False).order_by("-published_at", "-id"),
                to_attr="public_verdicts",
            ),
            "topics",
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related("source")
                .annotate(latest_snapshot_at=latest_snapshot_at("source_id"))
                .order_by("role", "id"),
            ),
        )
    )


def public_external_reviews() -> QuerySet[ExternalReview]:
    """Other publishers' reviews of our public claims: shown as theirs, never as our verdicts."""
    return ExternalReview.objects.filter(claim__in=public_claims())
