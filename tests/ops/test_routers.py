"""PublicReadReplicaRouter: public API reads go to the replica, everything else to the primary."""

import pytest
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from factcheck.middleware import PublicReadMiddleware
from factcheck.routers import PublicReadReplicaRouter, reading_public_api
from tests.factories import published_claim

router = PublicReadReplicaRouter()


def test_reads_go_to_the_primary_outside_an_api_request():
    assert router.db_for_read(Claim) == "default"


def test_reads_go_to_the_replica_inside_an_api_request():
    token = reading_public_api.set(True)
    try:
        assert router.db_for_read(Claim) == "replica"
        assert router.db_for_write(Claim) == "default"
    finally:
        reading_public_api.reset(token)


def test_only_the_primary_is_migrated():
    assert router.allow_migrate("default", "claims") is True
    assert router.allow_migrate("replica", "claims") is False


@pytest.fixture
def replica(settings, transactional_db):
    """A second connection alias, as DATABASE_REPLICA_URL configures it, to the same database.

    It is a real, separate PostgreSQL connection, so each query shows which alias it used.
    """
    replica_settings = {**connections["default"].settings_dict}
    connections.settings["replica"] = replica_settings
    settings.DATABASE_ROUTERS = ["factcheck.routers.PublicReadReplicaRouter"]
    # Connect up front: the test case only allows lazy connections to aliases it declared.
    connections["replica"].connect()
    yield connections["replica"]
    connections["replica"].close()
    del connections["replica"]
    del connections.settings["replica"]


def _count_claims(request):
    return HttpResponse(str(Claim.objects.filter(status="published").count()))


@pytest.mark.parametrize(
    ("method", "path", "alias"),
    [
        ("get", "/api/v1/claims/", "replica"),
        ("head", "/api/v1/claims/", "replica"),
        ("post", "/api/v1/claims/", "default"),
        ("get", "/admin/claims/claim/", "default"),
    ],
)
def test_the_middleware_marks_only_safe_api_requests(replica, method, path, alias):
    published_claim()
    middleware = PublicReadMiddleware(_count_claims)
    request = getattr(RequestFactory(), method)(path)

    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = middleware(request)

    used = {"replica": on_replica, "default": on_primary}
    assert len(used[alias]) == 1
    assert len(used["default" if alias == "replica" else "replica"]) == 0
    assert response.content == b"1"
    assert reading_public_api.get() is False


def test_the_public_api_reads_only_from_the_replica_and_the_admin_only_from_the_primary(
    replica, client, editor
):
    claim = published_claim()

    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        listing = client.get("/api/v1/claims/")
        detail = client.get(f"/api/v1/claims/{claim.pk}/")

    assert listing.status_code == detail.status_code == 200
    assert detail.json()["id"] == claim.pk
    assert len(on_replica) > 0
    assert len(on_primary) == 0

    client.force_login(editor)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert client.get(f"/admin/claims/claim/{claim.pk}/change/").status_code == 200
    assert len(on_replica) == 0
