"""Public HTML pages. Thin: what they show comes from front/pages.py, caching from front/cache.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, translate_url
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from front import cache, labels, pages
from front.feeds import LatestVerdictsFeed
from front.sitemaps import SITEMAPS

# OpenGraph wants language_TERRITORY.
OPEN_GRAPH_LOCALES = {"en": "en_US", "uk": "uk_UA", "ru": "ru_RU"}


def _context(request: HttpRequest, *, keep_query: bool = False, **extra: Any) -> dict[str, Any]:
    """What every page's head and header need: canonical URL, hreflang alternates, feed.

    Cached pages ignore the query string (their cache key does too, so random queries cannot
    fill the cache); only search, which is never cached, keeps it in its language links.
    """
    path = request.path
    query = f"?{request.GET.urlencode()}" if keep_query and request.GET else ""
    alternates = pages.language_alternates(path)
    context = {
        "canonical": pages.absolute(path),
        "alternates": alternates,
        # The same page in each language (a search keeps its words).
        "language_links": [
            (code, name, translate_url(path, code) + query) for code, name in settings.LANGUAGES
        ],
        "x_default": next(url for code, url in alternates if code == settings.LANGUAGE_CODE),
        "feed_url": pages.absolute(reverse("front:feed")),
        "site_name": settings.FACTCHECK_PUBLISHER["name"],
        "ratings": labels.RATINGS,
        "og_locale": OPEN_GRAPH_LOCALES.get(get_language(), get_language()),
    }
    return context | extra


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return cache.serve(
        request,
        version=cache.lists_version(),
        render=lambda: render(request, "front/home.html", _context(request, claims=pages.latest_verdicts())),
    )


@require_safe
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    version = cache.claim_version(pk)
    if version is None:
        raise Http404("No public fact-check with this number.")

    def page() -> HttpResponse:
        found = pages.claim_page(pk)
        if found is None:
            raise Http404("No public fact-check with this number.")
        context = _context(
            request,
            page=found,
            claim=found.claim,
            api=pages.api_links(found.claim),
        )
        # Every language version names the page in the claim's language as canonical: it is the
        # URL of the ClaimReview, and the review's text is the same on all three.
        context["canonical"] = pages.absolute(found.claim.get_absolute_url())
        return render(request, "front/claim.html", context)

    return cache.serve(request, version=version, render=page)


@require_safe
def claimant(request: HttpRequest, slug: str) -> HttpResponse:
    return _owner(request, pages.claimant_page, slug, "claimant")


@require_safe
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    return _owner(request, pages.topic_page, slug, "topic")


def _owner(request: HttpRequest, find: Callable, slug: str, name: str) -> HttpResponse:
    """A claimant's or a topic's page: who or what it is, and its public claims."""

    def page() -> HttpResponse:
        found = find(slug)
        if found is None:
            raise Http404(f"No public {name} with this name.")
        owner, claims = found
        return render(request, f"front/{name}.html", _context(request, claims=claims, **{name: owner}))

    return cache.serve(request, version=cache.lists_version(), render=page)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    def page() -> HttpResponse:
        result = pages.search(request.GET)
        status = 400 if result.form.errors else 200
        query = request.GET.copy()
        query.pop("page", None)
        context = _context(request, keep_query=True, result=result, query=query.urlencode())
        return render(request, "front/search.html", context, status=status)

    # Readers choose the query, so it is never cached (no cache filling by random queries).
    return cache.serve(request, version=cache.lists_version(), render=page, cached=False)


@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    return cache.serve(request, version=cache.lists_version(), render=lambda: LatestVerdictsFeed()(request))


@require_safe
def sitemap_index(request: HttpRequest) -> HttpResponse:
    # Not cached: Django's index names the sections on the request's (allowed) host.
    return cache.serve(
        request,
        version=cache.lists_version(),
        render=lambda: sitemap_views.index(request, SITEMAPS, sitemap_url_name="sitemap-section"),
        cached=False,
    )


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    return cache.serve(
        request,
        version=cache.lists_version(),
        render=lambda: sitemap_views.sitemap(request, SITEMAPS, section=section),
        query_keys=("p",),
    )


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    languages = [code for code, _name in settings.LANGUAGES]
    context = {"sitemap": pages.absolute(reverse("sitemap")), "languages": languages}
    return cache.serve(
        request,
        version=cache.lists_version(),
        render=lambda: render(request, "front/robots.txt", context, content_type="text/plain; charset=utf-8"),
    )
