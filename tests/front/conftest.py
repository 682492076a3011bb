"""The public pages are tested on the API's world: published, retracted, draft and in-review
claims, with secret markers that must never appear on a page, a feed or a sitemap."""

import pytest
from django.test import Client

from tests.api.conftest import World, assert_no_secrets, publish_with_verdict, world  # noqa: F401

__all__ = ["World", "assert_no_secrets", "publish_with_verdict"]


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="localhost")
