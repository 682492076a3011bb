"""What each public page shows, and what it must never show."""

import datetime
import itertools

import extruct
import pytest
from django.test import Client

from claims import workflow
from claims.models import CitationRole, ExternalReview, Rating
from sources.models import Health, Snapshot
from tests.factories import CitationFactory, ClaimantFactory, ClaimFactory, UserFactory
from tests.front.conftest import World, assert_no_secrets, publish_with_verdict

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "uk", "ru")


def page(client: Client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode()


def json_ld(html: str) -> list[dict]:
    return extruct.extract(html, syntaxes=["json-ld"], uniform=True)["json-ld"]


def test_home_lists_published_verdicts_newest_first(client: Client, world: World):
    html = page(client, "/en/")
    assert "The Danube bridge was closed for repairs in March." in html
    assert "Міст через Дніпро відкрили вчора." in html
    assert "harbour ferry" not in html  # a retraction is not a "latest fact-check"
    newest_first = [world.ukrainian, world.russian, world.published]  # publication order, reversed
    positions = [html.index(f"/en/claims/{claim.pk}/") for claim in newest_first]
    assert positions == sorted(positions)
    assert_no_secrets(html, world)


def test_claim_page_shows_statement_claimant_verdict_history_and_evidence(client: Client, world: World):
    claim = world.published
    source = world.shared_source
    Source = type(source)
    Source.objects.filter(pk=source.pk).update(health=Health.CHANGED)
    Snapshot.objects.create(
        source=source, taken_at=datetime.datetime(2024, 5, 2, tzinfo=datetime.UTC), content_hash="x"
    )
    html = page(client, f"/en/claims/{claim.pk}/")
    assert "The Danube bridge was closed for repairs in March." in html
    assert '<a href="/en/claimants/alice-public/">Alice Public</a>' in html
    assert '<time datetime="2024-03-01">March 1, 2024</time>' in html
    assert "Press briefing on infrastructure" in html
    assert 'class="badge rating-false"' in html and "False: it never closed" in html
    assert "Camera footage." in html
    # The verdict it replaced is listed with its dates; the unpublished one never is.
    assert "Earlier verdicts" in html and "Mostly false: it was open" in html
    assert "Verdict revised" in html
    # Evidence: the source, its quote, its state and the date of our archived copy.
    assert "Shared evidence" in html and "Open all month." in html
    assert "Refutes the claim" in html
    assert "changed since we cited it" in html
    assert '<time datetime="2024-05-02T00:00:00+00:00">May 2, 2024</time>' in html
    assert "The interview" in html  # where it was said
    assert '<a href="/en/topics/bridges/">Bridges</a>' in html
    assert_no_secrets(html, world)


def test_embedded_claimreview_equals_the_api_document(client: Client, world: World):
    for language, claim in itertools.product(LANGUAGES, (world.published, world.russian, world.ukrainian)):
        html = page(client, f"/{language}/claims/{claim.pk}/")
        api = client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
        [embedded] = json_ld(html)
        assert embedded == api
        assert f'<link rel="canonical" href="{api["url"]}">' in html
        assert f'<meta property="og:url" content="{api["url"]}">' in html


def test_claimreview_url_is_the_page_in_the_claims_language_on_the_site_url(client, world, settings):
    settings.FACTCHECK_SITE_URL = "https://checks.example.org"
    urls = {
        claim.pk: client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()["url"]
        for claim in (world.published, world.russian, world.ukrainian)
    }
    assert urls == {
        world.published.pk: f"https://checks.example.org/en/claims/{world.published.pk}/",
        world.russian.pk: f"https://checks.example.org/ru/claims/{world.russian.pk}/",
        world.ukrainian.pk: f"https://checks.example.org/uk/claims/{world.ukrainian.pk}/",
    }
    for url in urls.values():
        assert client.get(url.removeprefix("https://checks.example.org")).status_code == 200


def test_every_published_claimreview_url_answers_200_with_its_page(client: Client, world: World, settings):
    feed = client.get("/api/v1/claims/?page_size=100").json()
    assert len(feed["results"]) == 3
    for item in feed["results"]:
        review = client.get(f"/api/v1/claims/{item['id']}/claimreview/").json()
        path = review["url"].removeprefix(settings.FACTCHECK_SITE_URL)
        html = page(client, path)
        assert json_ld(html) == [review]


def test_page_heads_carry_hreflang_alternates_feed_og_and_api_links(client: Client, world: World):
    claim = world.russian
    html = page(client, f"/uk/claims/{claim.pk}/")
    site = "http://localhost:8000"
    for code in LANGUAGES:
        assert f'<link rel="alternate" hreflang="{code}" href="{site}/{code}/claims/{claim.pk}/">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="{site}/en/claims/{claim.pk}/">' in html
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Останні перевірки фактів" href="{site}/uk/feed/">'
        in html
    )
    assert f'href="{site}/api/v1/claims/{claim.pk}/claimreview/"' in html
    assert (
        f'type="application/json" title="Ця перевірка в публічному API" href="{site}/api/v1/claims/{claim.pk}/"'
        in html
    )
    assert '<meta name="twitter:card" content="summary">' in html
    assert '<meta property="og:locale" content="uk_UA">' in html
    assert (
        '<meta property="og:title" content="Неправда: Переговоры в Стамбуле провалились из-за Украины.">'
        in html
    )
    assert '<q lang="ru">' in html  # the claim keeps its own language inside a Ukrainian page
    for path in (
        "/en/",
        "/ru/search/",
        f"/en/claimants/{world.claimant.slug}/",
        f"/uk/topics/{world.topic.slug}/",
    ):
        assert 'type="application/atom+xml"' in page(client, path)


def test_retracted_claim_stays_reachable_with_its_notice_and_no_claimreview(client: Client, world: World):
    html = page(client, f"/en/claims/{world.retracted.pk}/")
    assert "This fact-check was retracted" in html
    assert "We misread the operator&#x27;s report." in html
    assert "Misleading count" in html  # the verdict that was published stays readable
    assert json_ld(html) == []
    assert_no_secrets(html, world)


def test_drafts_and_claims_in_review_are_404_everywhere(client: Client, world: World):
    for language in LANGUAGES:
        _assert_nothing_unpublished(client, world, language)


def _assert_nothing_unpublished(client: Client, world: World, language: str) -> None:
    for claim in (world.draft, world.review):
        assert client.get(f"/{language}/claims/{claim.pk}/").status_code == 404
    assert client.get(f"/{language}/claimants/{world.secret_claimant.slug}/").status_code == 404
    assert client.get(f"/{language}/topics/{world.secret_topic.slug}/").status_code == 404
    missing = client.get(f"/{language}/claims/99999999/")
    assert missing.status_code == 404
    assert f'<html lang="{language}">' in missing.content.decode()
    for path in ("/", "/feed/", f"/claimants/{world.claimant.slug}/", f"/topics/{world.topic.slug}/"):
        assert_no_secrets(page(client, f"/{language}{path}"), world)
    for words in ("zanzibarian canal", "Bridges capital", "Quixotic", "Pending headline", "Clandestine"):
        html = page(client, f"/{language}/search/?search={words}")
        results = html[html.index('id="results"') :]  # the form above echoes the words searched
        assert_no_secrets(results, world)
    assert_no_secrets(page(client, "/sitemap-claims.xml"), world)


def test_a_corrected_claim_shows_the_correction_and_keeps_the_retraction(client: Client, world: World):
    claim = world.retracted
    workflow.record_verdict(
        claim, user=None, rating=Rating.TRUE, headline="Recounted", reasoning="Operator data."
    )
    workflow.correct_claim(claim, user=None, note="We recounted with the operator's audited figures.")
    html = page(client, f"/uk/claims/{claim.pk}/")
    assert "Виправлення" in html
    assert "We recounted with the operator&#x27;s audited figures." in html
    assert "We misread the operator&#x27;s report." in html  # the retraction stays on the record
    assert "Recounted" in html
    [embedded] = json_ld(html)
    assert embedded == client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()


def test_claimant_and_topic_pages_list_their_public_claims(client: Client, world: World):
    html = page(client, f"/en/claimants/{world.claimant.slug}/")
    assert "<h1>Alice Public</h1>" in html
    assert "3 fact-checked claims" in html  # published, russian and the retracted one
    assert "harbour ferry" in html and "Retracted" in html
    html = page(client, f"/ru/claimants/{world.claimant.slug}/")
    assert "3 проверенных заявления" in html
    html = page(client, f"/en/topics/{world.topic.slug}/")
    assert "<h1>Bridges</h1>" in html and "1 fact-checked claim<" in html
    assert_no_secrets(html, world)


def test_search_uses_the_api_full_text_search_and_filters(client: Client, world: World):
    html = page(client, "/en/search/?search=bridge")
    assert f"/en/claims/{world.published.pk}/" in html
    assert "Danube" in html
    html = page(client, "/en/search/?search=переговоры")
    assert f"/en/claims/{world.russian.pk}/" in html
    html = page(client, "/en/search/?rating=true")
    assert f"/en/claims/{world.ukrainian.pk}/" in html and f"/en/claims/{world.published.pk}/" not in html
    html = page(client, "/en/search/?status=retracted")
    assert f"/en/claims/{world.retracted.pk}/" in html and f"/en/claims/{world.published.pk}/" not in html
    html = page(client, "/en/search/?claimant=bohdan-publicenko&language=uk")
    assert f"/en/claims/{world.ukrainian.pk}/" in html and "Danube" not in html
    assert 'href="/uk/search/?search=%D0%BF%D0%B5%D1%80%D0%B5%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%D1%8B"' in page(
        client, "/en/search/?search=переговоры"
    )  # the language links keep the search
    html = page(client, "/en/search/?search=nothingmatchesthisxyz")
    assert "Nothing matches this search." in html


def test_bad_search_parameters_are_a_400_page_with_the_reason(client: Client, world: World):
    for query in (
        "rating=bogus",
        "claimed_after=not-a-date",
        "ordering=relevance",
        "search=" + "x" * 5000,
        "search=a%00b",
        "claimant=%00",
        "ordering=;drop table",
    ):
        response = client.get(f"/en/search/?{query}")
        assert response.status_code == 400, query
        assert "Please correct the search:" in response.content.decode()


def test_search_pages_beyond_the_last_are_empty_not_errors(client: Client, world: World):
    for page_number in ("2", "50", "51", "-1", "abc", "9" * 30):
        assert client.get(f"/en/search/?search=bridge&page={page_number}").status_code == 200


def test_a_statement_cannot_break_out_of_the_embedded_json_ld(client: Client, world: World):
    hostile = 'He said </script><script>alert("x")</script> & <!-- left'
    claim = ClaimFactory(statement=hostile, claimant=world.claimant)
    CitationFactory(claim=claim, role=CitationRole.REFUTES)
    publish_with_verdict(claim, headline="</script>", reasoning="<b>bold</b>")
    html = page(client, f"/en/claims/{claim.pk}/")
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    [embedded] = json_ld(html)
    assert embedded["claimReviewed"] == hostile
    assert embedded["headline"] == "</script>"


def test_a_claim_with_many_verdicts_and_sources_renders(client: Client, world: World):
    claim = world.published
    for n in range(5):
        workflow.record_verdict(claim, user=None, rating=Rating.MIXED, headline=f"Take {n}", reasoning="r")
    html = page(client, f"/en/claims/{claim.pk}/")
    assert all(f"Take {n}" in html for n in range(5))


def test_admin_view_on_site_opens_the_public_page(client: Client, world: World):
    admin_user = UserFactory(username="root", is_superuser=True)
    client.force_login(admin_user)
    response = client.get(f"/admin/claims/claim/{world.russian.pk}/change/")
    assert response.status_code == 200
    assert world.russian.get_absolute_url() == f"/ru/claims/{world.russian.pk}/"
    assert 'class="viewsitelink"' in response.content.decode()
    assert client.get("/").status_code == 302  # the admin's "View site"


def test_a_claimant_only_in_drafts_has_no_page_even_with_a_published_namesake(client: Client, world: World):
    namesake = ClaimantFactory(name="Zebulon Hiddenperson", slug="zebulon-other")
    claim = ClaimFactory(claimant=namesake, statement="Public words.")
    CitationFactory(claim=claim, role=CitationRole.SUPPORTS)
    publish_with_verdict(claim)
    assert client.get("/en/claimants/zebulon-other/").status_code == 200
    assert client.get(f"/en/claimants/{world.secret_claimant.slug}/").status_code == 404


def test_hostile_addresses_are_404_or_empty_never_500(client: Client, world: World):
    for path in (
        "/en/claims/99999999999999999999999/",
        "/en/claims/9223372036854775808/",
        "/en/claimants/" + "a" * 5000 + "/",
        "/en/topics/%00/",
        "/sitemap-claims.xml?p=999999999999999999999",
        "/sitemap-nope.xml",
    ):
        assert client.get(path).status_code == 404, path
    for query in ("claimant=999999999999999999999", "topic=" + "9" * 30, "page=" + "9" * 30):
        assert client.get(f"/en/search/?{query}").status_code in (200, 400), query
    assert client.post(f"/en/claims/{world.published.pk}/").status_code == 405


def external_review(claim, n: int, **fields) -> ExternalReview:
    values = {
        "identity": f"identity-{n}",
        "url": f"https://other.example.net/checks/{n}",
        "author_name": "Other Checkers",
        "rating_text": "Pants on Fire!",
        "headline": f"Their look at it, part {n}",
        "language": "en",
        "claim": claim,
    }
    return ExternalReview.objects.create(**(values | fields))


def test_other_publishers_reviews_are_listed_as_theirs(client: Client, world: World):
    external_review(world.published, 1, date_published=datetime.date(2024, 3, 5))
    external_review(world.published, 2, language="not a tag!", author_name="", headline="")
    external_review(world.draft, 3, headline="Quixotic outside view")  # a draft's: never shown
    external_review(None, 4, headline="Unlinked review")
    html = page(client, f"/uk/claims/{world.published.pk}/")
    assert "Інші фактчекери про цю заяву" in html
    assert '<li lang="en">' in html and 'lang="not a tag!"' not in html
    assert '<a href="https://other.example.net/checks/1" rel="noopener">Their look at it, part 1</a>' in html
    assert "5 березня 2024" in html
    assert "<q>Pants on Fire!</q>" in html
    assert "https://other.example.net/checks/2" in html and "Автор: інший видавець" in html
    assert "Unlinked review" not in html
    assert_no_secrets(html, world)
    # Their reviews are not ours: the embedded ClaimReview is still only ours.
    [embedded] = json_ld(html)
    assert embedded == client.get(f"/api/v1/claims/{world.published.pk}/claimreview/").json()
    assert embedded["author"]["name"] == "factcheck"
