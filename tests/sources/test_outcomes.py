"""What a check ends in when the answer is not plain text: labels for odd redirects, documents,
interstitials, undecodable bodies, extraction bounds and killed checks (issue 12)."""

import socketserver
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from werkzeug import Request, Response

from sources import monitor
from sources.fetch import fetch
from sources.models import Health, Outcome, Source
from sources.tasks import CHECK_SOFT_TIME_LIMIT
from tests.sources.pages import ARTICLE, news_page

pytestmark = pytest.mark.django_db

CONSENT_PAGE = """<!DOCTYPE html><html><head><title>Before you continue</title></head><body>
<main><h1>We value your privacy</h1><p>We and our 142 partners use cookies to store and access
information on your device. Click Accept all to consent, or Manage preferences.</p>
<button>Accept all</button><button>Reject all</button></main></body></html>"""
CHALLENGE_PAGE = """<!DOCTYPE html><html><head><title>Just a moment...</title>
<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1"></script></head>
<body><div id="cf-browser-verification"><p>Checking your browser before accessing the site.</p>
</div></body></html>"""
SOFT_404 = """<!DOCTYPE html><html><head><title>Page not found | Example News</title></head>
<body><main><h1>Sorry, the page you requested could not be found</h1>
<p>Try the search box or go back to the home page.</p></main></body></html>"""


def check(source: Source):
    result = monitor.check_source(source.pk, force=True)
    source.refresh_from_db()
    return result


# ---- outcome labels --------------------------------------------------------------------------


def test_a_cookie_bounce_to_the_same_url_is_not_a_loop(allow_server):
    def handler(request: Request) -> Response:
        if request.cookies.get("seen") == "1":
            return Response(news_page(), content_type="text/html")
        return Response("", status=302, headers={"Location": "/bounce", "Set-Cookie": "seen=1; Path=/"})

    allow_server.expect_request("/bounce").respond_with_handler(handler)
    result = fetch(allow_server.url_for("/bounce"))
    assert (result.outcome, result.status_code) == (Outcome.REDIRECTED, 200)


def test_a_redirect_without_location_is_a_bad_redirect_not_a_client_error(allow_server):
    allow_server.expect_request("/nowhere").respond_with_data("", status=302)
    result = fetch(allow_server.url_for("/nowhere"))
    assert (result.outcome, result.status_code) == (Outcome.BAD_REDIRECT, 302)
    assert "without a Location header" in result.error


@pytest.fixture
def raw_server(settings):
    """A loopback server answering every request with fixed bytes (werkzeug refuses to send a
    malformed Location, real servers do not)."""
    answer = {"bytes": b""}

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            while self.rfile.readline() not in (b"\r\n", b""):
                pass
            self.wfile.write(answer["bytes"])

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SOURCE_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.SOURCE_FETCH_ALLOWED_PORTS = [server.server_address[1]]
    answer["url"] = f"http://127.0.0.1:{server.server_address[1]}/broken"
    yield answer
    server.shutdown()
    server.server_close()


def test_a_malformed_location_is_a_bad_redirect_not_blocked(raw_server):
    raw_server["bytes"] = (
        b"HTTP/1.1 301 Moved\r\nLocation: http://[::1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    source = Source.objects.create(url=raw_server["url"])
    result = check(source)
    assert result.outcome == Outcome.BAD_REDIRECT
    assert "malformed Location" in result.error
    assert (source.health, source.consecutive_failures) == (Health.FAILING, 1)  # backs off like any failure


def test_a_304_after_a_redirect_stays_redirected(allow_server):
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(news_page(), content_type="text/html", headers={"ETag": '"v1"'})

    allow_server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    allow_server.expect_request("/new").respond_with_handler(handler)
    source = Source.objects.create(url=allow_server.url_for("/old"))
    check(source)
    assert source.health == Health.REDIRECTED
    result = check(source)
    assert (result.outcome, source.health) == (Outcome.NOT_MODIFIED, Health.REDIRECTED)


# ---- interstitials ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "reason"),
    [(CONSENT_PAGE, "consent wall"), (CHALLENGE_PAGE, "bot challenge"), (SOFT_404, "soft 404")],
)
def test_interstitials_served_between_normal_answers_are_failures_not_changes(page, html, reason):
    source = Source.objects.create(url=page["url"])
    check(source)
    for _ in range(2):
        page["html"] = html
        result = check(source)
        assert (result.outcome, result.changed) == (Outcome.INTERSTITIAL, False)
        assert reason in result.error
    assert source.health == Health.FAILING
    page["html"] = news_page()
    result = check(source)
    assert (result.outcome, result.changed, source.health) == (Outcome.OK, False, Health.OK)
    assert source.snapshots.count() == 1
    assert not source.checks.filter(changed=True).exists()


def test_text_collapsed_to_a_fraction_of_its_usual_length_is_an_interstitial(page):
    page["html"] = news_page([*ARTICLE, *(f"{p} More on this below." for p in ARTICLE)])
    source = Source.objects.create(url=page["url"])
    check(source)
    page["html"] = news_page(["Subscribe to read the rest of this article."])
    result = check(source)
    assert result.outcome == Outcome.INTERSTITIAL
    assert "collapsed to" in result.error
    assert source.snapshots.count() == 1


def test_articles_that_mention_cookies_and_captchas_are_still_articles(page):
    article = [
        *ARTICLE,
        "Regulators said websites must let readers reject cookies as easily as they accept them, "
        "and that a captcha may not be used to hide the reject button. " * 4,
    ]
    page["html"] = news_page(article)
    source = Source.objects.create(url=page["url"])
    assert check(source).outcome == Outcome.OK


# ---- documents ---------------------------------------------------------------------------------


def test_undecodable_body_is_its_own_outcome(allow_server):
    allow_server.expect_request("/garbled").respond_with_data(
        bytes(range(1, 32)) * 100, content_type="text/plain"
    )
    source = Source.objects.create(url=allow_server.url_for("/garbled"))
    result = check(source)
    assert (result.outcome, source.health, source.content_hash) == (Outcome.UNDECODABLE, Health.FAILING, "")
    assert not source.snapshots.exists()


# ---- bounds ------------------------------------------------------------------------------------


def test_a_page_over_the_extraction_bounds_ends_in_its_own_outcome_inside_the_soft_limit(page, settings):
    settings.SOURCE_EXTRACT_IN_PROCESS_BYTES = 0  # every body goes to the bounded child
    settings.SOURCE_EXTRACT_LINEAR_HTML_BYTES = 10**9  # force trafilatura, slow on this page
    settings.SOURCE_EXTRACT_TIMEOUT = 1.0
    page["html"] = news_page([f"Paragraph {i}." for i in range(60_000)])
    source = Source.objects.create(url=page["url"])
    monitor.request_checks([source.pk])
    started = time.monotonic()
    result = monitor.check_source(source.pk)
    assert time.monotonic() - started < min(CHECK_SOFT_TIME_LIMIT, 5)
    source.refresh_from_db()
    assert (result.outcome, result.error) == (
        Outcome.EXTRACTION_LIMIT,
        "extracting the text took longer than 1 s",
    )
    assert (source.health, source.queued_at, source.check_started_at) == (Health.FAILING, None, None)

    settings.SOURCE_EXTRACT_MAX_BYTES = 1000
    result = check(source)
    assert result.outcome == Outcome.EXTRACTION_LIMIT and "1,000-byte cap" in result.error


def test_a_check_killed_at_the_hard_limit_is_recorded_and_backs_off(page, allow_server):
    source = Source.objects.create(url=page["url"])
    monitor.request_checks([source.pk])
    # A worker started this check and was killed before recording it; the message is redelivered.
    killed_at = timezone.now() - timedelta(seconds=CHECK_SOFT_TIME_LIMIT + 30)
    Source.objects.filter(pk=source.pk).update(check_started_at=killed_at)
    requests_before = len(allow_server.log)
    result = monitor.check_source(source.pk)
    source.refresh_from_db()
    assert result.outcome == Outcome.KILLED and "never finished" in result.error
    assert len(allow_server.log) == requests_before  # not fetched again
    assert (source.health, source.consecutive_failures, source.queued_at) == (Health.FAILING, 1, None)
    assert source.next_check_at > timezone.now() + timedelta(minutes=10)  # backed off


def test_a_running_check_marks_its_start_and_clears_it_when_recorded(page):
    source = Source.objects.create(url=page["url"])
    monitor.request_checks([source.pk])
    assert monitor.check_source(source.pk).outcome == Outcome.OK
    source.refresh_from_db()
    assert source.check_started_at is None
