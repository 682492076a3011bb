"""The editors' admin: thin classes that show data and call claims/workflow.py.

Changelists annotate what they display (current rating) and select related rows, so a page
costs the same number of queries for 10 claims as for 200.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST

from claims import proposals, workflow
from claims.admin_reviews import external_reviews_summary
from claims.evidence import MISSING_QUOTE, check_new_quotes
from claims.models import (
    EVIDENCE_ROLES,
    ChangeProposal,
    Citation,
    Claim,
    Claimant,
    ProposalStatus,
    QuoteStatus,
    Rating,
    Status,
    Topic,
    Verdict,
)
from claims.selectors import public_claim_q
from factcheck.admin_guards import ReadOnlyHistoryAdmin, StaleFormGuard, ViewOnlyAdmin, changed_fields_only
from sources.models import ATTENTION_HEALTH, Health, Outcome, Snapshot, Source, SourceCheck
from sources.urlnorm import InvalidURL, normalize_url


def rating_badge(rating: str | None) -> str:
    if not rating:
        return format_html('<span style="color:#6e7781">{}</span>', "no verdict")
    rating = Rating(rating)
    return format_html(
        '<span class="badge rating-{}" style="background:{};color:#fff;padding:1px 7px;'
        'border-radius:9px;white-space:nowrap">{}</span>',
        rating.value,
        rating.colour,
        rating.label,
    )


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Claimant)
class ClaimantAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "kind", "country", "wikidata_id"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "slug", "wikidata_id"]
    prepopulated_fields = {"slug": ["name"]}

    def has_change_permission(self, request: HttpRequest, obj: Claimant | None = None) -> bool:
        # A claimant's name and details are shown with every public claim of theirs: once they
        # have one, only users who may publish change them.
        if (
            obj is not None
            and not workflow.can_publish(request.user)
            and obj.claims.filter(public_claim_q()).exists()
        ):
            return False
        return super().has_change_permission(request, obj)


class CitationForm(forms.ModelForm):
    """Lets an editor paste a URL instead of picking a source: the source is made on save."""

    source_url = forms.CharField(
        label="or paste a URL",
        required=False,
        max_length=2048,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "https://…"}),
    )

    class Meta:
        model = Citation
        fields = ["source", "source_url", "role", "quote"]
        widgets = {"quote": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].required = False
        self.new_source: Source | None = None

    def clean(self) -> dict:
        cleaned = super().clean()
        url = cleaned.get("source_url", "").strip()
        if url and cleaned.get("source"):
            raise ValidationError("Pick a source or paste a URL, not both.")
        if url:
            try:
                normalized = normalize_url(url)
            except InvalidURL as exc:
                raise ValidationError({"source_url": str(exc)}) from exc
            existing = Source.objects.filter(url=normalized).first()
            if existing is not None:
                cleaned["source"] = self.instance.source = existing
            else:
                # Created in save(), so an invalid form never leaves an orphan source behind.
                self.new_source = Source(url=normalized)
        elif not cleaned.get("source") and self.has_changed():
            raise ValidationError({"source": "Pick a source or paste its URL."})
        return cleaned

    def source_key(self) -> object:
        """What this row cites, comparable across rows: a source id or a new source's URL."""
        source = self.cleaned_data.get("source")
        return source.pk if source is not None else getattr(self.new_source, "url", None)

    def save(self, commit: bool = True) -> Citation:
        if self.new_source is not None:
            # Another row of this form may have pasted the same new URL (in another spelling).
            self.instance.source, _ = Source.objects.get_or_create(url=self.new_source.url)
        return super().save(commit)


class CitationFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        """Two rows citing one source with one role would break the unique constraint on save:
        say so on the form instead, whichever spelling each row pasted."""
        super().clean()
        seen: dict[tuple[object, str], int] = {}
        for number, form in enumerate(self.forms, start=1):
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            key = (form.source_key(), form.cleaned_data.get("role"))
            if key[0] is None:
                continue
            if key in seen:
                raise ValidationError(
                    f"Rows {seen[key]} and {number} cite the same source: it is cited twice with the "
                    "same role. Keep one row, or give them different roles."
                )
            seen[key] = number


class CitationInline(admin.TabularInline):
    model = Citation
    form = CitationForm
    formset = CitationFormSet
    autocomplete_fields = ["source"]
    extra = 1
    readonly_fields = ["source_health"]
    fields = ["role", "source", "source_url", "source_health", "quote"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Citation]:
        return super().get_queryset(request).select_related("source")

    @admin.display(description="Health")
    def source_health(self, obj: Citation) -> str:
        from sources.admin import health_badge

        return health_badge(obj.source.health) if obj.source_id else "–"


class VerdictFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        new = [f for f in self.extra_forms if f.has_changed() and not self._should_delete_form(f)]
        if len(new) > 1:
            raise ValidationError("Add one new verdict at a time; it supersedes the current one.")


class VerdictInline(admin.StackedInline):
    """Past verdicts are read-only: a verdict is superseded by a new one, never overwritten."""

    model = Verdict
    formset = VerdictFormSet
    extra = 0
    can_delete = False
    fields = ["rating", "headline", "reasoning", "author_name", "original_rating", "status_line"]
    readonly_fields = ["status_line"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Verdict]:
        return super().get_queryset(request).select_related("author").order_by("-is_current", "-created_at")

    @admin.display(description="Status")
    def status_line(self, obj: Verdict) -> str:
        if not obj.pk:
            return "New: becomes the current verdict when saved."
        state = (
            "current" if obj.is_current else f"superseded {localtime(obj.superseded_at):%Y-%m-%d %H:%M %Z}"
        )
        author = obj.author_name or (obj.author.get_username() if obj.author else "system")
        return format_html(
            "{} {}, by {}, {}",
            rating_badge(obj.rating),
            state,
            author,
            f"{localtime(obj.created_at):%Y-%m-%d %H:%M %Z}",
        )


class CurrentRatingFilter(admin.SimpleListFilter):
    title = "rating"
    parameter_name = "rating"

    def lookups(self, request, model_admin):
        return [*Rating.choices, ("none", "No verdict")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.exclude(verdicts__is_current=True)
        if self.value() in Rating.values:
            return queryset.filter(verdicts__is_current=True, verdicts__rating=self.value())
        return queryset


class SourceHealthFilter(admin.SimpleListFilter):
    title = "source health"
    parameter_name = "source_health"

    def lookups(self, request, model_admin):
        return Health.choices

    def queryset(self, request, queryset):
        if self.value() in Health.values:
            cited = Citation.objects.filter(claim=OuterRef("pk"), source__health=self.value())
            return queryset.filter(Exists(cited))
        return queryset


def evidence_needing_attention(*, published: bool = False) -> QuerySet[Citation]:
    """Citations whose quote is gone from the source, and evidence citations whose source broke,
    changed, is failing or was blocked; of published claims only when `published` (the ones whose
    public verdict now rests on evidence that moved)."""
    bad_source = Q(role__in=EVIDENCE_ROLES, source__health__in=(*ATTENTION_HEALTH, Health.FAILING))
    citations = Citation.objects.filter(bad_source | MISSING_QUOTE)
    return citations.filter(claim__status=Status.PUBLISHED) if published else citations


def attention_order(citations: QuerySet[Citation]) -> QuerySet[Citation]:
    """Missing quotes first (the alert fact-checkers care most about), then the latest trouble."""
    return citations.annotate(
        quote_first=Case(When(MISSING_QUOTE, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("quote_first", "-source__health_changed_at", "claim_id", "pk")


FETCH_FAILURES = [
    o for o in Outcome.values if o not in (Outcome.OK, Outcome.REDIRECTED, Outcome.NOT_MODIFIED)
]


def with_what_changed(citations: QuerySet[Citation]) -> QuerySet[Citation]:
    """Annotate each citation with what its source did since it was cited, in the same query:
    the snapshot as cited (the last one kept before the citation, else the first), the latest
    snapshot, and how many checks failed since."""
    snapshots = Snapshot.objects.filter(source=OuterRef("source")).values("pk")
    failed = (
        SourceCheck.objects.filter(
            source=OuterRef("source"), checked_at__gte=OuterRef("created_at"), outcome__in=FETCH_FAILURES
        )
        .order_by()
        .values("source")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return citations.select_related("source").annotate(
        cited_snapshot=Coalesce(
            "quote_found_in",
            Subquery(snapshots.filter(taken_at__lte=OuterRef("created_at")).order_by("-taken_at", "-pk")[:1]),
            Subquery(snapshots.order_by("taken_at", "pk")[:1]),
        ),
        latest_snapshot=Subquery(snapshots.order_by("-taken_at", "-pk")[:1]),
        failed_checks=Coalesce(Subquery(failed, output_field=IntegerField()), 0),
    )


def what_changed(citation: Citation) -> str:
    """One line for an editor: the quote, the source's state and for how long, and a link to the
    text's diff (with the quote followed through it)."""
    from sources.admin import diff_url, health_badge

    source = citation.source
    parts = []
    if citation.quote and citation.quote_status == QuoteStatus.MISSING:
        parts.append(
            format_html(
                '<strong style="color:#b3261e">cited quote gone or altered</strong> · <a href="{}">see it in the diff</a>',
                diff_url(source.pk, citation.cited_snapshot, citation.latest_snapshot, quote=citation.quote),
            )
        )
    parts.append(health_badge(source.health))
    if source.health_changed_at:
        parts.append(
            format_html(
                "since {} ({} ago)",
                f"{localtime(source.health_changed_at):%Y-%m-%d %H:%M %Z}",
                timesince(source.health_changed_at),
            )
        )
    if citation.failed_checks:
        parts.append(format_html("{} failed check(s) since cited", citation.failed_checks))
    if source.last_error and source.health != Health.CHANGED:
        parts.append(format_html("last error: {}", source.last_error[:200]))
    if source.content_changed_at and citation.cited_snapshot != citation.latest_snapshot:
        parts.append(
            format_html(
                'text changed {} · <a href="{}">diff since cited</a>',
                f"{localtime(source.content_changed_at):%Y-%m-%d %H:%M %Z}",
                diff_url(source.pk, citation.cited_snapshot, citation.latest_snapshot),
            )
        )
    return format_html_join(" · ", "{}", ((p,) for p in parts))


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("yes", "Evidence failing, broken or changed, or a quote gone"),
            ("published", "Published, evidence failing, broken or changed, or a quote gone"),
        ]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "published"):
            citations = evidence_needing_attention(published=self.value() == "published")
            return queryset.filter(Exists(citations.filter(claim=OuterRef("pk"))))
        return queryset


class ClaimForm(StaleFormGuard):
    # updated_at moves with every workflow step and new verdict, status with every transition.
    version_fields = ("status", "updated_at")

    class Meta:
        model = Claim
        fields = "__all__"


class ClaimActionForm(ActionForm):
    reason = forms.CharField(
        required=False,
        label="Reason (for retraction)",
        widget=forms.TextInput(attrs={"size": 40}),
    )


@admin.register(Claim)
class ClaimAdmin(ReadOnlyHistoryAdmin):
    # What an editor triages by comes right after the statement, so it stays on screen at
    # 1280 px (tests/e2e/test_admin_layout.py); language is a filter, not a column.
    list_display = [
        "short_statement",
        "status",
        "verdict_badge",
        "evidence_alert",
        "claimant",
        "claimed_on",
        "updated_at",
    ]
    list_display_links = ["short_statement"]
    list_select_related = ["claimant"]
    list_filter = [
        "status",
        CurrentRatingFilter,
        NeedsAttentionFilter,
        SourceHealthFilter,
        "language",
        ("claimant", admin.RelatedOnlyFieldListFilter),
        "topics",
    ]
    search_fields = ["statement", "context", "claimant__name", "slug"]
    date_hierarchy = "claimed_on"
    autocomplete_fields = ["claimant", "topics"]
    prepopulated_fields = {"slug": ["statement"]}
    readonly_fields = [
        "status",
        "published_at",
        "retracted_at",
        "retraction_reason",
        "corrected_at",
        "correction_note",
        "created_by",
        "created_at",
        "updated_at",
        "evidence_changes",
        "also_checked_by",
    ]
    form = ClaimForm
    change_form_template = "admin/claims/claim/change_form_workflow.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "statement",
                    "claimant",
                    "claimed_on",
                    "context",
                    "language",
                    "topics",
                    "slug",
                    "loaded_version",
                ]
            },
        ),
        ("Evidence that broke or changed", {"fields": ["evidence_changes"]}),
        ("Also checked by other publishers (their words, not our verdict)", {"fields": ["also_checked_by"]}),
        (
            "Workflow",
            {
                "fields": [
                    "status",
                    "published_at",
                    "retracted_at",
                    "retraction_reason",
                    "corrected_at",
                    "correction_note",
                    "created_by",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    inlines = [VerdictInline, CitationInline]
    action_form = ClaimActionForm
    actions = ["submit_for_review", "publish", "retract"]
    list_per_page = 50
    show_full_result_count = False  # a second COUNT(*) over 100k rows buys editors nothing

    class Media:
        css = {"all": ["claims/admin.css"]}

    change_list_template = "admin/claims/claim/change_list_attention.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        current = Verdict.objects.filter(claim=OuterRef("pk"), is_current=True)
        return (
            super()
            .get_queryset(request)
            .defer("search_vector")  # ~1 KB per row that no admin page shows
            .annotate(
                current_rating=Subquery(current.values("rating")[:1]),
                evidence_attention=Exists(evidence_needing_attention().filter(claim=OuterRef("pk"))),
            )
        )

    def get_urls(self):
        return [
            path(
                "attention/",
                self.admin_site.admin_view(self.attention_view),
                name="claims_claim_attention",
            ),
            path(
                "<int:claim_id>/transition/<str:name>/",
                self.admin_site.admin_view(require_POST(self.transition_view)),
                name="claims_claim_transition",
            ),
            *super().get_urls(),
        ]

    def attention_view(self, request: HttpRequest) -> TemplateResponse:
        """The editors' queue: published claims whose evidence broke or changed, newest first."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        citations = attention_order(
            with_what_changed(evidence_needing_attention(published=True).select_related("claim__claimant"))
        )
        page = Paginator(citations, 50).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Published claims whose evidence needs attention",
            "page": page,
            "rows": [(c, what_changed(c)) for c in page],
        }
        return TemplateResponse(request, "admin/claims/claim/attention.html", context)

    @admin.display(description="Evidence", boolean=False)
    def evidence_alert(self, obj: Claim) -> str:
        if not getattr(obj, "evidence_attention", False):
            return ""
        return format_html(
            '<a href="{}" style="color:#b3261e;font-weight:bold">needs attention</a>',
            reverse("admin:claims_claim_change", args=[obj.pk]),
        )

    @admin.display(description="Their reviews")
    def also_checked_by(self, obj: Claim) -> str:
        return external_reviews_summary(obj)

    @admin.display(description="What changed")
    def evidence_changes(self, obj: Claim) -> str:
        if not obj.pk:
            return "–"
        citations = attention_order(with_what_changed(evidence_needing_attention().filter(claim=obj)))
        lines = format_html_join(
            "",
            '<li><a href="{}">{}</a> ({}): {}</li>',
            (
                (
                    reverse("admin:sources_source_change", args=[c.source_id]),
                    c.source,
                    c.get_role_display(),
                    what_changed(c),
                )
                for c in citations
            ),
        )
        return format_html("<ul>{}</ul>", lines) if lines else "Nothing: all evidence sources look as cited."

    def get_actions(self, request: HttpRequest) -> dict:
        # Published claims are retracted, not deleted; drafts are deleted one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        if obj is not None and obj.is_public:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="Statement", ordering="statement")
    def short_statement(self, obj: Claim) -> str:
        return obj.statement if len(obj.statement) <= 90 else obj.statement[:89] + "…"

    @admin.display(description="Verdict", ordering="current_rating")
    def verdict_badge(self, obj: Claim) -> str:
        return rating_badge(obj.current_rating)

    def render_change_form(
        self, request: HttpRequest, context: dict, *args, obj: Claim | None = None, **kwargs
    ):
        if obj is not None:
            context["transitions"] = [
                TRANSITION_BUTTONS[name] for name in workflow.allowed_transitions(obj, request.user)
            ]
            context["pending_proposals"] = list(obj.proposals.filter(status=ProposalStatus.PENDING))
            context["can_decide"] = workflow.can_publish(request.user)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def transition_view(self, request: HttpRequest, claim_id: int, name: str) -> HttpResponseRedirect:
        """One button of the claim page: the workflow decides, the message says what happened."""
        claim = get_object_or_404(Claim, pk=claim_id)
        if not self.has_view_or_change_permission(request, claim) or name not in TRANSITION_BUTTONS:
            raise PermissionDenied
        text = request.POST.get("text", "")
        steps = {
            "submit": lambda: workflow.submit_for_review(claim, user=request.user),
            "publish": lambda: workflow.publish_claim(claim, user=request.user),
            "retract": lambda: workflow.retract_claim(claim, user=request.user, reason=text),
            "correct": lambda: workflow.correct_claim(claim, user=request.user, note=text),
        }
        try:
            steps[name]()
        except (PermissionDenied, ValidationError) as exc:
            self.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
        else:
            self.message_user(request, f"“{claim}”: {TRANSITION_BUTTONS[name]['done']}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))

    def save_model(self, request: HttpRequest, obj: Claim, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
            return super().save_model(request, obj, form, change)
        request.claim_proposal = workflow.edits_need_approval(obj, request.user)
        if request.claim_proposal:
            return None  # the change is stored as a proposal in save_related
        fields = changed_fields_only(obj, [f for f in form.changed_data if f != "topics"])
        obj._history_user = request.user
        obj.save(update_fields=[*fields, "updated_at"])
        return None

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        if not getattr(request, "claim_proposal", False):
            return super().save_related(request, form, formsets, change)
        proposal = proposals.propose_from_forms(form, formsets, user=request.user)
        self._proposed(request, proposal)
        return None

    def _proposed(self, request: HttpRequest, proposal: ChangeProposal | None) -> None:
        if proposal is not None:
            self.message_user(
                request,
                "This claim is public: your change waits for an editor's approval, and the public "
                "keeps seeing the approved version meanwhile.",
                messages.WARNING,
            )

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is Citation:
            super().save_formset(request, form, formset, change)
            edited = [
                f.instance
                for f in formset.forms
                if f.instance.pk and {"quote", "source"} & set(f.changed_data)
            ]
            return check_new_quotes(edited)
        if formset.model is not Verdict:
            return super().save_formset(request, form, formset, change)
        for verdict in formset.save(commit=False):
            if workflow.verdict_needs_approval(form.instance, request.user):
                self._proposed(
                    request,
                    workflow.propose_change(
                        form.instance, user=request.user, verdict=proposals.verdict_fields(verdict)
                    ),
                )
                continue
            workflow.record_verdict(
                form.instance,
                user=request.user,
                rating=verdict.rating,
                headline=verdict.headline,
                reasoning=verdict.reasoning,
                author_name=verdict.author_name,
                original_rating=verdict.original_rating,
                verdict=verdict,
            )
        return None

    def _transition(self, request: HttpRequest, queryset: QuerySet[Claim], verb: str, step) -> None:
        done, refused = 0, []
        for claim in queryset.select_related("claimant"):
            try:
                step(claim)
            except (PermissionDenied, ValidationError) as exc:
                refused.append(" ".join(getattr(exc, "messages", [str(exc)])))
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} claim(s) {verb}.", messages.SUCCESS)
        for reason in dict.fromkeys(refused):
            self.message_user(request, reason, messages.ERROR)

    @admin.action(description="Submit selected claims for review")
    def submit_for_review(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        self._transition(
            request,
            queryset,
            "submitted for review",
            lambda c: workflow.submit_for_review(c, user=request.user),
        )

    @admin.action(description="Publish selected claims")
    def publish(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        self._transition(
            request, queryset, "published", lambda c: workflow.publish_claim(c, user=request.user)
        )

    @admin.action(description="Retract selected claims (give a reason)")
    def retract(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        reason = request.POST.get("reason", "")
        self._transition(
            request,
            queryset,
            "retracted",
            lambda c: workflow.retract_claim(c, user=request.user, reason=reason),
        )


TRANSITION_BUTTONS = {
    "submit": {"name": "submit", "label": "Submit for review", "done": "submitted for review"},
    "publish": {"name": "publish", "label": "Publish", "done": "published"},
    "retract": {
        "name": "retract",
        "label": "Retract",
        "done": "retracted",
        "text": "Reason (shown to readers)",
    },
    "correct": {
        "name": "correct",
        "label": "Correct and republish",
        "done": "corrected and republished",
        "text": "Correction notice (shown with the retraction)",
    },
}


@admin.register(Verdict)
class VerdictAdmin(ViewOnlyAdmin, ReadOnlyHistoryAdmin):
    """Read-only list of all verdicts with their full history; edits happen on the claim."""

    list_display = ["headline", "claim", "rating_display", "is_current", "author_name", "created_at"]
    list_filter = ["rating", "is_current"]
    list_select_related = ["claim__claimant"]
    search_fields = ["headline", "reasoning", "claim__statement"]
    date_hierarchy = "created_at"

    @admin.display(description="Rating", ordering="rating")
    def rating_display(self, obj: Verdict) -> str:
        return rating_badge(obj.rating)


@admin.register(ChangeProposal)
class ChangeProposalAdmin(ViewOnlyAdmin, ReadOnlyHistoryAdmin):
    """The editors' queue of pending changes to public claims, each with a diff; approve or reject."""

    list_display = ["claim", "summary", "proposed_by", "proposed_at", "status", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["claim__claimant", "proposed_by", "decided_by"]
    search_fields = ["claim__statement"]
    fields = [
        "claim",
        "status",
        "proposed_by",
        "proposed_at",
        "decided_by",
        "decided_at",
        "decision_note",
        "diff",
    ]
    readonly_fields = fields
    actions = ["approve_selected", "reject_selected"]
    change_form_template = "admin/claims/changeproposal/change_form_decide.html"

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return workflow.can_publish(request.user)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        # The queue opens on what waits for a decision.
        if "status__exact" not in request.GET and not request.GET.get("_changelist_filters"):
            query = request.GET.copy()
            query["status__exact"] = ProposalStatus.PENDING
            request.GET = query
            request.META["QUERY_STRING"] = query.urlencode()
        return super().changelist_view(request, extra_context)

    @admin.display(description="What would change")
    def summary(self, obj: ChangeProposal) -> str:
        parts = [*obj.changes.get("claim", {})]
        parts += [k for k in ("topics", "verdict") if k in obj.changes]
        parts += ["citations"] if "citations" in obj.changes else []
        return ", ".join(parts)

    @admin.display(description="Diff: public now → proposed")
    def diff(self, obj: ChangeProposal) -> str:
        rows = format_html_join(
            "",
            '<tr><th>{}</th><td style="white-space:pre-wrap;background:#ffebe9">{}</td>'
            '<td style="white-space:pre-wrap;background:#dafbe1">{}</td></tr>',
            ((row.what, row.now, row.proposed) for row in proposals.diff_rows(obj)),
        )
        return format_html("<table><tr><th></th><th>Public now</th><th>Proposed</th></tr>{}</table>", rows)

    def render_change_form(self, request: HttpRequest, context: dict, *args, obj=None, **kwargs):
        context["can_decide"] = (
            obj is not None and obj.status == ProposalStatus.PENDING and workflow.can_publish(request.user)
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        return [
            path(
                "<int:proposal_id>/decide/",
                self.admin_site.admin_view(require_POST(self.decide_view)),
                name="claims_changeproposal_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, proposal_id: int) -> HttpResponseRedirect:
        proposal = get_object_or_404(ChangeProposal, pk=proposal_id)
        if not self.has_view_permission(request, proposal):
            raise PermissionDenied
        self._decide(
            request, [proposal], approve="_approve" in request.POST, note=request.POST.get("note", "")
        )
        return HttpResponseRedirect(reverse("admin:claims_changeproposal_change", args=[proposal.pk]))

    def _decide(self, request: HttpRequest, chosen, *, approve: bool, note: str = "") -> None:
        done, refused = 0, []
        for proposal in chosen:
            try:
                if approve:
                    workflow.approve_proposal(proposal, user=request.user)
                else:
                    workflow.reject_proposal(proposal, user=request.user, note=note)
            except (PermissionDenied, ValidationError) as exc:
                refused.append(" ".join(getattr(exc, "messages", [str(exc)])))
            else:
                done += 1
        if done:
            verb = "approved: now public" if approve else "rejected"
            self.message_user(request, f"{done} change(s) {verb}.", messages.SUCCESS)
        for reason in dict.fromkeys(refused):
            self.message_user(request, reason, messages.ERROR)

    @admin.action(description="Approve selected changes", permissions=["publish"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[ChangeProposal]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject selected changes", permissions=["publish"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[ChangeProposal]) -> None:
        self._decide(request, queryset, approve=False)
