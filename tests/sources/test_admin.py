"""The sources admin: overdue sources, "check now", snapshot diffs and raw bodies."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sources import monitor
from sources.models import Health, Source
from tests.claims.adminforms import change_form_data
from tests.sources.pages import ARTICLE, news_page

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:sources_source_changelist")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def changed_source(page):
    """A source checked twice, with an edited paragraph in between: two snapshots."""
    source = Source.objects.create(url=page["url"])
    monitor.check_source(source.pk, force=True)
    page["html"] = news_page([ARTICLE[0], ARTICLE[1].replace("drastically reduce", "scale back"), ARTICLE[2]])
    monitor.check_source(source.pk, force=True)
    monitor.check_source(source.pk, force=True)  # the confirming check (issue 12)
    source.refresh_from_db()
    assert source.snapshots.count() == 2
    return source


def test_overdue_sources_are_visible_and_filterable(editor_client):
    now = timezone.now()
    Source.objects.create(url="https://late.example.org/", next_check_at=now - timedelta(days=3))
    Source.objects.create(url="https://fine.example.org/", next_check_at=now + timedelta(hours=3))
    response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    assert b"Overdue" in response.content
    overdue = editor_client.get(CHANGELIST, {"overdue": "yes"}).context["cl"].result_list
    assert [s.url for s in overdue] == ["https://late.example.org/"]


def test_check_now_queues_and_checks(editor_client, page, eager_celery, django_capture_on_commit_callbacks):
    source = Source.objects.create(url=page["url"], next_check_at=timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            CHANGELIST, {"action": "check_now", "_selected_action": [source.pk]}, follow=True
        )
    assert "1 source(s) queued for a check." in response.content.decode()
    source.refresh_from_db()
    assert (source.health, source.checks.count(), source.queued_at) == (Health.OK, 1, None)


def test_change_page_shows_checks_and_snapshots(editor_client, changed_source):
    response = editor_client.get(reverse("admin:sources_source_change", args=[changed_source.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Recent checks" in text and "text changed" in text
    assert "diff with previous" in text and "raw body" in text


def test_diff_shows_the_edited_words_side_by_side(editor_client, changed_source):
    response = editor_client.get(reverse("admin:sources_source_diff", args=[changed_source.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<mark>[^<]*drastically reduce[^<]*</mark>", text)
    assert re.search(r"<mark>[^<]*scale back[^<]*</mark>", text)
    assert ARTICLE[0] in text  # unchanged context stays visible


def test_diff_of_any_two_snapshots_and_only_of_this_source(editor_client, changed_source, page):
    new, old = changed_source.snapshots.all()
    url = reverse("admin:sources_source_diff", args=[changed_source.pk])
    swapped = editor_client.get(url, {"a": new.pk, "b": old.pk}).content.decode()
    assert re.search(r'class="old">[^\n]*<mark>[^<]*scale back', swapped)
    other = Source.objects.create(url=page["url"] + "?other=1")
    assert (
        editor_client.get(reverse("admin:sources_source_diff", args=[other.pk]), {"a": old.pk}).status_code
        == 404
    )


def test_diff_escapes_the_page_text(editor_client, page):
    source = Source.objects.create(url=page["url"])
    monitor.check_source(source.pk, force=True)
    page["html"] = news_page([*ARTICLE, "Attack &lt;script&gt;alert(1)&lt;/script&gt; here."])
    monitor.check_source(source.pk, force=True)
    monitor.check_source(source.pk, force=True)  # the confirming check (issue 12)
    text = editor_client.get(reverse("admin:sources_source_diff", args=[source.pk])).content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_raw_body_is_a_download_never_rendered(editor_client, changed_source, page):
    snapshot = changed_source.snapshots.latest()
    response = editor_client.get(
        reverse("admin:sources_source_snapshot_raw", args=[changed_source.pk, snapshot.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == page["html"].encode()


def test_mark_changes_reviewed_action(editor_client, changed_source):
    assert changed_source.health == Health.CHANGED
    editor_client.post(
        CHANGELIST, {"action": "mark_changes_reviewed", "_selected_action": [changed_source.pk]}
    )
    changed_source.refresh_from_db()
    assert changed_source.health == Health.OK
    assert changed_source.change_reviewed_at is not None


def test_editing_the_url_forgets_the_old_state_and_checks_again(
    editor_client, changed_source, allow_server, eager_celery, django_capture_on_commit_callbacks
):
    allow_server.expect_request("/moved").respond_with_data(news_page(), content_type="text/html")
    data = {
        "url": allow_server.url_for("/moved"),
        "title": changed_source.title,
        "publisher": "",
        "kind": changed_source.kind,
        "language": "",
        "published_on": "",
        "check_interval": "1 00:00:00",
        "next_check_at_0": "",
        "next_check_at_1": "",
    }
    url = reverse("admin:sources_source_change", args=[changed_source.pk])
    data["loaded_version"] = change_form_data(editor_client, url)["loaded_version"]  # as the page sent it
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    changed_source.refresh_from_db()
    assert changed_source.url == allow_server.url_for("/moved")
    assert changed_source.health == Health.OK  # the old "changed" belonged to the old URL
    assert changed_source.snapshots.count() == 3  # a first snapshot of the new URL
