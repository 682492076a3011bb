"""Quotes watched (issue 12): a cited quote that disappears from its source puts the claim at the
top of the editors' attention queue, with the quote followed through the diff."""

import html

import pytest
from django.urls import reverse
from django.utils import timezone
from werkzeug import Request, Response

from claims import workflow
from claims.models import Citation, CitationRole, QuoteStatus, Rating, Status
from sources import monitor
from sources.models import Health, Source
from sources.quotes import locate_quote
from tests.factories import CitationFactory, ClaimFactory
from tests.sources.pages import ARTICLE, churning_page

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("admin:claims_claim_attention")
QUOTE = "Moscow would “drastically reduce” military activity around Kyiv"


def publish(statement: str, source: Source, *, quote: str = "") -> Citation:
    claim = ClaimFactory(statement=statement, status=Status.REVIEW)
    citation = CitationFactory(claim=claim, source=source, role=CitationRole.SUPPORTS, quote=quote)
    workflow.record_verdict(claim, user=None, rating=Rating.TRUE, headline="True", reasoning="Yes.")
    workflow.publish_claim(claim, user=None)
    return citation


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("drastically reduce military activity", True),
        ('"Moscow would drastically  reduce\nmilitary activity"', True),  # quotes, spaces, line break
        ("MOSCOW WOULD DRASTICALLY REDUCE", True),
        ("Moscow would drastically reduce military activity around Kyiv — and Chernihiv", False),
        ("Moscow would slightly reduce military activity", False),  # altered
    ],
)
def test_quotes_are_located_tolerantly(quote, found):
    text = "Russia's deputy defence minister said Moscow would drastically reduce military activity around Kyiv and Chernihiv."
    assert (locate_quote(text, quote) is not None) is found


def test_a_cited_quote_removed_from_a_churning_page_puts_its_claim_at_the_top_of_the_queue(
    allow_server, admin_client, django_capture_on_commit_callbacks
):
    state = {"paragraphs": ARTICLE, "tick": 0}

    def handler(request: Request) -> Response:
        state["tick"] += 1
        return Response(churning_page(state["paragraphs"], tick=state["tick"]), content_type="text/html")

    allow_server.expect_request("/churn").respond_with_handler(handler)
    allow_server.expect_request("/gone").respond_with_data("gone", status=500)
    churning = Source.objects.create(url=allow_server.url_for("/churn"))
    failing = Source.objects.create(url=allow_server.url_for("/gone"))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            monitor.check_source(churning.pk, force=True)  # first snapshot, then churn learned as noise
        monitor.check_source(failing.pk, force=True)
        Source.objects.filter(pk=failing.pk).update(health_changed_at=timezone.now())  # the newer trouble
        quoted = publish("Russia promised to scale back", churning, quote=QUOTE)
        other = publish("Another claim", failing)
        from claims.evidence import check_new_quotes

        check_new_quotes([quoted])
        quoted.refresh_from_db()
        assert quoted.quote_status == QuoteStatus.FOUND

        state["paragraphs"] = [ARTICLE[0], "The minister's pledge was later withdrawn.", ARTICLE[2]]
        results = [monitor.check_source(churning.pk, force=True) for _ in range(3)]
    assert [r.changed for r in results] == [False, True, False]
    quoted.refresh_from_db()
    assert quoted.quote_status == QuoteStatus.MISSING
    churning.refresh_from_db()
    assert churning.health == Health.CHANGED

    page = admin_client.get(DASHBOARD).content.decode()
    rows = page.split('id="attention-list"')[1]
    assert rows.index(quoted.claim.statement) < rows.index(other.claim.statement)
    assert "cited quote gone or altered" in page
    diff_link = html.unescape(page.split("see it in the diff")[0].rsplit('href="', 1)[1].split('"')[0])
    diff = admin_client.get(diff_link).content.decode()
    assert "not found in the new text" in diff
    assert 'class="replace quoted"' in diff or 'class="delete quoted"' in diff

    claim_page = admin_client.get(
        reverse("admin:claims_claim_change", args=[quoted.claim_id])
    ).content.decode()
    assert "cited quote gone or altered" in claim_page


def test_failing_evidence_shows_on_the_claim_page_with_state_and_age(allow_server, admin_client):
    allow_server.expect_request("/down").respond_with_data("down", status=503)
    source = Source.objects.create(url=allow_server.url_for("/down"))
    monitor.check_source(source.pk, force=True)
    citation = publish("Claim on failing evidence", source)
    page = admin_client.get(reverse("admin:claims_claim_change", args=[citation.claim_id])).content.decode()
    assert "Nothing: all evidence sources look as cited" not in page
    assert "Failing" in page and "ago)" in page
    assert "Claim on failing evidence" in admin_client.get(DASHBOARD).content.decode()
