from django.contrib import admin
from django.utils.html import format_html

from sources.models import Health, Source

HEALTH_COLOURS = {
    Health.UNCHECKED: "#6e7781",
    Health.OK: "#1a7f37",
    Health.REDIRECTED: "#b08800",
    Health.CHANGED: "#d4690a",
    Health.FAILING: "#cf4520",
    Health.BROKEN: "#b3261e",
    Health.BLOCKED: "#6639ba",
}


def health_badge(health: str) -> str:
    """A coloured label for a source's health, shared by the sources and claims admins."""
    label = Health(health).label
    return format_html(
        '<span class="badge" style="background:{};color:#fff;padding:1px 7px;'
        'border-radius:9px;white-space:nowrap">{}</span>',
        HEALTH_COLOURS[Health(health)],
        label,
    )


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "publisher", "kind", "health_display", "last_checked_at", "next_check_at"]
    list_filter = ["health", "kind", "language"]
    search_fields = ["url", "title", "publisher"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "health",
        "health_changed_at",
        "last_checked_at",
        "consecutive_failures",
        "status_code",
        "final_url",
        "content_hash",
        "etag",
        "last_modified",
        "last_error",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["url", "title", "publisher", "kind", "language", "published_on"]}),
        (
            "Monitoring",
            {
                "fields": [
                    "health",
                    "health_changed_at",
                    "check_interval",
                    "next_check_at",
                    "last_checked_at",
                    "consecutive_failures",
                    "status_code",
                    "final_url",
                    "content_hash",
                    "etag",
                    "last_modified",
                    "last_error",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    @admin.display(description="Health", ordering="health")
    def health_display(self, obj: Source) -> str:
        return health_badge(obj.health)
