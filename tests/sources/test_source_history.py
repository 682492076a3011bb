"""Sources have history, and a stale source form never overwrites a newer edit."""

import pytest
from django.urls import reverse

from sources import monitor
from sources.models import Health, Source
from tests.claims.adminforms import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_repointing_a_url_is_recorded_with_who_and_when(editor_client, editor):
    source = Source.objects.create(url="https://news.example.org/a", title="A")
    url = reverse("admin:sources_source_change", args=[source.pk])
    data = change_form_data(editor_client, url)
    data["url"] = "https://news.example.org/b"
    assert editor_client.post(url, data).status_code == 302
    latest = source.history.first()
    assert (latest.url, latest.history_user, latest.history_type) == (
        "https://news.example.org/b",
        editor,
        "~",
    )
    assert source.history.count() == 2
    history = editor_client.get(reverse("admin:sources_source_history", args=[source.pk]))
    assert history.status_code == 200 and "editor" in history.content.decode()


def test_monitor_bookkeeping_does_not_fill_the_history():
    source = Source.objects.create(url="https://news.example.org/a")
    Source.objects.filter(pk=source.pk).update(health=Health.BROKEN)
    monitor.mark_changes_reviewed([source.pk])  # an editor's act: kept
    assert source.history.count() == 2


def test_a_stale_source_form_is_refused(editor_client):
    source = Source.objects.create(url="https://news.example.org/a", title="Old")
    url = reverse("admin:sources_source_change", args=[source.pk])
    data = change_form_data(editor_client, url)
    Source.objects.filter(pk=source.pk).update(url="https://news.example.org/moved")  # someone else
    data["title"] = "Mine"
    response = editor_client.post(url, data)
    assert response.status_code == 200 and "Someone changed this record" in response.content.decode()
    source.refresh_from_db()
    assert (source.url, source.title) == ("https://news.example.org/moved", "Old")


def test_a_check_that_finished_meanwhile_is_neither_stale_nor_undone(editor_client):
    source = Source.objects.create(url="https://news.example.org/a", title="Old")
    url = reverse("admin:sources_source_change", args=[source.pk])
    data = change_form_data(editor_client, url)
    Source.objects.filter(pk=source.pk).update(health=Health.BROKEN, consecutive_failures=5, queued_at=None)
    data["title"] = "Mine"
    assert editor_client.post(url, data).status_code == 302
    source.refresh_from_db()
    assert (source.title, source.health, source.consecutive_failures) == ("Mine", Health.BROKEN, 5)
