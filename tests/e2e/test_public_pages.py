"""A reader's visit in the system Chromium: home, a claim page in each language, search, a
claimant, the feed; the embedded ClaimReview equals the API's; axe-core finds no serious or
critical accessibility violation on any of these pages."""

import datetime
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from claims.models import ExternalReview
from tests.api.conftest import World, world  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations of the loaded page (WCAG 2.x A/AA and best practice)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/e2e` (make test does).")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def site(world: World, live_server, settings) -> World:  # noqa: F811
    settings.FACTCHECK_SITE_URL = live_server.url
    ExternalReview.objects.create(
        identity="e2e",
        url="https://other.example.net/checks/danube",
        author_name="Other Checkers",
        rating_text="Pants on Fire!",
        headline="The bridge never closed",
        language="en",
        date_published=datetime.date(2024, 3, 5),
        claim=world.published,
    )
    return world


def test_reader_visits_home_claims_in_three_languages_search_claimant_and_feed(
    page: Page, live_server, site: World
):
    base = live_server.url
    checked = []

    page.goto(f"{base}/", wait_until="domcontentloaded")
    expect(page).to_have_url(f"{base}/en/")  # Chromium's Accept-Language is English
    expect(page.locator("h1")).to_have_text("Latest fact-checks")
    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/en/#main")
    checked.append(("home", axe_violations(page)))

    for language, claim, heading in (
        ("en", site.published, "Our verdict"),
        ("uk", site.russian, "Наш вердикт"),
        ("ru", site.ukrainian, "Наш вердикт"),
    ):
        response = page.goto(f"{base}/{language}/claims/{claim.pk}/")
        assert response.status == 200
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("#verdict-title")).to_have_text(heading)
        if claim == site.published:
            expect(page.locator("section.external")).to_contain_text("The bridge never closed")
        embedded = json.loads(page.locator('script[type="application/ld+json"]').text_content())
        api = page.request.get(f"{base}/api/v1/claims/{claim.pk}/claimreview/").json()
        assert embedded == api
        # The ClaimReview url is a page of this site that answers with the same review.
        review_page = page.request.get(api["url"])
        assert review_page.status == 200
        assert api["url"] == f"{base}/{claim.language}/claims/{claim.pk}/"
        checked.append((f"claim/{language}", axe_violations(page)))

    page.goto(f"{base}/en/claims/{site.retracted.pk}/")
    expect(page.locator("#retraction-title")).to_have_text("This fact-check was retracted")
    checked.append(("retracted", axe_violations(page)))

    for draft in (site.draft, site.review):
        assert page.goto(f"{base}/en/claims/{draft.pk}/").status == 404

    page.goto(f"{base}/en/")
    page.get_by_label("Search the fact-checks").fill("bridge")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/en/search/?search=bridge")
    results = page.locator("ol.claims article")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("The Danube bridge was closed for repairs in March.")
    checked.append(("search", axe_violations(page)))
    page.get_by_label("Verdict").select_option("true")
    page.get_by_label("Words").fill("")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("ol.claims article")).to_contain_text("Міст через Дніпро відкрили вчора.")

    page.goto(f"{base}/en/claims/{site.published.pk}/")
    page.get_by_role("link", name="Alice Public").click()
    expect(page.locator("h1")).to_have_text("Alice Public")
    expect(page.locator("ol.claims article")).to_have_count(3)
    checked.append(("claimant", axe_violations(page)))

    page.get_by_role("link", name="Українська").click()
    expect(page).to_have_url(f"{base}/uk/claimants/alice-public/")
    checked.append(("claimant/uk", axe_violations(page)))

    feed_href = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    assert feed_href == f"{base}/uk/feed/"
    response = page.goto(feed_href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.body())  # noqa: S314 (our own output)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == len(site.public)

    failures = {name: found for name, found in checked if found}
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)
