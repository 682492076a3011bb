"""At 1280x800 an editor sees each claim's status, verdict and "needs attention" without
scrolling sideways, the claim page's citation rows fit, and times carry the editor's zone."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from claims.models import Claim, Status
from sources.models import Health, Source
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
WIDTH, HEIGHT = 1280, 800


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": WIDTH, "height": HEIGHT},
        "timezone_id": "Europe/Kyiv",
    }


@pytest.fixture
def editor_page(page: Page, live_server) -> Page:
    from claims.groups import EDITORS

    call_command("loaddemo", verbosity=0)
    published = Claim.objects.filter(status=Status.PUBLISHED).order_by("pk").first()
    Source.objects.filter(citations__claim=published).update(health=Health.BROKEN)
    UserFactory(username="olena", groups=[EDITORS])
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "olena")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_contain_text("factcheck")
    return page


def inside_viewport(page: Page, selector: str) -> None:
    locator = page.locator(selector).first
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (selector, box)


def test_an_editor_at_1280_sees_triage_columns_fitting_citations_and_their_own_time_zone(
    editor_page: Page, live_server
):
    """One browser session for the three checks: each page load costs seconds on a shared box."""
    page = editor_page
    page.goto(f"{live_server.url}/admin/claims/claim/")
    for column in ("status", "verdict_badge", "evidence_alert"):
        inside_viewport(page, f"#result_list th.column-{column}")
        inside_viewport(page, f"#result_list tbody tr td.field-{column}")
    inside_viewport(page, "#result_list td.field-evidence_alert a")  # "needs attention"
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

    claim = Claim.objects.filter(citations__isnull=False).order_by("pk").first()
    page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/change/")
    expect(page.locator("#citations-group")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    inside_viewport(page, "#citations-group tbody tr td.field-quote")

    # The login page told the server the browser's zone (Europe/Kyiv here); Chromium still
    # reports its old IANA name, "Europe/Kiev": both are valid.
    expect(page.locator("#editor-time-zone")).to_contain_text(re.compile(r"Europe/Ki[ye]v \(EES?T\)"))
    expect(page.locator(".field-created_at .readonly")).to_contain_text(re.compile(r" EES?T$"))
