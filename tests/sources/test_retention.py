"""Retention (issue 12): routine checks thinned, unused snapshots removed, and every snapshot an
editor saw or a citation points to kept; a command shows the policy and applies it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from claims.models import Citation, CitationRole
from sources.models import Health, Outcome, Snapshot, Source, SourceCheck
from tests.factories import CitationFactory, ClaimFactory

pytestmark = pytest.mark.django_db


def old(days: float):
    return timezone.now() - timedelta(days=days)


def snap(source: Source, days: float, **fields) -> Snapshot:
    snapshot = Snapshot(
        source=source, taken_at=old(days), content_hash=f"h{days}", text=f"text {days}", **fields
    )
    snapshot.body.save(f"s{days}.gz", ContentFile(b"body"), save=False)
    snapshot.save()
    return snapshot


def test_the_policy_is_shown_then_applied(settings, django_capture_on_commit_callbacks):
    settings.SOURCE_CHECK_RETENTION_DAYS = 30
    settings.SOURCE_SNAPSHOT_RETENTION_DAYS = 100
    source = Source.objects.create(url="https://news.example.org/kept")
    day = old(60).replace(hour=6)
    same_day = [
        SourceCheck.objects.create(
            source=source,
            checked_at=day + timedelta(hours=h),
            outcome=Outcome.OK,
            health_after=Health.OK,
            changed=h == 4,
        )
        for h in (0, 2, 4, 6)
    ]
    other_day = SourceCheck.objects.create(
        source=source, checked_at=day + timedelta(days=1), outcome=Outcome.OK, health_after=Health.OK
    )
    recent = [
        SourceCheck.objects.create(
            source=source, checked_at=old(1), outcome=Outcome.OK, health_after=Health.OK
        )
        for _ in range(3)
    ]

    first = snap(source, 400)
    unused = snap(source, 300)
    seen = snap(source, 290, seen_at=old(200))
    as_cited = snap(source, 280)  # the last snapshot before the citation was made
    quoted = snap(source, 250)
    after_citation = snap(source, 200)
    young = snap(source, 50)
    latest = snap(source, 10)
    claim = ClaimFactory()
    citation = CitationFactory(claim=claim, source=source, role=CitationRole.SUPPORTS, quote="x")
    Citation.objects.filter(pk=citation.pk).update(created_at=old(270), quote_found_in=quoted)
    unused_body = unused.body.name

    out = StringIO()
    call_command("prune_monitor", stdout=out)
    text = out.getvalue()
    assert "2 of 8 would go" in text  # checks: hours 2 and 6 of the old day
    assert "2 of 8 would go." in text.split("Snapshots:")[1]  # unused and after_citation
    assert "Nothing deleted" in text
    assert SourceCheck.objects.count() == 8 and Snapshot.objects.count() == 8

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # bodies leave storage once deleted
        call_command("prune_monitor", "--apply", stdout=out)
    assert "Deleted 2 check(s) and 2 snapshot(s)." in out.getvalue()
    kept_checks = set(SourceCheck.objects.values_list("pk", flat=True))
    assert kept_checks == {same_day[0].pk, same_day[2].pk, other_day.pk, *(c.pk for c in recent)}
    kept = set(Snapshot.objects.values_list("pk", flat=True))
    assert kept == {first.pk, seen.pk, as_cited.pk, quoted.pk, young.pk, latest.pk}
    assert after_citation.pk not in kept and unused.pk not in kept
    assert not unused.body.storage.exists(unused_body)
