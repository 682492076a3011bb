"""Admin for other publishers' reviews and the rating vocabulary (registered from claims/admin.py).

Imported values are read-only: they are the publisher's words. What an editor owns is the link
to our claim; once an editor sets or clears it, imports leave it alone (`linked_by = editor`).
"""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from claims.importer import IMPORTED_FIELDS
from claims.models import Claim, ExternalReview, LinkedBy, RatingLabel

# What the publisher's record said (the importer's fields, less its internal match key), read-only.
IMPORTED = [
    *(name for name in IMPORTED_FIELDS if name != "claim_key"),
    "linked_by",
    "imported_at",
    "updated_at",
]


@admin.register(RatingLabel)
class RatingLabelAdmin(admin.ModelAdmin):
    list_display = ["label", "rating", "language", "key", "updated_at"]
    list_editable = ["rating"]
    list_filter = ["rating", "language"]
    search_fields = ["label", "key"]
    readonly_fields = ["key"]


@admin.register(ExternalReview)
class ExternalReviewAdmin(admin.ModelAdmin):
    list_display = [
        "author_name",
        "date_published",
        "rating_text",
        "rating",
        "language",
        "short_claim",
        "claim",
    ]
    list_filter = ["rating", "linked_by", "language"]
    search_fields = ["claim_text", "author_name", "url", "rating_text"]
    list_select_related = ["claim"]
    autocomplete_fields = ["claim"]
    readonly_fields = IMPORTED
    fields = ["claim", *IMPORTED]
    show_full_result_count = False

    @admin.display(description="claim as they wrote it")
    def short_claim(self, review: ExternalReview) -> str:
        text = review.claim_text
        return text if len(text) <= 100 else text[:99] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reviews come from their publishers, through import_claimreview

    def save_model(self, request: HttpRequest, obj: ExternalReview, form, change: bool) -> None:
        # Only the link is editable: write it alone, so a concurrent import's update survives.
        obj.linked_by = LinkedBy.EDITOR
        obj.save(update_fields=["claim", "linked_by", "updated_at"])


def external_reviews_summary(claim: Claim) -> str:
    """For the claim page: "AFP Fact Check, 2022-03-04: False (unrated)", each linking to their
    review and to its record here. Read-only HTML, not an inline, so the claim form (and its
    change proposals) never carries other publishers' records."""
    if not claim.pk:
        return "–"
    reviews = claim.external_reviews.order_by("-date_published", "-id")[:50]
    lines = format_html_join(
        "",
        '<li><a href="{}">{}</a>, {}: “{}” ({}) — <a href="{}" rel="noopener noreferrer" target="_blank">their review</a></li>',
        (
            (
                reverse("admin:claims_externalreview_change", args=[review.pk]),
                review.author_name or review.url.split("/")[2],
                review.date_published or review.date_published_text or "undated",
                review.rating_text or "no rating text",
                review.get_rating_display().split(" (")[0],
                review.url,
            )
            for review in reviews
        ),
    )
    return (
        format_html("<ul>{}</ul>", lines) if lines else "No other publisher's review is linked to this claim."
    )
