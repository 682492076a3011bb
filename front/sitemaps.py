"""sitemap.xml: every public claim (published and retracted) at its canonical URL, with lastmod."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet

from claims import selectors
from claims.models import Claim


class ClaimSitemap(Sitemap):
    """Absolute URLs on FACTCHECK_SITE_URL, whatever host the request came in on."""

    limit = 10_000  # several small files rather than one 50,000-URL file per request

    def items(self) -> QuerySet[Claim]:
        return selectors.public_claims().order_by("id").only("id", "language", "updated_at")

    def location(self, claim: Claim) -> str:
        return claim.get_absolute_url()

    def lastmod(self, claim: Claim) -> datetime.datetime:
        return claim.updated_at

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.FACTCHECK_SITE_URL).scheme

    def get_domain(self, site: object = None) -> str:
        return urlsplit(settings.FACTCHECK_SITE_URL).netloc


SITEMAPS = {"claims": ClaimSitemap}
