"""Claimants, claims, verdicts, citations and topics: the editorial data.

State changes (submit, publish, retract, new verdict) go through claims/workflow.py, which
enforces the rules; the database enforces the invariants that must never be false.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from simple_history.models import HistoricalRecords

from sources.models import Source


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClaimantKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"
    GOVERNMENT = "government", "Government"
    MEDIA = "media", "Media outlet"

    @property
    def schema_type(self) -> str:
        """The schema.org type of a claim's author (ClaimReview itemReviewed.author)."""
        return "Person" if self == ClaimantKind.PERSON else "Organization"


class Claimant(models.Model):
    kind = models.CharField(max_length=16, choices=ClaimantKind.choices)
    name = models.CharField(max_length=200, db_index=True)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    country = models.CharField(
        max_length=2,
        blank=True,
        help_text="ISO 3166-1 alpha-2 code, e.g. UA, RU, US.",
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use a two-letter upper-case country code.")],
    )
    wikidata_id = models.CharField(
        "Wikidata id",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata id looks like Q42.")],
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["wikidata_id"],
                condition=~models.Q(wikidata_id=""),
                name="claimant_unique_wikidata_id",
                violation_error_message="Another claimant already has this Wikidata id.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


# The one rule of what the public may see, which selectors, the API's SQL, the search trigger
# and the admin all derive from (see claims/selectors.py): a claim is public while published or
# retracted (a retraction is shown, never hidden); a verdict while it has been published.
PUBLIC_STATUSES = (Status.PUBLISHED, Status.RETRACTED)


class Language(models.TextChoices):
    """Languages of claims; PostgreSQL has stemming dictionaries for English and Russian."""

    ENGLISH = "en", "English"
    UKRAINIAN = "uk", "Ukrainian"
    RUSSIAN = "ru", "Russian"
    OTHER = "und", "Other"


class Claim(models.Model):
    statement = models.TextField(help_text="The claim as it was made, quoted or closely paraphrased.")
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    claimant = models.ForeignKey(Claimant, on_delete=models.PROTECT, related_name="claims")
    claimed_on = models.DateField("claimed on", help_text="When the claim was made.")
    context = models.CharField(
        max_length=300, blank=True, help_text="Event or occasion, e.g. a press briefing."
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="claims")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    slug = models.SlugField(max_length=200, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    retraction_reason = models.TextField(blank=True, editable=False)
    corrected_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a retracted claim was corrected and republished.",
    )
    correction_note = models.TextField(
        blank=True, editable=False, help_text="What was corrected; shown with the retraction it answers."
    )
    # The PostgreSQL transaction that last changed what the public sees of this claim (the row,
    # its verdicts, citations, topics, claimant or cited sources); written only by triggers and
    # read by the sync feed (claims/sync.py). Empty on SQLite.
    change_xid = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    # Statement, context and the published verdict's text, weighted A/B/C, stemmed in the
    # claim's language. Written only by a PostgreSQL trigger (see claims/search.py).
    search_vector = SearchVectorField(null=True, editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at", "search_vector", "change_xid"])

    class Meta:
        ordering = ["-claimed_on", "-id"]
        permissions = [("publish_claim", "Can publish and retract claims")]
        indexes = [
            models.Index(fields=["status", "-claimed_on"], name="claim_status_claimed_idx"),
            models.Index(fields=["status", "updated_at"], name="claim_status_updated_idx"),
            GinIndex(fields=["search_vector"], name="claim_search_vector_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=Status.PUBLISHED) | models.Q(published_at__isnull=False),
                name="claim_published_has_published_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.RETRACTED)
                | (models.Q(retracted_at__isnull=False) & ~models.Q(retraction_reason="")),
                name="claim_retracted_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(corrected_at__isnull=True)
                | (models.Q(retracted_at__isnull=False) & ~models.Q(correction_note="")),
                name="claim_correction_answers_retraction",
            ),
        ]

    def __str__(self) -> str:
        text = self.statement if len(self.statement) <= 80 else self.statement[:79] + "…"
        return f"{self.claimant.name}: {text}" if self.claimant_id else text

    def get_absolute_url(self) -> str:
        """The public page, in the claim's own language when the site speaks it: ClaimReview's
        `url` and the admin's "View on site". Drafts and claims in review answer 404 there."""
        languages = dict(settings.LANGUAGES)
        with translation.override(self.language if self.language in languages else settings.LANGUAGE_CODE):
            return reverse("front:claim", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES


class Rating(models.TextChoices):
    """One fixed scale. The label is also ClaimReview's reviewRating.alternateName."""

    TRUE = "true", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    MIXED = "mixed", "Mixed"
    MISLEADING = "misleading", "Misleading"
    MOSTLY_FALSE = "mostly_false", "Mostly false"
    FALSE = "false", "False"
    UNPROVEN = "unproven", "Unproven"

    @property
    def score(self) -> int:
        """Numeric rating for ClaimReview: 1 (false) … 6 (true); 0 when it cannot be rated."""
        return RATING_SCORES[self]

    @property
    def colour(self) -> str:
        return RATING_COLOURS[self]


RATING_BEST, RATING_WORST = 6, 1
RATING_SCORES = {
    Rating.TRUE: 6,
    Rating.MOSTLY_TRUE: 5,
    Rating.MIXED: 4,
    Rating.MISLEADING: 3,
    Rating.MOSTLY_FALSE: 2,
    Rating.FALSE: 1,
    Rating.UNPROVEN: 0,
}
RATING_COLOURS = {
    Rating.TRUE: "#1a7f37",
    Rating.MOSTLY_TRUE: "#4c9a2a",
    Rating.MIXED: "#b08800",
    Rating.MISLEADING: "#d4690a",
    Rating.MOSTLY_FALSE: "#cf4520",
    Rating.FALSE: "#b3261e",
    Rating.UNPROVEN: "#6e7781",
}


class Verdict(models.Model):
    """A judgement of a claim. A new verdict supersedes the current one; none is overwritten."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verdicts")
    rating = models.CharField(max_length=16, choices=Rating.choices)
    original_rating = models.CharField(
        max_length=200, blank=True, help_text="The rating text as another fact-checker wrote it."
    )
    headline = models.CharField(max_length=300)
    reasoning = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(
        max_length=200, blank=True, help_text="Shown publicly; defaults to the author's name."
    )
    imported_from = models.URLField(
        max_length=2048,
        blank=True,
        db_index=True,
        editable=False,
        help_text="URL of another fact-checker's ClaimReview this verdict was imported from.",
    )
    is_current = models.BooleanField(default=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        indexes = [models.Index(fields=["claim", "-created_at"], name="verdict_claim_created_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=models.Q(is_current=True),
                name="one_current_verdict_per_claim",
                violation_error_message="This claim already has a current verdict.",
            ),
            models.CheckConstraint(
                condition=models.Q(is_current=True) | models.Q(superseded_at__isnull=False),
                name="verdict_superseded_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rating_display()}: {self.headline}"


class CitationRole(models.TextChoices):
    APPEARANCE = "appearance", "Appearance"
    FIRST_APPEARANCE = "first_appearance", "First appearance"
    SUPPORTS = "supports", "Evidence: supports"
    REFUTES = "refutes", "Evidence: refutes"
    CONTEXT = "context", "Evidence: context"


APPEARANCE_ROLES = (CitationRole.APPEARANCE, CitationRole.FIRST_APPEARANCE)
EVIDENCE_ROLES = (CitationRole.SUPPORTS, CitationRole.REFUTES, CitationRole.CONTEXT)


class QuoteStatus(models.TextChoices):
    """Whether a citation's quote is still in its source's latest snapshot (claims/evidence.py)."""

    UNCHECKED = "unchecked", "Not checked yet"
    FOUND = "found", "Found"
    MISSING = "missing", "Gone or altered"


class Citation(models.Model):
    """A source linked to a claim: where the claim appeared, or evidence its verdict rests on."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    role = models.CharField(max_length=20, choices=CitationRole.choices)
    quote = models.TextField(blank=True, help_text="The passage of the source that matters.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Written by claims/evidence.py when the source keeps a new snapshot, not by editors.
    quote_status = models.CharField(
        max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.UNCHECKED, editable=False
    )
    quote_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    quote_found_in = models.ForeignKey(
        "sources.Snapshot",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The last snapshot the quote was found in: what the source said as cited.",
    )
    history = HistoricalRecords(excluded_fields=["quote_status", "quote_checked_at", "quote_found_in"])

    class Meta:
        ordering = ["claim", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "source", "role"],
                name="citation_unique_claim_source_role",
                violation_error_message="This source is already cited with this role.",
            ),
            models.UniqueConstraint(
                fields=["claim"],
                condition=models.Q(role=CitationRole.FIRST_APPEARANCE),
                name="citation_one_first_appearance",
                violation_error_message="A claim has only one first appearance.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.source}"

    @property
    def is_evidence(self) -> bool:
        return self.role in EVIDENCE_ROLES


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ChangeProposal(models.Model):
    """A change to a public claim waiting for an editor: the public keeps the approved version.

    `changes` holds what would change, as JSON (see claims/workflow.py, `propose_change`):
    claim fields with the value they had when proposed (so approval can refuse a stale
    proposal), topics, a new verdict, and added, edited or removed citations.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="proposals")
    changes = models.JSONField()
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["proposed_at", "id"]
        verbose_name = "pending change"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=ProposalStatus.PENDING) | models.Q(decided_at__isnull=False),
                name="proposal_decided_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Change to “{self.claim}” proposed {self.proposed_at:%Y-%m-%d %H:%M}"


class AlertDigest(models.Model):
    """One period of the editors' digest (claims/alerts.py): claimed by inserting its row, so a
    period is sent at most once however many beat runs or workers try."""

    period_start = models.DateTimeField()
    period_end = models.DateTimeField(unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    items = models.PositiveIntegerField(
        default=0, help_text="What needed attention; 0 means nothing was sent."
    )
    emailed = models.PositiveIntegerField(default=0, help_text="Editors the email was addressed to.")
    webhook_status = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-period_end"]

    def __str__(self) -> str:
        return f"Digest {self.period_start:%Y-%m-%d %H:%M} – {self.period_end:%Y-%m-%d %H:%M}: {self.items} item(s)"


UNRATED = "unrated"
EXTERNAL_RATING_CHOICES = [*Rating.choices, (UNRATED, "Unrated (their words kept, no verdict on our scale)")]


class RatingLabel(models.Model):
    """One rating text other fact-checkers use, and where it sits on our scale.

    Data, not code, so editors extend it in the admin when a publisher uses a new label;
    `key` is the label as matched (see claims/ratings.py), so "False." and "FALSE" are one row.
    """

    label = models.CharField(max_length=200, help_text="The rating text as fact-checkers write it.")
    key = models.CharField(max_length=200, unique=True, editable=False)
    rating = models.CharField(
        max_length=16,
        choices=EXTERNAL_RATING_CHOICES,
        help_text="Where this label sits on our scale; 'unrated' when it is no verdict on truth.",
    )
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 tag, informative only.")
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.label} → {self.get_rating_display()}"

    def clean(self) -> None:
        from claims.ratings import rating_key  # ratings.py reads this model

        self.key = rating_key(self.label)
        if not self.key:
            raise ValidationError({"label": "A label needs at least one letter or digit."})
        if RatingLabel.objects.filter(key=self.key).exclude(pk=self.pk).exists():
            raise ValidationError(
                {"label": f"The vocabulary already has this label (matched as {self.key!r})."}
            )


class LinkedBy(models.TextChoices):
    NOBODY = "", "Not linked"
    IMPORT = "import", "Import (same claim text)"
    EDITOR = "editor", "An editor"


class ExternalReview(models.Model):
    """Another publisher's ClaimReview, kept as they published it: never a verdict of ours.

    Identity is `identity` (the record's @id, or publisher + review URL + claim text), so one
    article that checks three claims is three records, and re-importing changes nothing.
    Imported fields are written only by claims/importer.py; editors own `claim` once they
    touch it (`linked_by = editor`), and no import overrides that.
    """

    identity = models.CharField(max_length=64, unique=True, editable=False)
    at_id = models.CharField("@id", max_length=2048, blank=True)
    url = models.URLField("review URL", max_length=2048)
    author_name = models.TextField("publisher", blank=True)
    author_url = models.CharField("publisher URL", max_length=2048, blank=True)
    author_same_as = models.JSONField("publisher sameAs", default=list, blank=True)
    date_published = models.DateField(null=True, blank=True)
    date_published_text = models.CharField("date as written", max_length=100, blank=True)
    rating_text = models.TextField("rating as written", blank=True)
    rating_value = models.CharField(max_length=40, blank=True)
    best_rating = models.CharField(max_length=40, blank=True)
    worst_rating = models.CharField(max_length=40, blank=True)
    rating = models.CharField(
        "normalised rating", max_length=16, choices=EXTERNAL_RATING_CHOICES, default=UNRATED, db_index=True
    )
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 tag as given.")
    claim_text = models.TextField("claim as they wrote it", blank=True)
    claim_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    claimant_name = models.TextField(blank=True)
    claimant_url = models.CharField(max_length=2048, blank=True)
    claimant_same_as = models.JSONField(default=list, blank=True)
    claim_date = models.DateField(null=True, blank=True)
    claim_date_text = models.CharField("claim date as written", max_length=100, blank=True)
    appearances = models.JSONField(default=list, blank=True, help_text="Where the claim appeared (URLs).")
    headline = models.TextField(blank=True)
    body = models.TextField(blank=True)
    claim = models.ForeignKey(
        Claim,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="external_reviews",
        help_text="Our claim this review is about.",
    )
    linked_by = models.CharField(max_length=8, choices=LinkedBy.choices, blank=True, editable=False)
    imported_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-date_published", "-id"]
        indexes = [models.Index(fields=["claim", "-date_published"], name="extreview_claim_date_idx")]

    def __str__(self) -> str:
        who = self.author_name or self.url.split("/")[2]
        return f"{who}: {self.rating_text or self.get_rating_display()}"
