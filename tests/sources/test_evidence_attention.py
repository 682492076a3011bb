"""Claims learn about broken or changed evidence from the monitor (claims/admin.py)."""

import re

import pytest
from django.urls import reverse

from claims import workflow
from claims.models import CitationRole, Rating, Status
from sources import monitor
from sources.models import Source
from tests.factories import CitationFactory, ClaimFactory
from tests.sources.pages import ARTICLE, news_page

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:claims_claim_changelist")
DASHBOARD = reverse("admin:claims_claim_attention")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def cite(source: Source, *, statement: str, publish: bool):
    claim = ClaimFactory(statement=statement, status=Status.REVIEW)
    CitationFactory(claim=claim, source=source, role=CitationRole.REFUTES)
    workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="False", reasoning="No.")
    return workflow.publish_claim(claim, user=None) if publish else claim


@pytest.fixture
def evidence(page):
    """A source checked once, then cited by a published and by a draft claim."""
    source = Source.objects.create(url=page["url"])
    monitor.check_source(source.pk, force=True)
    published = cite(source, statement="Published claim", publish=True)
    draft = cite(source, statement="Draft claim", publish=False)
    return source, published, draft


def edit_paragraph(page, source):
    page["html"] = news_page([ARTICLE[0], ARTICLE[1].replace("drastically reduce", "scale back"), ARTICLE[2]])
    monitor.check_source(source.pk, force=True)
    monitor.check_source(source.pk, force=True)  # the confirming check (issue 12)


def listed(client, params) -> list[str]:
    return [c.statement for c in client.get(CHANGELIST, params).context["cl"].result_list]


def test_nothing_needs_attention_while_the_evidence_is_as_cited(editor_client, evidence):
    assert listed(editor_client, {"attention": "published"}) == []
    assert "Nothing needs attention" in editor_client.get(DASHBOARD).content.decode()


def test_a_changed_source_puts_its_published_claims_in_the_queue(editor_client, evidence, page):
    source, _, _ = evidence
    edit_paragraph(page, source)
    assert listed(editor_client, {"attention": "published"}) == ["Published claim"]
    assert sorted(listed(editor_client, {"attention": "yes"})) == ["Draft claim", "Published claim"]

    text = editor_client.get(DASHBOARD).content.decode()
    assert "Published claim" in text and "Draft claim" not in text
    first, latest = source.snapshots.order_by("taken_at")
    diff = reverse("admin:sources_source_diff", args=[source.pk]) + f"?a={first.pk}&amp;b={latest.pk}"
    assert diff in text  # what it said when cited, against what it says now


def test_the_claim_page_says_what_changed(editor_client, evidence, page):
    source, published, _ = evidence
    edit_paragraph(page, source)
    text = editor_client.get(reverse("admin:claims_claim_change", args=[published.pk])).content.decode()
    assert "What changed" in text
    assert re.search(
        r"text changed \d{4}-\d\d-\d\d \d\d:\d\d [A-Z+0-9-]+ · <a href=\"[^\"]+/diff/\?a=\d+&amp;b=\d+\">",
        text,
    )


def test_a_broken_source_shows_its_failures(editor_client, evidence, page, settings):
    settings.SOURCE_BROKEN_AFTER_FAILURES = 2
    source, _, _ = evidence
    page["status"] = 503
    for _ in range(2):
        monitor.check_source(source.pk, force=True)
    text = editor_client.get(DASHBOARD).content.decode()
    assert "Broken" in text
    assert "2 failed check(s) since cited" in text
    assert "HTTP 503" in text
    assert listed(editor_client, {"attention": "published"}) == ["Published claim"]


def test_reviewing_the_change_clears_the_queue(editor_client, evidence, page):
    source, _, _ = evidence
    edit_paragraph(page, source)
    monitor.mark_changes_reviewed([source.pk])
    assert listed(editor_client, {"attention": "published"}) == []


def test_changelist_flags_claims_and_links_the_queue(editor_client, evidence, page):
    source, _, _ = evidence
    edit_paragraph(page, source)
    text = editor_client.get(CHANGELIST).content.decode()
    assert text.count("needs attention</a>") == 2
    assert DASHBOARD in text


def test_admin_index_links_the_queue(editor_client):
    text = editor_client.get(reverse("admin:index")).content.decode()
    assert DASHBOARD in text
    assert reverse("admin:sources_source_changelist") + "?overdue=yes" in text
