"""Admin login is rate-limited: repeated wrong passwords lock the address/username pair (axes)."""

import pytest
from django.conf import settings

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Lockout logic is under test, not the hasher: skip PBKDF2's deliberate slowness."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(client, password: str, address: str = "203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": password},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_password_guessing_is_locked_out_even_for_the_right_password(client):
    UserFactory(username="editor")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "guess").status_code == 200  # the form again, with an error

    assert login(client, "guess").status_code == 429
    assert login(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client):
    UserFactory(username="editor")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "guess")

    assert login(client, PASSWORD).status_code == 302
    client.logout()
    assert login(client, "guess").status_code == 200


@pytest.mark.django_db
def test_the_lockout_is_per_address(client):
    UserFactory(username="editor")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "guess", address="203.0.113.7")

    assert login(client, PASSWORD, address="198.51.100.9").status_code == 302
