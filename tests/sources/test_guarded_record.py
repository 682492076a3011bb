"""record_check writes only if the source's URL and review mark are still what it read."""

import pytest
from django.db import close_old_connections
from django.utils import timezone
from werkzeug import Request, Response

from sources import monitor
from sources.models import Health, Source
from tests.sources.pages import ARTICLE, news_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def meddling_page(allow_server):
    """A page whose server runs `state["during"]` (another writer) while answering a check."""
    state = {"html": news_page(), "during": None}

    def handler(request: Request) -> Response:
        if state["during"] is not None:
            state["during"]()
            close_old_connections()  # the server thread's own connection
        return Response(state["html"], content_type="text/html; charset=utf-8")

    allow_server.expect_request("/story").respond_with_handler(handler)
    state["url"] = allow_server.url_for("/story")
    return state


def test_marking_changes_reviewed_during_a_check_is_not_undone(meddling_page):
    source = Source.objects.create(url=meddling_page["url"])
    monitor.check_source(source.pk, force=True)
    meddling_page["html"] = news_page([ARTICLE[0], ARTICLE[1].replace("drastically", "slightly"), ARTICLE[2]])
    monitor.check_source(source.pk, force=True)
    monitor.check_source(source.pk, force=True)  # a change alerts once a later check confirms it
    assert Source.objects.get(pk=source.pk).health == Health.CHANGED

    meddling_page["during"] = lambda: monitor.mark_changes_reviewed([source.pk])
    assert monitor.check_source(source.pk, force=True) is None  # it read a state that is gone
    source.refresh_from_db()
    assert source.health == Health.OK and source.change_reviewed_at is not None


def test_a_url_edited_during_a_check_does_not_inherit_the_old_urls_state(meddling_page):
    source = Source.objects.create(url=meddling_page["url"])
    monitor.check_source(source.pk, force=True)
    old_hash = Source.objects.get(pk=source.pk).content_hash
    assert old_hash

    def edit_url() -> None:
        edited = Source.objects.get(pk=source.pk)
        edited.url = "https://elsewhere.example.org/new-home"
        monitor.forget_url_state(edited)
        edited.save()

    meddling_page["during"] = edit_url
    meddling_page["html"] = news_page([ARTICLE[0], "A paragraph that only the old URL has now."])
    assert monitor.check_source(source.pk, force=True) is None
    source.refresh_from_db()
    assert source.url == "https://elsewhere.example.org/new-home"
    assert (source.content_hash, source.etag, source.final_url, source.health) == (
        "",
        "",
        "",
        Health.UNCHECKED,
    )
    assert timezone.now() >= source.health_changed_at


def test_in_a_batch_only_the_source_edited_during_its_check_is_left_for_later(meddling_page):
    sources = Source.objects.bulk_create(Source(url=f"{meddling_page['url']}?n={n}") for n in range(3))
    ids = [source.pk for source in sources]
    monitor.request_checks(ids)
    edited = ids[1]
    meddling_page["during"] = lambda: monitor.mark_changes_reviewed([edited])
    outcome = monitor.check_sources(ids)

    assert sorted(check.source_id for check in outcome.checks) == [ids[0], ids[2]]
    left = Source.objects.get(pk=edited)
    assert (left.queued_at is not None, left.last_checked_at, left.content_hash) == (True, None, "")
    assert Source.objects.filter(pk__in=[ids[0], ids[2]], queued_at=None, health=Health.OK).count() == 2
