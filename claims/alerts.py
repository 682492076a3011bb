"""Editors are told: a periodic digest of what needs attention, by email and by signed webhook.

Once per period (ALERT_DIGEST_PERIOD, a day by default), `send_digest()` gathers what happened
since the previous digest: cited quotes that went missing, and evidence sources whose health
became changed, failing, broken or blocked. When there is something, the Editors get one email
and, if ALERT_WEBHOOK_URL is set, the newsroom's chat tool gets one JSON POST signed with
ALERT_WEBHOOK_SECRET (HMAC-SHA256 over "<timestamp>.<body>", in `X-Factcheck-Signature`, the
timestamp in `X-Factcheck-Timestamp` so receivers can refuse replays). When nothing happened,
nothing is sent. Each period is claimed by inserting its row (unique on its end), so two beat
runs or two workers never send the same digest twice.

The webhook URL is set by operators, not by users: it may point into the newsroom's network, so
it is posted to with a plain bounded client, not the source fetcher (which refuses private
addresses).
"""

import hashlib
import hmac
import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from claims.groups import EDITORS
from claims.models import EVIDENCE_ROLES, AlertDigest, Citation, QuoteStatus
from sources.models import ATTENTION_HEALTH, Health

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT = 10.0
MAX_ITEMS = 200


@dataclass(frozen=True)
class Item:
    """One thing an editor should look at."""

    kind: str  # quote_missing or evidence
    claim_id: int
    claim: str
    claim_status: str
    source_url: str
    state: str
    since: str


def period_end(now: datetime) -> datetime:
    """The end of the period `now` falls in, periods counted from the Unix epoch."""
    period = settings.ALERT_DIGEST_PERIOD
    return datetime.fromtimestamp(int(now.timestamp()) // period * period, tz=now.tzinfo or timezone.utc)


def digest_items(*, since: datetime, until: datetime) -> list[Item]:
    """What went wrong between `since` and `until`: missing quotes first, then evidence."""
    quotes = Citation.objects.filter(
        quote_status=QuoteStatus.MISSING, quote_checked_at__gte=since, quote_checked_at__lt=until
    ).exclude(quote="")
    evidence = Citation.objects.filter(
        role__in=EVIDENCE_ROLES,
        source__health__in=(*ATTENTION_HEALTH, Health.FAILING),
        source__health_changed_at__gte=since,
        source__health_changed_at__lt=until,
    )
    items = []
    for kind, citations in (
        ("quote_missing", quotes),
        ("evidence", evidence.filter(~Q(pk__in=quotes.values("pk")))),
    ):
        for c in citations.select_related("claim", "source").order_by("claim_id", "pk")[:MAX_ITEMS]:
            when = c.quote_checked_at if kind == "quote_missing" else c.source.health_changed_at
            items.append(
                Item(
                    kind=kind,
                    claim_id=c.claim_id,
                    claim=c.claim.statement[:300],
                    claim_status=c.claim.status,
                    source_url=c.source.url,
                    state="cited quote gone or altered"
                    if kind == "quote_missing"
                    else Health(c.source.health).label,
                    since=when.isoformat(),
                )
            )
    return items


def send_digest(now: datetime | None = None) -> AlertDigest | None:
    """Send this period's digest if nobody has; None when it was already claimed."""
    now = now or timezone.now()
    end = period_end(now)
    previous = AlertDigest.objects.order_by("-period_end").values_list("period_end", flat=True).first()
    start = previous or end - timedelta(seconds=settings.ALERT_DIGEST_PERIOD)
    if start >= end:
        return None
    try:
        with transaction.atomic():
            digest = AlertDigest.objects.create(period_start=start, period_end=end)
    except IntegrityError:
        return None  # another run has this period
    items = digest_items(since=start, until=end)
    if items:
        digest.emailed = email_editors(items, start=start, end=end)
        digest.webhook_status = post_webhook(items, start=start, end=end)
    digest.items = len(items)
    digest.save(update_fields=["items", "emailed", "webhook_status"])
    return digest


def email_editors(items: list[Item], *, start: datetime, end: datetime) -> int:
    """One email to every active editor with an address; how many were addressed."""
    editors = get_user_model().objects.filter(groups__name=EDITORS, is_active=True).exclude(email="")
    recipients = sorted(set(editors.values_list("email", flat=True)))
    if not recipients:
        return 0
    lines = [f"{len(items)} item(s) need attention, {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC.", ""]
    site = settings.FACTCHECK_SITE_URL.rstrip("/")
    for item in items:
        lines += [
            f"- {item.state}: {item.claim} ({item.claim_status})",
            f"  source: {item.source_url}",
            f"  claim: {site}/admin/claims/claim/{item.claim_id}/change/",
        ]
    lines += ["", f"The attention queue: {site}/admin/claims/claim/attention/"]
    subject = f"[factcheck] {len(items)} item(s) need attention"
    send_mail(subject, "\n".join(lines), None, recipients)
    return len(recipients)


def sign(body: bytes, *, timestamp: str, secret: str) -> str:
    """The signature receivers recompute: HMAC-SHA256 of "<timestamp>.<body>" with the secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post_webhook(items: list[Item], *, start: datetime, end: datetime) -> str:
    """POST the digest as JSON to ALERT_WEBHOOK_URL; a short status for the digest's row."""
    url = settings.ALERT_WEBHOOK_URL
    if not url:
        return ""
    body = json.dumps(
        {
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "count": len(items),
            "text": f"{len(items)} item(s) need attention in factcheck",
            "items": [asdict(item) for item in items],
        },
        ensure_ascii=False,
    ).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": settings.SOURCE_FETCH_USER_AGENT,
        "X-Factcheck-Timestamp": timestamp,
        "X-Factcheck-Signature": sign(body, timestamp=timestamp, secret=settings.ALERT_WEBHOOK_SECRET),
    }
    try:
        with httpx.Client(timeout=WEBHOOK_TIMEOUT, trust_env=False, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        logger.warning("attention webhook failed: %s", exc)
        return f"error: {exc}"[:200]
    if response.status_code >= 300:
        logger.warning("attention webhook answered HTTP %s", response.status_code)
    return f"HTTP {response.status_code}"
