"""Sources: the web pages and documents that claims appear in and verdicts rest on.

`sources` is a self-contained link-monitoring app: it never imports `claims`.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from sources.urlnorm import InvalidURL, normalize_url


class NormalizedURLField(models.URLField):
    """A URL stored in canonical form, so lookups and uniqueness see one spelling.

    Normalising in the field (not in a form or in save()) means `get_or_create(url=...)`,
    filters, admin forms and imports all agree on what "the same URL" is.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 2048)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return normalize_url(value)
        except InvalidURL as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        try:
            return normalize_url(value)
        except InvalidURL:
            return value  # full_clean() reports it; lookups with junk simply match nothing

    def formfield(self, **kwargs):
        # Editors paste "example.org/page": let the model field decide, not Django's URL regex.
        from django import forms

        return super().formfield(**{"form_class": forms.CharField, **kwargs})


class Health(models.TextChoices):
    """Monitoring state of a source; see sources/monitor.py for the transitions."""

    UNCHECKED = "unchecked", "Unchecked"
    OK = "ok", "OK"
    REDIRECTED = "redirected", "Redirected"
    CHANGED = "changed", "Changed"
    FAILING = "failing", "Failing"
    BROKEN = "broken", "Broken"
    BLOCKED = "blocked", "Blocked"


# States in which the evidence a verdict rests on can no longer be trusted as cited.
ATTENTION_HEALTH = (Health.CHANGED, Health.BROKEN, Health.BLOCKED)


class SourceKind(models.TextChoices):
    WEB_PAGE = "web_page", "Web page"
    NEWS_ARTICLE = "news_article", "News article"
    REFERENCE = "reference", "Reference work"
    OFFICIAL = "official", "Official document"
    SOCIAL_POST = "social_post", "Social media post"
    VIDEO = "video", "Video or broadcast"
    DATASET = "dataset", "Dataset"
    DOCUMENT = "document", "Document (PDF etc.)"
    OTHER = "other", "Other"


def default_check_interval() -> timedelta:
    from django.conf import settings

    return timedelta(seconds=settings.SOURCE_CHECK_INTERVAL)


# Fields the monitor writes on its own; not kept in a source's history.
MONITOR_FIELDS = [
    "updated_at",
    "health",
    "health_changed_at",
    "last_checked_at",
    "next_check_at",
    "consecutive_failures",
    "content_hash",
    "body_hash",
    "content_changed_at",
    "queued_at",
    "final_url",
    "status_code",
    "etag",
    "last_modified",
    "last_error",
    "check_started_at",
]


class Source(models.Model):
    url = NormalizedURLField(
        "URL", unique=True, help_text="Paste any spelling; it is stored in canonical form."
    )
    title = models.CharField(
        max_length=500, blank=True, help_text="Filled in from the first fetch when left empty."
    )
    publisher = models.CharField(
        max_length=200, blank=True, help_text="Filled in from the first fetch when left empty."
    )
    language = models.CharField(max_length=16, blank=True, help_text="BCP 47 code, e.g. en, uk.")
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.WEB_PAGE)
    published_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # Monitoring state, owned by sources/monitor.py.
    health = models.CharField(max_length=12, choices=Health.choices, default=Health.UNCHECKED, db_index=True)
    health_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_check_at = models.DateTimeField(null=True, blank=True, help_text="Empty means as soon as possible.")
    check_interval = models.DurationField(default=default_check_interval)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    content_hash = models.CharField(
        max_length=64, blank=True, editable=False, help_text="SHA-256 of the extracted main text."
    )
    body_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the raw body: an identical body skips text extraction.",
    )
    content_changed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the main text last changed."
    )
    change_reviewed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When an editor last marked the changes as reviewed."
    )
    queued_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="A check was requested at this time and has not finished yet.",
    )
    check_started_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="A worker started the queued check at this time; it is cleared when the check is recorded.",
    )
    final_url = models.URLField(max_length=2048, blank=True, editable=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    etag = models.CharField(max_length=512, blank=True, editable=False)
    last_modified = models.CharField(max_length=64, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    # Who changed what an editor controls (the URL behind a verdict above all), and who marked
    # changes as reviewed; the monitor's own bookkeeping would only bury that.
    history = HistoricalRecords(excluded_fields=MONITOR_FIELDS)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The dispatcher's scan: due sources, oldest first.
            models.Index(fields=["next_check_at"], name="source_next_check_idx"),
            # Overdue detection: checks requested but never finished.
            models.Index(
                fields=["queued_at"], name="source_queued_idx", condition=models.Q(queued_at__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(check_interval__gte=timedelta(minutes=5)),
                name="source_check_interval_min_5_minutes",
                violation_error_message="Sources are checked at most every five minutes.",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def needs_attention(self) -> bool:
        return self.health in ATTENTION_HEALTH

    @property
    def has_unreviewed_change(self) -> bool:
        return self.content_changed_at is not None and (
            self.change_reviewed_at is None or self.change_reviewed_at < self.content_changed_at
        )


class Outcome(models.TextChoices):
    """What one fetch ended in. Every outcome is a value; the fetcher never raises for them."""

    OK = "ok", "OK"
    NOT_MODIFIED = "not_modified", "Not modified"
    REDIRECTED = "redirected", "Redirected"
    CLIENT_ERROR = "client_error", "Client error (4xx)"
    SERVER_ERROR = "server_error", "Server error (5xx)"
    TIMEOUT = "timeout", "Timed out"
    TOO_LARGE = "too_large", "Too large"
    BLOCKED = "blocked", "Blocked"
    DNS_FAILURE = "dns_failure", "DNS failure"
    TLS_ERROR = "tls_error", "TLS error"
    CONNECTION_REFUSED = "connection_refused", "Connection refused"
    CONNECTION_ERROR = "connection_error", "Connection error"
    TOO_MANY_REDIRECTS = "too_many_redirects", "Too many redirects or a loop"
    BAD_REDIRECT = "bad_redirect", "Malformed redirect"
    # The answer came, but what it says is not the page: see sources/interstitial.py.
    INTERSTITIAL = "interstitial", "Challenge, consent or error page"
    UNDECODABLE = "undecodable", "No readable text"
    EXTRACTION_LIMIT = "extraction_limit", "Text extraction over its bounds"
    KILLED = "killed", "Check killed at the time limit"


class BlockKind(models.TextChoices):
    """What is known about one place in a source's text (see sources/volatility.py)."""

    WATCHED = "watched", "Watched"
    VOLATILE = "volatile", "Noise (learned)"
    NOISE = "noise", "Noise (marked by an editor)"
    IMPORTANT = "important", "Important (marked by an editor)"


class LearnedBlock(models.Model):
    """One place in a source's text that has differed from the last snapshot: a change waiting
    for confirmation, a place learned as noise, or a place an editor marked."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="learned_blocks")
    key = models.CharField(
        max_length=64, help_text="The unchanged block before it, and the offset from there."
    )
    kind = models.CharField(max_length=10, choices=BlockKind.choices, default=BlockKind.WATCHED)
    text = models.TextField(blank=True, help_text="What the place said at the last check that saw it differ.")
    changes = models.PositiveIntegerField(default=0, help_text="Checks that saw it differ from the snapshot.")
    candidate_hash = models.CharField(max_length=64, blank=True)
    candidate_seen_at = models.DateTimeField(
        null=True, blank=True, help_text="A change first seen then waits for a later check to confirm it."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["source", "key"]
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="learned_block_unique_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"


class SourceCheck(models.Model):
    """One check of a source: the monitor's log, kept for history and diagnosis."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=2048, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    changed = models.BooleanField(default=False, help_text="A confirmed change of the main text.")
    note = models.CharField(max_length=300, blank=True, help_text="What the comparison found.")
    health_after = models.CharField(max_length=12, choices=Health.choices)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["source", "-checked_at"], name="check_source_time_idx")]

    def __str__(self) -> str:
        return f"{self.source} at {self.checked_at:%Y-%m-%d %H:%M}: {self.get_outcome_display()}"


def snapshot_upload_to(snapshot: "Snapshot", filename: str) -> str:
    return f"snapshots/{snapshot.taken_at:%Y/%m}/{snapshot.source_id}-{filename}"


class Snapshot(models.Model):
    """What a source said: kept on the first fetch and on every real change of its main text."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=2048, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True, help_text="The extracted main text, as hashed.")
    body = models.FileField(
        upload_to=snapshot_upload_to, blank=True, help_text="The raw body, gzip-compressed."
    )
    body_size = models.PositiveIntegerField(default=0, help_text="Size of the raw body before compression.")
    seen_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="An editor first opened it in a diff: retention keeps it.",
    )

    class Meta:
        ordering = ["-taken_at", "-id"]
        get_latest_by = "taken_at"
        indexes = [models.Index(fields=["source", "-taken_at"], name="snapshot_source_time_idx")]

    def __str__(self) -> str:
        return f"{self.source} at {self.taken_at:%Y-%m-%d %H:%M}"
