import pytest
from django.core.exceptions import ValidationError

from sources.models import Source
from sources.urlnorm import InvalidURL, normalize_url


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("HTTPS://EN.Wikipedia.org/wiki/Bucha_massacre", "https://en.wikipedia.org/wiki/Bucha_massacre"),
        (
            "https://en.wikipedia.org:443/wiki/Bucha_massacre#Aftermath",
            "https://en.wikipedia.org/wiki/Bucha_massacre",
        ),
        ("en.wikipedia.org/wiki/Bucha_massacre", "https://en.wikipedia.org/wiki/Bucha_massacre"),
        ("https://example.org/a?utm_source=x&b=2&a=1&fbclid=zz", "https://example.org/a?a=1&b=2"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/%7Euser/%e2%80%93", "https://example.org/~user/%E2%80%93"),
        ("https://example.org./x", "https://example.org/x"),
        ("http://example.org:8080/x", "http://example.org:8080/x"),
        ("https://bücher.de/", "https://xn--bcher-kva.de/"),
    ],
)
def test_spellings_normalise_to_one_url(spelling, canonical):
    assert normalize_url(spelling) == canonical


def test_encoded_slash_stays_distinct_from_a_path_separator():
    assert normalize_url("https://example.org/a%2fb") != normalize_url("https://example.org/a/b")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/file", "Only http and https"),
        ("javascript:alert(1)", "Only http and https"),
        ("https://user:pw@example.org/", "credentials"),
        ("https://", "no host"),
        ("", "empty"),
        ("http://example.org:99999/", "cannot be parsed"),
    ],
)
def test_unusable_urls_are_refused_with_a_reason(url, reason):
    with pytest.raises(InvalidURL, match=reason):
        normalize_url(url)


@pytest.mark.django_db
def test_equivalent_spellings_are_one_source():
    first, created = Source.objects.get_or_create(url="https://EXAMPLE.org/story?utm_medium=social")
    second, created_again = Source.objects.get_or_create(url="example.org/story#comments")
    assert created and not created_again
    assert first.pk == second.pk
    assert Source.objects.get().url == "https://example.org/story"


@pytest.mark.django_db
def test_model_validation_reports_a_bad_url():
    source = Source(url="ftp://example.org/x")
    with pytest.raises(ValidationError) as excinfo:
        source.full_clean()
    assert "Only http and https" in str(excinfo.value.message_dict["url"])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("Facebook", "not a domain name"),
        ("https://facebook/", "not a domain name"),
        ("not a url", "contains spaces"),
        ("https://exa mple.org/", "contains spaces"),
        ("https//example.org/page", "scheme is mistyped"),
        ("https:www.aosfatos.org", "scheme is mistyped"),
        ("http:/example.org", "scheme is mistyped"),
    ],
)
def test_free_text_and_typos_are_not_urls(url, reason):
    with pytest.raises(InvalidURL, match=reason):
        normalize_url(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/x", "http://[::1]/x", "http://localhost/", "https://example.org/a b"]
)
def test_ip_literals_localhost_and_spaces_in_paths_stay_allowed(url):
    assert normalize_url(url).startswith("http")


@pytest.mark.django_db
def test_the_admin_shows_why_a_url_is_refused(admin_client):
    response = admin_client.post(
        "/admin/sources/source/add/", {"url": "https//example.org/x", "kind": "web_page"}
    )
    assert response.status_code == 200
    assert "The scheme is mistyped" in response.content.decode()
    assert not Source.objects.exists()
