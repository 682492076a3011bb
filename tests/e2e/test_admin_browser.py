"""An editor's day in a real browser: log in, find the Bucha claim, add a claim with a source."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from claims.models import Claim
from sources.models import Source
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def logged_in(page: Page, live_server) -> Page:
    from claims.groups import EDITORS

    call_command("loaddemo", verbosity=0)
    UserFactory(username="olena", first_name="Olena", groups=[EDITORS])
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "olena")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_contain_text("factcheck")
    return page


def test_editor_finds_the_bucha_claim_and_sees_its_verdict_and_sources(logged_in: Page, live_server):
    page = logged_in
    page.goto(f"{live_server.url}/admin/claims/claim/")
    page.fill("#searchbar", "Bucha")
    page.press("#searchbar", "Enter")
    row = page.locator("#result_list tbody tr", has_text="staged the killings in Bucha")
    expect(row.locator(".rating-false")).to_have_text("False")
    row.locator("th a").click()
    expect(page.locator("#verdicts-group")).to_contain_text("The Bucha killings were not staged")
    expect(page.locator("#verdicts-group")).to_contain_text("current")
    citations = page.locator("#citations-group")
    expect(citations).to_contain_text("Bucha massacre")
    expect(citations).to_contain_text("Evidence: refutes")


def test_editor_adds_a_claim_with_a_pasted_source_url(logged_in: Page, live_server):
    page = logged_in
    page.goto(f"{live_server.url}/admin/claims/claim/add/")
    page.fill("#id_statement", "Russian troops left Bucha before any civilians were killed.")
    page.fill("#id_claimed_on", "2022-04-04")
    page.fill("#id_slug", "troops-left-bucha-before-killings")
    # Claimant autocomplete (select2): type, then pick the match.
    page.click("#id_claimant + .select2")
    page.fill(".select2-container--open .select2-search__field", "Medinsky")
    page.click(".select2-results__option >> text=Vladimir Medinsky")
    page.select_option("#id_citations-0-role", "refutes")
    page.fill("#id_citations-0-source_url", "https://EN.wikipedia.org/wiki/Bucha_massacre?utm_source=share")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

    claim = Claim.objects.get(slug="troops-left-bucha-before-killings")
    assert claim.claimant.name == "Vladimir Medinsky"
    assert claim.created_by.username == "olena"
    assert [c.source.url for c in claim.citations.all()] == ["https://en.wikipedia.org/wiki/Bucha_massacre"]
    assert Source.objects.filter(url__icontains="Bucha_massacre").count() == 1  # reused, not duplicated
