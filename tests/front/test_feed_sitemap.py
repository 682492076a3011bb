"""Atom feed, sitemap.xml and robots.txt: discovery lists exactly what is public."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from claims.models import Claim
from tests.front.conftest import World, assert_no_secrets

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 (our own output, parsed strictly: malformed XML fails the test)


def test_feed_is_valid_atom_with_new_updated_and_retracted_verdicts(client: Client, world: World):
    response = client.get("/en/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = xml(response.content)
    assert root.tag == f"{ATOM}feed"
    # RFC 4287 4.1.1: a feed has exactly one id, title and updated, an author (here or in every
    # entry) and a rel=self link.
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert root.find(f"{ATOM}author/{ATOM}name").text == "factcheck"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://localhost:8000/en/feed/"
    entries = root.findall(f"{ATOM}entry")
    ids = set()
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert (
            entry.find(f"{ATOM}link[@rel='alternate']")
            .get("href")
            .startswith("http://localhost:8000/en/claims/")
        )
        ids.add(entry.find(f"{ATOM}id").text)
    expected = {f"http://localhost:8000{claim.get_absolute_url()}" for claim in world.public}
    assert ids == expected
    titles = [entry.find(f"{ATOM}title").text for entry in entries]
    assert "Retracted: The harbour ferry carried a million passengers." in titles
    assert "False: The Danube bridge was closed for repairs in March." in titles
    assert_no_secrets(response.content, world)


def test_feed_speaks_the_readers_language(client: Client, world: World):
    root = xml(client.get("/uk/feed/").content)
    assert root.find(f"{ATOM}title").text == "Останні перевірки фактів"
    assert any(e.find(f"{ATOM}title").text.startswith("Відкликано: ") for e in root.findall(f"{ATOM}entry"))


def test_sitemap_lists_exactly_the_published_and_retracted_claims_with_lastmod(client: Client, world: World):
    index = xml(client.get("/sitemap.xml").content)
    [section] = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert section.endswith("/sitemap-claims.xml")
    response = client.get("/sitemap-claims.xml")
    root = xml(response.content)
    urls = {
        url.find(f"{SITEMAP}loc").text: url.find(f"{SITEMAP}lastmod").text
        for url in root.iter(f"{SITEMAP}url")
    }
    expected = {f"http://localhost:8000{claim.get_absolute_url()}": claim for claim in world.public}
    assert set(urls) == set(expected)
    for url, claim in expected.items():
        assert urls[url] == Claim.objects.get(pk=claim.pk).updated_at.date().isoformat()
        assert client.get(url.removeprefix("http://localhost:8000")).status_code == 200
    assert_no_secrets(response.content, world)


def test_sitemap_and_feed_use_the_configured_site_url(client: Client, world: World, settings):
    settings.FACTCHECK_SITE_URL = "https://checks.example.org"
    sitemap = client.get("/sitemap-claims.xml").content.decode()
    assert f"<loc>https://checks.example.org/en/claims/{world.published.pk}/</loc>" in sitemap
    assert "localhost" not in sitemap
    assert "https://checks.example.org/en/claims/" in client.get("/en/feed/").content.decode()


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_search_and_admin(client: Client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Sitemap: http://localhost:8000/sitemap.xml" in text
    for line in (
        "Disallow: /admin/",
        "Disallow: /en/search/",
        "Disallow: /uk/search/",
        "Disallow: /ru/search/",
    ):
        assert line in text.splitlines()
