"""Alerts editors can trust (issue 12): in-article churn is learned as noise, a change alerts
only once a later check confirms it, documents are compared by their text."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from werkzeug import Request, Response

from sources import monitor
from sources.models import BlockKind, Health, LearnedBlock, Outcome, Source
from sources.volatility import mark_block
from tests.sources.pages import ARTICLE, churning_page, news_page, pdf_document

pytestmark = pytest.mark.django_db

EDITED = [ARTICLE[0], ARTICLE[1], ARTICLE[2].replace("the level of foreign ministers", "50,000 troops")]


@pytest.fixture
def churning(allow_server):
    """A page that is different at every load (timestamp, teaser, counter), whose article a test
    can edit."""
    state = {"paragraphs": ARTICLE, "tick": 0}

    def handler(request: Request) -> Response:
        state["tick"] += 1
        return Response(churning_page(state["paragraphs"], tick=state["tick"]), content_type="text/html")

    allow_server.expect_request("/churn").respond_with_handler(handler)
    state["source"] = Source.objects.create(url=allow_server.url_for("/churn"))
    return state


def check(source: Source):
    result = monitor.check_source(source.pk, force=True)
    source.refresh_from_db()
    return result


def test_a_churning_article_raises_no_change_over_ten_checks(churning):
    source = churning["source"]
    results = [check(source) for _ in range(10)]
    assert [r.outcome for r in results] == [Outcome.OK] * 10
    assert not any(r.changed for r in results)
    assert (source.health, source.snapshots.count(), source.content_changed_at) == (Health.OK, 1, None)
    learned = set(LearnedBlock.objects.filter(source=source).values_list("kind", "text"))
    kinds = {kind for kind, _ in learned}
    assert kinds == {BlockKind.VOLATILE}
    texts = " ".join(text for _, text in learned)
    assert "Updated" in texts and "Read more" in texts and "shared" in texts
    assert "learned as noise" in results[2].note or "noisy place(s) ignored" in results[2].note


def test_a_changed_number_inside_a_paragraph_raises_exactly_one_confirmed_change(churning):
    source = churning["source"]
    for _ in range(4):
        check(source)
    churning["paragraphs"] = [
        ARTICLE[0],
        ARTICLE[1].replace("Chernihiv", "Chernihiv, 50,000 troops"),
        ARTICLE[2],
    ]
    first = check(source)
    assert (first.changed, source.health) == (False, Health.OK)  # a candidate alerts nobody
    assert source.next_check_at < timezone.now() + timedelta(minutes=11)  # confirmed soon
    results = [check(source) for _ in range(6)]
    assert [r.changed for r in results] == [True, False, False, False, False, False]
    assert source.health == Health.CHANGED
    assert source.snapshots.count() == 2
    assert "50,000 troops" in source.snapshots.latest().text
    assert "1 change(s) confirmed" in results[0].note


def test_a_number_change_of_a_stable_sentence_is_a_change(churning):
    source = churning["source"]
    churning["paragraphs"] = [ARTICLE[0], ARTICLE[1], ARTICLE[2] + " About 50,000 people were evacuated."]
    check(source)
    churning["paragraphs"] = [ARTICLE[0], ARTICLE[1], ARTICLE[2] + " About 100,000 people were evacuated."]
    results = [check(source) for _ in range(3)]
    assert [r.changed for r in results] == [False, True, False]
    assert "100,000" in source.snapshots.latest().text


def test_a_refetch_seconds_later_is_not_a_confirmation(churning, settings):
    settings.SOURCE_CONFIRM_MIN_AGE = 300
    source = churning["source"]
    check(source)
    churning["paragraphs"] = EDITED
    assert check(source).changed is False  # the candidate
    soon = check(source)  # seconds later, same new text: neither confirmed nor noise
    assert soon.changed is False and "waiting for a confirming check" in soon.note
    assert source.next_check_at >= timezone.now() + timedelta(seconds=300)
    # The confirming check comes minutes later (the clock is moved by ageing what was stored).
    LearnedBlock.objects.filter(source=source).exclude(candidate_seen_at=None).update(
        candidate_seen_at=F("candidate_seen_at") - timedelta(seconds=301)
    )
    assert check(source).changed is True


def test_check_sources_runs_are_checks_like_any_other(churning):
    source = churning["source"]
    call_command("check_sources", "--all", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
    churning["paragraphs"] = EDITED
    call_command("check_sources", "--all", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
    source.refresh_from_db()
    assert source.health == Health.OK
    call_command("check_sources", "--all", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
    source.refresh_from_db()
    assert source.health == Health.CHANGED


def test_an_editor_can_mark_a_place_important_or_noise(churning):
    source = churning["source"]
    for _ in range(3):
        check(source)
    counter = LearnedBlock.objects.get(source=source, text__startswith="This article has been shared")
    mark_block(source, key=counter.key, kind=BlockKind.IMPORTANT)
    results = [check(source) for _ in range(2)]
    assert "waiting for a confirming check" in results[0].note  # watched again, never learned
    assert LearnedBlock.objects.get(pk=counter.pk).kind == BlockKind.IMPORTANT
    churning["paragraphs"] = EDITED
    assert check(source).changed is False  # the edit is a candidate
    edited = LearnedBlock.objects.get(source=source, text__contains="50,000 troops")
    mark_block(source, key=edited.key, kind=BlockKind.NOISE)
    assert check(source).changed is False  # an editor said that place is noise


def test_a_regenerated_pdf_is_no_change_and_a_new_text_is_one_with_a_readable_diff(
    allow_server, admin_client
):
    state = {"lines": ["Court filing No. 12", "The defendant paid 50,000 euros."], "n": 0}

    def handler(request: Request) -> Response:
        state["n"] += 1  # every request produces a new file: new dates, new id
        return Response(
            pdf_document(state["lines"], produced=f"2026120112{state['n']:04d}"),
            content_type="application/pdf",
        )

    allow_server.expect_request("/filing.pdf").respond_with_handler(handler)
    source = Source.objects.create(url=allow_server.url_for("/filing.pdf"))
    results = [check(source) for _ in range(4)]
    assert not any(r.changed for r in results)
    assert source.snapshots.count() == 1
    assert "50,000 euros" in source.snapshots.get().text
    state["lines"] = ["Court filing No. 12", "The defendant paid 100,000 euros."]
    assert [check(source).changed for _ in range(2)] == [False, True]
    page = admin_client.get(reverse("admin:sources_source_diff", args=[source.pk])).content.decode()
    assert "50,000" in page and "100,000" in page
    assert "identical" not in page


def test_an_edit_next_to_a_teaser_that_repeats_by_chance_is_still_confirmed(page):
    # The teaser rotates; when it happens to show the snapshot's teaser again it anchors the
    # alignment, and the inserted paragraph is found at another place: still the same new text.
    def story(teaser: str, *, inserted: bool) -> str:
        middle = [teaser, "A correction was appended to this article by the editors on Tuesday."][
            : 1 + inserted
        ]
        return news_page([ARTICLE[0], *middle, ARTICLE[1], ARTICLE[2]])

    source = Source.objects.create(url=page["url"])
    page["html"] = story("Read more: Markets fall on rate fears today.", inserted=False)
    check(source)
    page["html"] = story("Read more: Storm warning for the coast tonight.", inserted=True)
    assert check(source).changed is False  # candidates: the teaser and the correction
    page["html"] = story("Read more: Markets fall on rate fears today.", inserted=True)
    assert check(source).changed is True
    assert "A correction was appended" in source.snapshots.latest().text


def test_a_paragraph_removed_next_to_an_ab_teaser_is_still_confirmed(page):
    # An A/B teaser matches the snapshot every other load, which moves where the removal is seen.
    def story(teaser: str, *, removed: bool) -> str:
        return news_page([ARTICLE[0], teaser, *([] if removed else [ARTICLE[1]]), ARTICLE[2]])

    a, b = "Read more: Markets fall on rate fears today.", "Read more: Storm warning for the coast tonight."
    source = Source.objects.create(url=page["url"])
    page["html"] = story(a, removed=False)
    check(source)
    page["html"] = story(b, removed=True)
    assert check(source).changed is False
    page["html"] = story(a, removed=True)
    assert check(source).changed is True
    assert ARTICLE[1] not in source.snapshots.latest().text
