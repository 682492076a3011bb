"""Pasting one new URL in two spellings into two citation rows of one claim: one source, and
either two citations (different roles) or a form error that keeps everything typed."""

import pytest
from django.urls import reverse

from claims.models import Citation, Claim
from sources.models import Source
from tests.claims.test_admin import _add_form
from tests.factories import ClaimantFactory

pytestmark = pytest.mark.django_db


def two_rows(first_role: str, second_role: str) -> dict[str, str]:
    return _add_form(
        ClaimantFactory(),
        **{
            "citations-TOTAL_FORMS": "2",
            "citations-0-role": first_role,
            "citations-0-source_url": "HTTPS://En.Wikipedia.org/wiki/Bucha_massacre?utm_source=x",
            "citations-1-role": second_role,
            "citations-1-source": "",
            "citations-1-source_url": "https://en.wikipedia.org/wiki/Bucha_massacre",
            "citations-1-quote": "Satellite images from 19 March.",
        },
    )


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_one_new_url_in_two_spellings_and_two_roles_makes_one_source(editor_client):
    response = editor_client.post(reverse("admin:claims_claim_add"), two_rows("refutes", "context"))

    assert response.status_code == 302, response.content.decode()[:2000]
    source = Source.objects.get()
    assert source.url == "https://en.wikipedia.org/wiki/Bucha_massacre"
    assert sorted(Citation.objects.values_list("role", flat=True)) == ["context", "refutes"]
    assert set(Citation.objects.values_list("source", flat=True)) == {source.pk}


def test_the_same_new_url_twice_with_one_role_is_a_form_error_that_keeps_the_typing(editor_client):
    response = editor_client.post(reverse("admin:claims_claim_add"), two_rows("refutes", "refutes"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "cited twice with the same role" in page
    assert "Satellite images from 19 March." in page  # what the editor typed is still there
    assert "Ukraine staged the Bucha killings." in page
    assert not Claim.objects.exists() and not Source.objects.exists()
