"""Read-only public API views. Thin: what is public comes from claims/selectors.py, the shapes
from claims/api/serializers.py, ClaimReview from claims/claimreview.py."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from claims import claimreview, selectors, sync
from claims.api import examples
from claims.api import serializers as shapes
from claims.api.filters import (
    ORDERINGS,
    ClaimFilter,
    ExternalReviewFilter,
    SourceFilter,
    claim_ordering_name,
    default_status,
)
from claims.api.pagination import KeysetCursorPagination
from claims.models import Status
from factcheck.clientip import client_address

ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT, description="A parameter is invalid; the body says which and why."
    ),
    429: OpenApiResponse(OpenApiTypes.OBJECT, description="Too many requests; see the Retry-After header."),
}
NOT_FOUND = {404: OpenApiResponse(OpenApiTypes.OBJECT, description="No public record with this id or slug.")}
DETAIL_ERRORS = {**ERRORS, **NOT_FOUND}
ID = re.compile(r"[0-9]{1,18}")
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")
LOOKUP = OpenApiParameter(
    "lookup", OpenApiTypes.STR, OpenApiParameter.PATH, description="The numeric id or the slug."
)


def claimreview_responses() -> dict[tuple[int, str], OpenApiResponse]:
    """Every status the ClaimReview action answers, in both media types it renders: JSON-LD by
    default, plain JSON for a client that asks for it (errors too follow the negotiation)."""
    described = {
        200: OpenApiResponse(OpenApiTypes.OBJECT, description="schema.org ClaimReview."),
        410: OpenApiResponse(OpenApiTypes.OBJECT, description="The claim was retracted; the body says why."),
        **DETAIL_ERRORS,
    }
    return {
        (status, media_type): response
        for status, response in described.items()
        for media_type in (claimreview.CLAIMREVIEW_MEDIA_TYPE, "application/json")
    }


class PublicAnonThrottle(AnonRateThrottle):
    """Per-address rate limit in the shared cache (Redis); the rate is read per request, so
    `API_THROTTLE_RATE` and test overrides take effect without re-importing DRF."""

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request: Request) -> str:
        """The same client address the admin login lockout keys on (NUM_PROXIES)."""
        return client_address(request)


class JSONLDRenderer(JSONRenderer):
    media_type = claimreview.CLAIMREVIEW_MEDIA_TYPE
    format = "jsonld"


class PublicViewSet(viewsets.ReadOnlyModelViewSet):
    """Common behaviour: anonymous throttle, validated query, keyset pages, ETags on details."""

    throttle_classes = [PublicAnonThrottle]
    pagination_class = KeysetCursorPagination
    lookup_url_kwarg = "lookup"
    lookup_value_regex = r"[^/]+"  # validated in get_object, so a bad id is a JSON 404
    slug_lookup = True
    etag_actions = frozenset({"retrieve"})
    ordering: tuple[str, ...] = ("-id",)
    list_fields: tuple[str, ...] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        bad = sorted(
            {key for key, value in request.query_params.lists() for v in [key, *value] if "\x00" in v}
        )
        if bad:
            raise ValidationError({key or "(empty)": ["Must not contain NUL characters."] for key in bad})

    def get_ordering(self) -> tuple[str, ...]:
        return self.ordering

    def get_ordering_name(self) -> str:
        return self.ordering[0]

    def get_object(self) -> Any:
        """By numeric id or, where the model has one, by slug; anything else is simply absent."""
        lookup = self.kwargs[self.lookup_url_kwarg]
        if ID.fullmatch(lookup):
            found = self.get_queryset().filter(pk=int(lookup)).first()
        elif self.slug_lookup and SLUG.fullmatch(lookup):
            found = self.get_queryset().filter(slug=lookup).first()
        else:
            found = None
        if found is None:
            raise NotFound("No public record with this id or slug.")
        return found

    def base_url(self, name: str) -> str:
        return self.request.build_absolute_uri(reverse(f"api:{name}-list"))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = self.filter_queryset(self.get_queryset()).values(*self.list_fields)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.list_items(page))

    def list_items(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return shapes.with_api_urls(rows, base_url=self.base_url(self.basename))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        return Response(self.list_items([{f: getattr(obj, f) for f in self.list_fields}])[0])

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and self.action in self.etag_actions
        ):
            # The ETag hashes the representation, so it changes with anything shown
            # (a source's health, a new snapshot), not only with the claim row.
            response.render()
            response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
            patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response


@extend_schema_view(
    list=extend_schema(
        summary="Published claims",
        description=(
            "Published claims, newest claim first. Retracted claims appear only with "
            "`status=retracted`, or with `updated_since` (so syncing clients learn of "
            "retractions). Drafts and claims in review never appear. Pages are keyset cursors: "
            "follow `next` until it is null.\n\n"
            "**Syncing** (PostgreSQL): request `since=0`, follow `next` to the end, keep the "
            "`X-Sync-Token` response header (the same on every page of a run); next time request "
            "`since=<token>`. You get every claim whose public view changed in a transaction that "
            "had not committed when the token was taken, whatever its timestamps: edits, new "
            "verdicts, retractions and corrections (`status` says which), citations, topics, the "
            "claimant, and cited sources' URL, title, publisher, kind, language, date and health. "
            "Some rows come again (overlap): apply them by `id`, they are idempotent. Claims never "
            "leave the public record (a retraction is a status), so there are no deletions to sync. "
            "`updated_since` still works but can miss a row whose transaction committed late; "
            "if you use it, resume a few minutes before the newest `updated_at` you saw."
        ),
        parameters=[
            OpenApiParameter(
                "sync_token",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                description="Set by the next/previous links of a `since` run; do not set it yourself.",
            )
        ],
        responses={200: shapes.ClaimListSerializer(many=True), **ERRORS},
        examples=[examples.CLAIM_LIST_ITEM],
    ),
    retrieve=extend_schema(
        summary="One claim",
        description=(
            "A published or retracted claim with its claimant, topics, current verdict, "
            "published verdict history, appearances and evidence (with source health and the "
            "date of the newest archived snapshot). Supports ETag / If-None-Match."
        ),
        parameters=[LOOKUP],
        responses={200: shapes.ClaimDetailSerializer, **DETAIL_ERRORS},
        examples=[examples.CLAIM_DETAIL],
    ),
)
class ClaimViewSet(PublicViewSet):
    """Published claims and their verdicts."""

    basename = "claim"
    filterset_class = ClaimFilter
    list_fields = shapes.CLAIM_LIST_FIELDS
    etag_actions = frozenset({"retrieve", "claimreview"})

    def get_queryset(self) -> QuerySet:
        if self.action == "list":
            return selectors.with_current_verdict(selectors.public_claims())
        if self.action == "retrieve":
            return shapes.detail_rows(selectors.public_claims())
        return selectors.public_claim_detail()

    def get_ordering(self) -> tuple[str, ...]:
        return ORDERINGS[self.get_ordering_name()]

    def get_ordering_name(self) -> str:
        return claim_ordering_name(self.request.query_params)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # A page with no filter parameter (the hot "latest claims" page) skips building the
        # filterset: its form and deep-copied filters cost more than the page's SQL.
        if not self.filterset_class.base_filters.keys() & self.request.query_params.keys():
            return default_status(queryset, status=None, syncing=False)
        return super().filter_queryset(queryset)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = self.sync_token() if "since" in request.query_params else None  # before reading
        queryset = self.filter_queryset(self.get_queryset())  # validates `ordering` among the rest
        keys = self.paginate_queryset(queryset.values("id", self.get_ordering()[0].lstrip("-")))
        items = shapes.claim_list_items(shapes.page_rows(keys), base_url=self.base_url("claim"))
        response = self.get_paginated_response(items)
        if token is not None:
            # Every page of one run carries the token its first page took, so whichever page's
            # header a client keeps, its next run starts early enough.
            response["X-Sync-Token"] = str(token)
            for link in ("next", "previous"):
                if response.data.get(link):
                    response.data[link] = replace_query_param(response.data[link], "sync_token", token)
        return response

    def sync_token(self) -> int | None:
        """The `sync_token` a next/previous link carried, else a new one (None off PostgreSQL)."""
        carried = self.request.query_params.get("sync_token")
        if carried is not None:
            if not (carried.isascii() and carried.isdigit() and int(carried) <= sync.MAX_TOKEN):
                raise ValidationError({"sync_token": ["Use the next/previous links as given."]})
            return int(carried)
        return sync.current_token() if sync.available() else None

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(shapes.claim_detail(self.get_object(), urls=self.urls()))

    def urls(self) -> dict[str, str]:
        return {name + "s": self.base_url(name) for name in ("claim", "claimant", "source")}

    @extend_schema(
        summary="ClaimReview JSON-LD",
        description=(
            "This fact-check as schema.org ClaimReview (`application/ld+json`), with Google's "
            "required and recommended properties. A retracted claim answers 410 Gone."
        ),
        parameters=[LOOKUP],
        responses=claimreview_responses(),
        examples=[examples.CLAIM_REVIEW],
        filters=False,
    )
    @action(
        detail=True,
        renderer_classes=[JSONLDRenderer, JSONRenderer],
        pagination_class=None,
        filterset_class=None,
    )
    def claimreview(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claim = self.get_object()
        if claim.status == Status.RETRACTED:
            return Response(
                {"detail": f"This fact-check was retracted: {claim.retraction_reason}"}, status=410
            )
        if not claimreview.is_public_review(claim):
            raise NotFound("This claim has no published verdict to review.")
        return Response(claimreview.claim_review(claim))


@extend_schema_view(
    list=extend_schema(
        summary="Claimants",
        description="People and organisations with at least one public claim, by name.",
        responses={200: shapes.ClaimantSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One claimant",
        parameters=[LOOKUP],
        responses={200: shapes.ClaimantSerializer, **DETAIL_ERRORS},
    ),
)
class ClaimantViewSet(PublicViewSet):
    basename = "claimant"
    list_fields = shapes.CLAIMANT_FIELDS
    ordering = ("name", "id")

    def get_queryset(self) -> QuerySet:
        return selectors.public_claimants()


@extend_schema_view(
    list=extend_schema(
        summary="Topics",
        description="Topics with at least one public claim, by name.",
        responses={200: shapes.TopicSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One topic",
        parameters=[LOOKUP],
        responses={200: shapes.TopicSerializer, **DETAIL_ERRORS},
    ),
)
class TopicViewSet(PublicViewSet):
    basename = "topic"
    list_fields = shapes.TOPIC_FIELDS
    ordering = ("name", "id")

    def get_queryset(self) -> QuerySet:
        return selectors.public_topics()


# Sources and other publishers' reviews have no slug: their path takes the id alone.
NUMERIC_ID = OpenApiParameter(
    "lookup", OpenApiTypes.STR, OpenApiParameter.PATH, description="The numeric id."
)


@extend_schema_view(
    list=extend_schema(
        summary="Sources",
        description=(
            "Sources cited by at least one public claim (where a claim appeared, or evidence), "
            "newest first, with their monitoring health and newest snapshot date."
        ),
        responses={200: shapes.SourceSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One source",
        parameters=[NUMERIC_ID],
        responses={200: shapes.SourceSerializer, **DETAIL_ERRORS},
    ),
)
class SourceViewSet(PublicViewSet):
    basename = "source"
    filterset_class = SourceFilter
    list_fields = shapes.SOURCE_FIELDS
    slug_lookup = False

    def get_queryset(self) -> QuerySet:
        return selectors.public_sources()


@extend_schema_view(
    list=extend_schema(
        summary="Other publishers' reviews of our claims",
        description=(
            "ClaimReviews by other fact-checkers (imported or linked by our editors) about our "
            "public claims, newest first: their publisher, their URL, their rating in their words "
            "and where it sits on our scale. These are not our verdicts; `/api/v1/claims/` lists "
            "only our own. Filter by `claim` (our claim's id)."
        ),
        responses={200: shapes.ExternalReviewSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One review by another publisher",
        parameters=[NUMERIC_ID],
        responses={200: shapes.ExternalReviewSerializer, **DETAIL_ERRORS},
    ),
)
class ExternalReviewViewSet(PublicViewSet):
    basename = "review"
    filterset_class = ExternalReviewFilter
    list_fields = shapes.EXTERNAL_REVIEW_FIELDS
    slug_lookup = False

    def get_queryset(self) -> QuerySet:
        return selectors.public_external_reviews()


class APIRootView(APIView):
    """Entry point: links to every collection, the OpenAPI schema and its documentation."""

    throttle_classes = [PublicAnonThrottle]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        links = {
            name + "s": reverse(f"api:{name}-list")
            for name in ("claim", "claimant", "source", "topic", "review")
        }
        links |= {"schema": reverse("api:schema"), "docs": reverse("api:docs")}
        return Response({key: request.build_absolute_uri(url) for key, url in links.items()})
