import gzip
import re
from functools import partial
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime

from factcheck.admin_guards import ReadOnlyHistoryAdmin, StaleFormGuard, changed_fields_only
from sources import monitor, volatility
from sources.blocks import differing_places
from sources.diff import side_by_side
from sources.models import BlockKind, Health, Snapshot, Source, SourceCheck
from sources.quotes import quote_lines

HEALTH_COLOURS = {
    Health.UNCHECKED: "#6e7781",
    Health.OK: "#1a7f37",
    Health.REDIRECTED: "#b08800",
    Health.CHANGED: "#d4690a",
    Health.FAILING: "#cf4520",
    Health.BROKEN: "#b3261e",
    Health.BLOCKED: "#6639ba",
}
RECENT_CHECKS = 10
SNAPSHOT_ID = re.compile(r"[0-9]{1,18}")
MAX_QUOTE = 1000
MAX_PLACES = 200


def health_badge(health: str) -> str:
    """A coloured label for a source's health, shared by the sources and claims admins."""
    label = Health(health).label
    return format_html(
        '<span class="badge" style="background:{};color:#fff;padding:1px 7px;'
        'border-radius:9px;white-space:nowrap">{}</span>',
        HEALTH_COLOURS[Health(health)],
        label,
    )


def diff_url(source_id: int, old: int | None = None, new: int | None = None, *, quote: str = "") -> str:
    """The admin page comparing two snapshots of a source (default: first and latest), with a
    cited quote followed through both when `quote` is given."""
    url = reverse("admin:sources_source_diff", args=[source_id])
    params = {"a": old, "b": new} if old and new else {}
    if quote:
        params["quote"] = quote[:MAX_QUOTE]
    return f"{url}?{urlencode(params)}" if params else url


class OverdueFilter(admin.SimpleListFilter):
    title = "schedule"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue by more than its interval")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset & monitor.overdue_sources()
        return queryset


class SourceForm(StaleFormGuard):
    # What editors control; the monitor's fields change on every check and are never written
    # back by this form (it saves only the fields it changed).
    version_fields = (
        "url",
        "title",
        "publisher",
        "kind",
        "language",
        "published_on",
        "check_interval",
        "change_reviewed_at",
    )

    class Meta:
        model = Source
        fields = "__all__"


@admin.register(Source)
class SourceAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "__str__",
        "publisher",
        "kind",
        "health_display",
        "last_checked_at",
        "next_check_at",
        "overdue",
    ]
    list_filter = ["health", OverdueFilter, "kind", "language"]
    search_fields = ["url", "title", "publisher"]
    date_hierarchy = "created_at"
    actions = ["check_now", "mark_changes_reviewed"]
    form = SourceForm
    readonly_fields = [
        "health",
        "health_changed_at",
        "last_checked_at",
        "queued_at",
        "consecutive_failures",
        "status_code",
        "final_url",
        "content_hash",
        "body_hash",
        "content_changed_at",
        "change_reviewed_at",
        "etag",
        "last_modified",
        "last_error",
        "created_at",
        "updated_at",
        "recent_checks",
        "learned_places",
        "snapshot_list",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["url", "title", "publisher", "kind", "language", "published_on", "loaded_version"]},
        ),
        (
            "Monitoring",
            {
                "fields": [
                    "health",
                    "health_changed_at",
                    "check_interval",
                    "next_check_at",
                    "last_checked_at",
                    "queued_at",
                    "consecutive_failures",
                    "status_code",
                    "final_url",
                    "last_error",
                    "content_changed_at",
                    "change_reviewed_at",
                    "recent_checks",
                ]
            },
        ),
        ("What the monitor learned", {"classes": ["collapse"], "fields": ["learned_places"]}),
        ("Snapshots", {"fields": ["snapshot_list"]}),
        (
            "Technical",
            {
                "classes": ["collapse"],
                "fields": ["content_hash", "body_hash", "etag", "last_modified", "created_at", "updated_at"],
            },
        ),
    ]

    @admin.display(description="Health", ordering="health")
    def health_display(self, obj: Source) -> str:
        return health_badge(obj.health)

    @admin.display(description="Overdue", boolean=True)
    def overdue(self, obj: Source) -> bool:
        now = timezone.now()
        waiting_since = obj.queued_at or obj.next_check_at or obj.created_at
        return waiting_since + obj.check_interval < now

    @admin.display(description="Recent checks")
    def recent_checks(self, obj: Source) -> str:
        checks = obj.checks.all()[:RECENT_CHECKS] if obj.pk else []
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ms</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{localtime(c.checked_at):%Y-%m-%d %H:%M %Z}",
                    c.get_outcome_display(),
                    c.status_code or "–",
                    c.duration_ms,
                    health_badge(c.health_after),
                    c.error or (f"text changed: {c.note}" if c.changed else c.note),
                )
                for c in checks
            ),
        )
        if not rows:
            return "Not checked yet."
        return format_html(
            "<table><tr><th>When</th><th>Outcome</th><th>Status</th><th>Took</th><th>Health</th>"
            "<th>Note</th></tr>{}</table>",
            rows,
        )

    @admin.display(description="Places in the text")
    def learned_places(self, obj: Source) -> str:
        """Inspectable learning: which places are noise, which are waiting for confirmation."""
        rows = list(obj.learned_blocks.all()[:MAX_PLACES]) if obj.pk else []
        if not rows:
            return "Nothing learned yet: no place of the text has differed from its snapshot."
        lines = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            (
                (
                    r.get_kind_display(),
                    r.text[:200],
                    r.changes,
                    f"since {localtime(r.candidate_seen_at):%Y-%m-%d %H:%M %Z}"
                    if r.candidate_seen_at
                    else "–",
                    r.key,
                )
                for r in rows
            ),
        )
        return format_html(
            "<table><tr><th>Kind</th><th>Last text seen there</th><th>Times it differed</th>"
            "<th>Change waiting for confirmation</th><th>Key</th></tr>{}</table>",
            lines,
        )

    @admin.display(description="Snapshots")
    def snapshot_list(self, obj: Source) -> str:
        snapshots = list(obj.snapshots.defer("text")) if obj.pk else []
        if not snapshots:
            return "None yet: the first successful check keeps one."
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td><a href="{}">raw body</a></td></tr>',
            (
                (
                    f"{localtime(s.taken_at):%Y-%m-%d %H:%M %Z}",
                    s.title or "–",
                    s.content_hash[:12],
                    format_html('<a href="{}">diff with previous</a>', diff_url(obj.pk, older.pk, s.pk))
                    if older
                    else "first",
                    reverse("admin:sources_source_snapshot_raw", args=[obj.pk, s.pk]),
                )
                for s, older in zip(snapshots, [*snapshots[1:], None], strict=True)
            ),
        )
        return format_html(
            '<p><a href="{}">Compare any two snapshots</a></p><table><tr><th>Taken</th><th>Title</th>'
            "<th>Hash</th><th>Diff</th><th>Body</th></tr>{}</table>",
            diff_url(obj.pk),
            rows,
        )

    def save_model(self, request: HttpRequest, obj: Source, form, change: bool) -> None:
        url_changed = change and "url" in form.changed_data
        if not change:
            return super().save_model(request, obj, form, change)
        fields = changed_fields_only(obj, form.changed_data)
        if url_changed:
            before = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
            monitor.forget_url_state(obj)
            fields += [name for name, value in before.items() if getattr(obj, name) != value]
        obj._history_user = request.user
        obj.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
        if url_changed:  # new sources are checked by the post_save receiver
            transaction.on_commit(partial(monitor.request_checks, [obj.pk]), robust=True)

    @admin.action(description="Check selected sources now", permissions=["change"])
    def check_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        count = monitor.request_checks(queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} source(s) queued for a check.", messages.SUCCESS)

    @admin.action(description="Mark changes of selected sources as reviewed", permissions=["change"])
    def mark_changes_reviewed(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        count = monitor.mark_changes_reviewed(queryset.values_list("pk", flat=True))
        self.message_user(request, f"Changes of {count} source(s) marked as reviewed.", messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:source_id>/diff/", view(self.diff_view), name="sources_source_diff"),
            path("<int:source_id>/blocks/", view(self.mark_block_view), name="sources_source_mark_block"),
            path(
                "<int:source_id>/snapshots/<int:snapshot_id>/raw/",
                view(self.raw_body_view),
                name="sources_source_snapshot_raw",
            ),
            *super().get_urls(),
        ]

    def _source_or_404(self, request: HttpRequest, source_id: int) -> Source:
        source = get_object_or_404(Source, pk=source_id)
        if not self.has_view_permission(request, source):
            raise Http404
        return source

    def diff_view(self, request: HttpRequest, source_id: int) -> TemplateResponse:
        """Side by side: any two snapshots of one source (default: the first and the latest)."""
        source = self._source_or_404(request, source_id)
        choices = list(source.snapshots.values("pk", "taken_at", "content_hash"))
        by_id = {c["pk"]: c for c in choices}
        old_id = _int(request.GET.get("a")) or (choices[-1]["pk"] if choices else None)
        new_id = _int(request.GET.get("b")) or (choices[0]["pk"] if choices else None)
        if (old_id and old_id not in by_id) or (new_id and new_id not in by_id):
            raise Http404("No such snapshot of this source.")
        old = source.snapshots.get(pk=old_id) if old_id else None
        new = source.snapshots.get(pk=new_id) if new_id else None
        quote = request.GET.get("quote", "")[:MAX_QUOTE].strip()
        quoted_old = frozenset(quote_lines(old.text, quote)) if old and quote else frozenset()
        quoted_new = frozenset(quote_lines(new.text, quote)) if new and quote else frozenset()
        if old and new:
            Snapshot.objects.filter(pk__in={old.pk, new.pk}, seen_at=None).update(seen_at=timezone.now())
        known = dict(source.learned_blocks.values_list("key", "kind"))
        places = (
            [
                (p, BlockKind(known.get(p.key, BlockKind.WATCHED)))
                for p in differing_places(old.text, new.text)[:MAX_PLACES]
            ]
            if old and new and old.pk != new.pk
            else []
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Snapshots of {source}",
            "source": source,
            "choices": choices,
            "old": old,
            "new": new,
            "rows": side_by_side(old.text, new.text, quoted_old=quoted_old, quoted_new=quoted_new)
            if old and new and old.pk != new.pk
            else [],
            "quote": quote,
            "places": places,
            "can_mark": self.has_change_permission(request, source),
            "block_kinds": [BlockKind.NOISE, BlockKind.IMPORTANT, BlockKind.WATCHED],
            "quote_in_old": bool(quoted_old),
            "quote_in_new": bool(quoted_new),
        }
        return TemplateResponse(request, "admin/sources/source/diff.html", context)

    def mark_block_view(self, request: HttpRequest, source_id: int) -> HttpResponse:
        """An editor's word on one place of the text: noise, important, or back to learning."""
        source = self._source_or_404(request, source_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request, source):
            raise PermissionDenied
        key, kind = request.POST.get("key", ""), request.POST.get("kind", "")
        if not key or len(key) > 64 or kind not in (BlockKind.NOISE, BlockKind.IMPORTANT, BlockKind.WATCHED):
            return HttpResponseBadRequest("Give the key of a place and a kind: noise, important or watched.")
        volatility.mark_block(source, key=key, kind=BlockKind(kind), text=request.POST.get("text", "")[:2000])
        self.message_user(request, f"That place is now: {BlockKind(kind).label}.", messages.SUCCESS)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = diff_url(source.pk)
        return HttpResponseRedirect(back)

    def raw_body_view(self, request: HttpRequest, source_id: int, snapshot_id: int) -> HttpResponse:
        """The archived body, as a download: never rendered on our origin (it is hostile HTML)."""
        source = self._source_or_404(request, source_id)
        snapshot = get_object_or_404(Snapshot, pk=snapshot_id, source=source)
        if not snapshot.body:
            raise Http404("This snapshot kept no body.")
        with snapshot.body.open("rb") as handle:
            body = gzip.decompress(handle.read())
        response = HttpResponse(body, content_type="application/octet-stream")
        response["Content-Disposition"] = (
            f'attachment; filename="source-{source.pk}-snapshot-{snapshot.pk}.bin"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response


def _int(value: str | None) -> int | None:
    """A snapshot id from the query string; ASCII digits only (`"²".isdigit()` is true)."""
    return int(value) if value and SNAPSHOT_ID.fullmatch(value) else None


@admin.register(SourceCheck)
class SourceCheckAdmin(admin.ModelAdmin):
    """The monitor's log, read-only: filter by outcome to see what is failing and why."""

    list_display = [
        "source",
        "checked_at",
        "outcome",
        "status_code",
        "duration_ms",
        "health_after",
        "changed",
    ]
    list_filter = ["outcome", "health_after", "changed"]
    list_select_related = ["source"]
    search_fields = ["source__url", "error"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
