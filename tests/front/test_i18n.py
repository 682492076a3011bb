"""Three interface languages under URL prefixes; the admin and the API stay in English."""

import pytest
from django.test import Client

from tests.front.conftest import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept", "prefix"), [("uk-UA,uk;q=0.9", "/uk/"), ("ru", "/ru/"), ("de", "/en/"), ("", "/en/")]
)
def test_bare_root_redirects_to_the_readers_language(client: Client, accept: str, prefix: str):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302
    assert response["Location"] == prefix


def test_interface_and_dates_follow_the_url_language_while_the_claim_keeps_its_own(
    client: Client, world: World
):
    for language, heading, date in (
        ("en", "Our verdict", "March 30, 2022"),
        ("uk", "Наш вердикт", "30 березня 2022"),
        ("ru", "Наш вердикт", "30 марта 2022"),
    ):
        response = client.get(f"/{language}/claims/{world.russian.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        html = response.content.decode()
        assert response["Content-Language"] == language
        assert f'<html lang="{language}">' in html
        assert f'<h2 id="verdict-title">{heading}</h2>' in html
        assert date in html
        assert "Переговоры в Стамбуле провалились из-за Украины." in html  # never translated


def test_rating_labels_are_translated(client: Client, world: World):
    assert (
        'rating-false"><span class="visually-hidden">Вердикт: </span>Неправда<'
        in client.get(f"/uk/claims/{world.published.pk}/").content.decode()
    )
    assert ">В основном неправда<" in client.get(f"/ru/claims/{world.published.pk}/").content.decode()


def test_admin_and_api_ignore_the_browsers_language(client: Client, world: World):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="uk")
    assert "Username" in response.content.decode()
    response = client.get("/api/v1/claims/99999999/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json() == {"detail": "No public record with this id or slug."}
    assert "Accept-Language" not in response.get("Vary", "")


def test_an_unknown_language_prefix_is_404(client: Client, world: World):
    assert client.get(f"/en/claims/{world.published.pk}/").status_code == 200
    assert client.get(f"/de/claims/{world.published.pk}/").status_code == 404
