"""What the public may see: the one place that decides it.

Published and retracted claims are public (a retraction is shown, never hidden); drafts and
claims in review are not, and nothing reachable from them is either. Only published verdicts
are public; a source is public only while a public claim cites it; claimants and topics only
while they have a public claim. The API, search, counts, schema examples and the ClaimReview
export all start from these functions, so a rule changes in one place.
"""

from django.db.models import Count, Exists, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery

from claims.models import PUBLIC_STATUSES, Citation, Claim, Claimant, ExternalReview, Status, Topic, Verdict
from sources.models import Snapshot, Source

LISTED_STATUSES = (Status.PUBLISHED,)  # retracted claims are listed only when asked for

# The rule, as ORM conditions (with a path `prefix` such as "claim__" or "verdicts__") and as
# SQL for the raw-SQL serializers and the search trigger. `Claim.is_public` reads the same
# PUBLIC_STATUSES; tests/claims/test_public_rule.py checks the trigger installed in the
# database against `current_public_verdict_sql`, so a rule change cannot miss it.


def public_claim_q(prefix: str = "") -> Q:
    """A claim the public may reach: published or retracted."""
    return Q(**{f"{prefix}status__in": PUBLIC_STATUSES})


def public_verdict_q(prefix: str = "") -> Q:
    """A verdict the public may read: one that was published (with its claim, or approved)."""
    return Q(**{f"{prefix}published_at__isnull": False})


def current_public_verdict_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}is_current": True}) & public_verdict_q(prefix)


def public_claim_sql(alias: str) -> str:
    statuses = ", ".join(f"'{status.value}'" for status in PUBLIC_STATUSES)
    return f"{alias}.status IN ({statuses})"


def public_verdict_sql(alias: str) -> str:
    return f"{alias}.published_at IS NOT NULL"


def current_public_verdict_sql(alias: str) -> str:
    return f"{alias}.is_current AND {public_verdict_sql(alias)}"


def public_claims() -> QuerySet[Claim]:
    """Every claim the public may reach by id: published or retracted."""
    return Claim.objects.filter(public_claim_q())


def published_claims() -> QuerySet[Claim]:
    """Claims in default lists, counts and the ClaimReview feed."""
    return Claim.objects.filter(status=Status.PUBLISHED)


def with_current_verdict(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Join each claim's current published verdict as `current_verdict` (one row per claim)."""
    return claims.annotate(
        current_verdict=FilteredRelation(
            "verdicts",
            condition=current_public_verdict_q("verdicts__"),
        )
    )


def latest_snapshot_at(source_ref: str = "pk") -> Subquery:
    """When the newest snapshot of the source at `source_ref` was taken (for annotations)."""
    return Subquery(
        Snapshot.objects.filter(source=OuterRef(source_ref)).order_by("-taken_at").values("taken_at")[:1]
    )


def public_sources() -> QuerySet[Source]:
    """Sources cited by at least one public claim, with `latest_snapshot_at`."""
    cited = Citation.objects.filter(public_claim_q("claim__"), source=OuterRef("pk"))
    return Source.objects.filter(Exists(cited)).annotate(latest_snapshot_at=latest_snapshot_at())


def public_claimants() -> QuerySet[Claimant]:
    """Claimants with a public claim, with `claim_count` = their published claims."""
    public = Claim.objects.filter(public_claim_q(), claimant=OuterRef("pk"))
    return Claimant.objects.filter(Exists(public)).annotate(
        claim_count=Count("claims", filter=Q(claims__status__in=LISTED_STATUSES), distinct=True)
    )


def public_topics() -> QuerySet[Topic]:
    """Topics with a public claim, with `claim_count` = their published claims."""
    public = Claim.topics.through.objects.filter(public_claim_q("claim__"), topic=OuterRef("pk"))
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
                queryset=Verdict.objects.filter(public_verdict_q()).order_by("-published_at", "-id"),
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
