"""Admin times in the editor's time zone, named; the database and the API stay in UTC."""

import datetime

import pytest

from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2026, 7, 1, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def claim():
    claim = ClaimFactory()
    type(claim).objects.filter(pk=claim.pk).update(created_at=WHEN)
    return claim


def test_the_claim_page_shows_times_in_the_browsers_zone_with_its_name(client, editor, claim):
    client.force_login(editor)
    client.cookies["tz"] = "Europe/Kyiv"

    page = client.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()

    assert "July 1, 2026, 12:30 p.m. EEST" in page  # 09:30 UTC in Kyiv, summer time
    assert 'id="editor-time-zone"' in page and "times in Europe/Kyiv (EE" in page


@pytest.mark.parametrize(
    "cookie", ["", "Mars/Olympus_Mons", "../../etc/passwd", "Europe/Kyiv\x00", "x" * 500]
)
def test_an_unknown_zone_falls_back_to_utc_and_says_so(client, editor, claim, cookie):
    client.force_login(editor)
    client.cookies["tz"] = cookie

    response = client.get(f"/admin/claims/claim/{claim.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "July 1, 2026, 9:30 a.m. UTC" in page
    assert "times in UTC (UTC)" in page
