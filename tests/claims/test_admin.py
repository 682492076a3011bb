import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import workflow
from claims.models import Citation, CitationRole, Claim, Rating, Status, Verdict
from sources.models import Health, Source
from tests.claims.adminforms import change_form_data
from tests.factories import CitationFactory, ClaimantFactory, ClaimFactory, SourceFactory, TopicFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:claims_claim_changelist")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def _make_claims(count: int) -> None:
    claimants = [ClaimantFactory() for _ in range(5)]
    topic = TopicFactory()
    for i in range(count):
        claim = ClaimFactory(claimant=claimants[i % 5])
        claim.topics.add(topic)
        CitationFactory(claim=claim)
        if i % 2:
            workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="h", reasoning="r")


def _changelist_queries(client, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_changelist_query_count_does_not_grow_with_claims(editor_client):
    # "all" shows every row on one page (up to 200), so the page really holds 10, then 200.
    _make_claims(10)
    small = _changelist_queries(editor_client, {"all": ""})
    filtered = {"all": "", "status__exact": "draft", "rating": "false", "source_health": "ok"}
    small_filtered = _changelist_queries(editor_client, filtered)
    _make_claims(190)
    assert _changelist_queries(editor_client, {"all": ""}) == small
    assert _changelist_queries(editor_client, filtered) == small_filtered


def test_changelist_shows_the_current_verdict_as_a_badge(editor_client):
    claim = ClaimFactory(statement="The killings in Bucha were staged.")
    CitationFactory(claim=claim)
    workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="h", reasoning="r")
    response = editor_client.get(CHANGELIST, {"q": "Bucha"})
    assert b"rating-false" in response.content
    assert b"The killings in Bucha were staged." in response.content


def test_filters_by_rating_and_needs_attention(editor_client):
    broken, fine = ClaimFactory(statement="Broken evidence"), ClaimFactory(statement="Fine evidence")
    CitationFactory(claim=broken, source=SourceFactory(health=Health.BROKEN))
    CitationFactory(claim=fine, source=SourceFactory(health=Health.OK))
    CitationFactory(claim=fine, role=CitationRole.APPEARANCE, source=SourceFactory(health=Health.BROKEN))
    workflow.record_verdict(fine, user=None, rating=Rating.TRUE, headline="h", reasoning="r")
    attention = editor_client.get(CHANGELIST, {"attention": "yes"}).context["cl"].result_list
    assert [c.statement for c in attention] == ["Broken evidence"]
    rated_true = editor_client.get(CHANGELIST, {"rating": "true"}).context["cl"].result_list
    assert [c.statement for c in rated_true] == ["Fine evidence"]
    no_verdict = editor_client.get(CHANGELIST, {"rating": "none"}).context["cl"].result_list
    assert [c.statement for c in no_verdict] == ["Broken evidence"]


def test_publish_action_refuses_with_a_clear_message(editor_client):
    claim = ClaimFactory(status=Status.REVIEW, statement="Unverdicted claim")
    response = editor_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [claim.pk]}, follow=True
    )
    text = response.content.decode()
    assert "Cannot publish" in text and "it has no current verdict" in text
    claim.refresh_from_db()
    assert claim.status == Status.REVIEW


def test_fact_checker_cannot_publish_through_the_admin(client, fact_checker):
    claim = ClaimFactory(status=Status.REVIEW)
    CitationFactory(claim=claim)
    workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="h", reasoning="r")
    client.force_login(fact_checker)
    response = client.post(CHANGELIST, {"action": "publish", "_selected_action": [claim.pk]}, follow=True)
    assert "You do not have permission to publish claims." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Status.REVIEW


def test_retract_action_uses_the_reason_field(editor_client):
    from tests.factories import published_claim

    claim = published_claim()
    editor_client.post(
        CHANGELIST,
        {"action": "retract", "_selected_action": [claim.pk], "reason": "Misattributed quote"},
    )
    claim.refresh_from_db()
    assert (claim.status, claim.retraction_reason) == (Status.RETRACTED, "Misattributed quote")


def test_published_claims_cannot_be_deleted(editor_client):
    from tests.factories import published_claim

    claim = published_claim()
    response = editor_client.post(reverse("admin:claims_claim_delete", args=[claim.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Claim.objects.filter(pk=claim.pk).exists()


def _add_form(claimant, **extra):
    data = {
        "statement": "Ukraine staged the Bucha killings.",
        "claimant": claimant.pk,
        "claimed_on": "2022-04-06",
        "context": "",
        "language": "en",
        "slug": "bucha-staged",
        "verdicts-TOTAL_FORMS": "1",
        "verdicts-INITIAL_FORMS": "0",
        "verdicts-0-rating": "false",
        "verdicts-0-headline": "Not staged",
        "verdicts-0-reasoning": "Satellite images.",
        "verdicts-0-author_name": "",
        "verdicts-0-original_rating": "",
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "0",
        "citations-0-role": "refutes",
        "citations-0-source": "",
        "citations-0-source_url": "HTTPS://En.Wikipedia.org/wiki/Bucha_massacre?utm_source=x",
        "citations-0-quote": "",
    }
    data.update(extra)
    return data


def test_adding_a_claim_with_a_pasted_url_creates_the_source_and_verdict(editor_client, editor):
    claimant = ClaimantFactory()
    response = editor_client.post(reverse("admin:claims_claim_add"), _add_form(claimant))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    claim = Claim.objects.get(slug="bucha-staged")
    assert claim.created_by == editor
    assert Source.objects.get().url == "https://en.wikipedia.org/wiki/Bucha_massacre"
    verdict = claim.verdicts.get()
    assert (verdict.is_current, verdict.rating, verdict.author) == (True, Rating.FALSE, editor)


def test_pasting_an_existing_url_reuses_its_source(editor_client):
    existing = SourceFactory(url="https://en.wikipedia.org/wiki/Bucha_massacre")
    editor_client.post(reverse("admin:claims_claim_add"), _add_form(ClaimantFactory()))
    assert Citation.objects.get().source == existing
    assert Source.objects.count() == 1


def test_invalid_pasted_url_is_a_form_error_and_nothing_is_written(editor_client):
    data = _add_form(ClaimantFactory(), **{"citations-0-source_url": "ftp://example.org/file"})
    response = editor_client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert "Only http and https URLs can be sources" in response.content.decode()
    assert not Claim.objects.exists() and not Source.objects.exists() and not Verdict.objects.exists()


def test_a_new_verdict_in_the_admin_supersedes_the_current_one(editor_client):
    claim = ClaimFactory()
    old = workflow.record_verdict(claim, user=None, rating=Rating.TRUE, headline="Old", reasoning="r")
    data = _add_form(
        claim.claimant,
        slug=claim.slug,
        statement=claim.statement,
        **{
            "verdicts-TOTAL_FORMS": "2",
            "verdicts-INITIAL_FORMS": "1",
            "verdicts-0-id": old.pk,
            "verdicts-0-claim": claim.pk,
            "verdicts-1-rating": "misleading",
            "verdicts-1-headline": "New",
            "verdicts-1-reasoning": "Newer evidence.",
            "verdicts-1-author_name": "",
            "verdicts-1-original_rating": "",
            "citations-TOTAL_FORMS": "0",
        },
    )
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data["loaded_version"] = change_form_data(editor_client, url)["loaded_version"]  # as the page sent it
    response = editor_client.post(url, data)
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.is_current is False and old.headline == "Old"
    assert claim.verdicts.get(is_current=True).rating == Rating.MISLEADING


def test_history_page_shows_who_changed_the_claim(editor_client, editor):
    claim = ClaimFactory(status=Status.REVIEW)
    CitationFactory(claim=claim)
    # Written by the desk (system), so four eyes let this editor publish it.
    workflow.record_verdict(claim, user=None, rating=Rating.FALSE, headline="h", reasoning="r")
    workflow.publish_claim(claim, user=editor)
    response = editor_client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    assert response.status_code == 200
    assert "Published" in response.content.decode() and "editor" in response.content.decode()
