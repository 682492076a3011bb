"""Atom feed of new and updated verdicts (Django's syndication framework), one per language."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims import selectors
from claims.models import Claim, Status
from front import labels
from front.pages import absolute, claim_rows

FEED_SIZE = 50


class LatestVerdictsFeed(Feed):
    """Claims whose verdict was published or changed most recently, retractions included, so
    that a subscriber learns of a correction as soon as of a new fact-check."""

    feed_type = Atom1Feed
    title = gettext_lazy("Latest fact-checks")
    subtitle = gettext_lazy("New and updated verdicts, and retractions.")

    def link(self) -> str:
        return absolute(reverse("front:home"))

    def feed_url(self) -> str:
        return absolute(reverse("front:feed"))

    def author_name(self) -> str:
        return settings.FACTCHECK_PUBLISHER["name"]

    def author_link(self) -> str:
        return settings.FACTCHECK_PUBLISHER["url"]

    def items(self) -> QuerySet[Claim]:
        return claim_rows(selectors.public_claims()).order_by("-updated_at", "-id")[:FEED_SIZE]

    def item_title(self, claim: Claim) -> str:
        statement = Truncator(claim.statement).chars(140)
        if claim.status == Status.RETRACTED:
            return _("Retracted: %(statement)s") % {"statement": statement}
        rating = labels.RATINGS.get(claim.rating, claim.rating or "")
        return f"{rating}: {statement}"

    def item_description(self, claim: Claim) -> str:
        if claim.status == Status.RETRACTED:
            return claim.retraction_reason
        return f"{claim.claimant.name}. {claim.headline or ''}"

    def item_link(self, claim: Claim) -> str:
        return absolute(reverse("front:claim", args=[claim.pk]))

    def item_guid(self, claim: Claim) -> str:
        return absolute(claim.get_absolute_url())

    def item_author_name(self, claim: Claim) -> str:
        return settings.FACTCHECK_PUBLISHER["name"]

    def item_pubdate(self, claim: Claim) -> datetime.datetime | None:
        return claim.published_at

    def item_updateddate(self, claim: Claim) -> datetime.datetime:
        return claim.updated_at
