"""Editors are told (issue 12): one digest per period by email (a real SMTP server in this
process) and by signed webhook (a real local HTTP server), and nothing when nothing happened."""

import json
import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer

from claims import alerts, workflow
from claims.evidence import check_quote
from claims.groups import EDITORS, FACT_CHECKERS
from claims.models import AlertDigest, CitationRole, Rating, Status
from sources.models import Health, Snapshot, Source
from tests.factories import CitationFactory, ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


class Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield handler
    controller.stop()


@pytest.fixture
def webhook(settings):
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    settings.ALERT_WEBHOOK_URL = server.url_for("/hook")
    settings.ALERT_WEBHOOK_SECRET = "s3cret-shared-with-the-chat-tool"
    yield server
    server.stop()


@pytest.fixture
def editors():
    UserFactory(username="ed1", email="ed1@example.org", groups=[EDITORS])
    UserFactory(username="ed2", email="ed2@example.org", groups=[EDITORS])
    UserFactory(username="fc", email="fc@example.org", groups=[FACT_CHECKERS])  # not an editor


def published(statement: str, source: Source, *, quote: str = ""):
    claim = ClaimFactory(statement=statement, status=Status.REVIEW)
    citation = CitationFactory(claim=claim, source=source, role=CitationRole.SUPPORTS, quote=quote)
    workflow.record_verdict(claim, user=None, rating=Rating.TRUE, headline="True", reasoning="Yes.")
    workflow.publish_claim(claim, user=None)
    return citation


def test_one_digest_per_period_with_what_changed_and_nothing_when_nothing_did(
    inbox, webhook, editors, settings
):
    now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    start = alerts.period_end(now)
    source = Source.objects.create(url="https://news.example.org/story")
    citation = published("The minister promised 50,000 troops", source, quote="50,000 troops")
    snapshot = Snapshot.objects.create(source=source, content_hash="x", text="He promised 100,000 troops.")
    check_quote(citation, snapshot)  # the quote is gone: what the digest must say
    failing = Source.objects.create(url="https://gov.example.org/report")
    published("Report says the border is closed", failing)
    Source.objects.filter(pk=failing.pk).update(
        health=Health.FAILING, health_changed_at=start + timedelta(hours=3)
    )
    # Both happened inside the period that ends at the next boundary.
    type(citation).objects.filter(pk=citation.pk).update(quote_checked_at=start + timedelta(hours=2))

    digest = alerts.send_digest(now + DAY)
    assert (digest.items, digest.emailed, digest.webhook_status) == (2, 2, "HTTP 200")
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert sorted(recipients) == ["ed1@example.org", "ed2@example.org"]
    assert "2 item(s) need attention" in message
    assert "The minister promised 50,000 troops" in message and "cited quote gone or altered" in message
    assert "Report says the border is closed" in message and "Failing" in message

    assert len(webhook.log) == 1
    request = webhook.log[0][0]
    body = request.get_data()
    expected = alerts.sign(
        body, timestamp=request.headers["X-Factcheck-Timestamp"], secret=settings.ALERT_WEBHOOK_SECRET
    )
    assert request.headers["X-Factcheck-Signature"] == expected
    payload = json.loads(body)
    assert payload["count"] == 2
    assert [item["kind"] for item in payload["items"]] == ["quote_missing", "evidence"]

    # Again in the same period (another beat run, another worker): nothing more is sent.
    assert alerts.send_digest(now + DAY + timedelta(hours=1)) is None
    # The next period saw nothing happen: its row is written, nothing is sent.
    quiet = alerts.send_digest(now + 2 * DAY)
    assert (quiet.items, quiet.emailed, quiet.webhook_status) == (0, 0, "")
    assert len(inbox.messages) == 1 and len(webhook.log) == 1
    assert AlertDigest.objects.count() == 2


def test_a_forged_signature_does_not_match():
    body = b'{"count": 1}'
    good = alerts.sign(body, timestamp="1764581400", secret="a")
    assert alerts.sign(body, timestamp="1764581401", secret="a") != good  # replayed with a new time
    assert alerts.sign(body + b" ", timestamp="1764581400", secret="a") != good
    assert alerts.sign(body, timestamp="1764581400", secret="b") != good


def test_a_webhook_that_is_down_does_not_lose_the_email(inbox, editors, settings):
    settings.ALERT_WEBHOOK_URL = f"http://127.0.0.1:{free_port()}/hook"  # nobody listens
    settings.ALERT_WEBHOOK_SECRET = "x"
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    source = Source.objects.create(url="https://news.example.org/down")
    published("A claim", source)
    Source.objects.filter(pk=source.pk).update(
        health=Health.BROKEN, health_changed_at=now - timedelta(hours=2)
    )
    digest = alerts.send_digest(now + DAY)
    assert digest.items == 1 and digest.webhook_status.startswith("error")
    assert len(inbox.messages) == 1
