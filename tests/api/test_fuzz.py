"""Schemathesis fuzzes every operation of /api/v1/schema/ in-process (WSGI): no 5xx, and every
response conforms to the schema it is documented with. Bounded: a few examples per operation."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]

# Loaded at collection through the WSGI app: the schema itself needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
# Valid and invalid parameters (wrong types, out-of-range page sizes, NUL bytes, unknown enums).
schema.config.generation.update(modes=list(GenerationMode), allow_x00=True)


@pytest.fixture(autouse=True)
def _wsgi_inside_the_test_transaction(settings):
    """Keep the test's connection open across WSGI requests, as Django's test client does,
    and lift the throttle so the fuzzer's burst of requests is not answered with 429s."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/min"}}
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The seed is recorded so a failure found here is found again on every machine.
SEED = 20261201


@pytest.mark.django_db
@schema.parametrize()
@seed(SEED)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_conforms_to_its_schema(case, world):
    case.call_and_validate(checks=CHECKS, headers={"Host": "localhost"})


def test_every_operation_documents_400_and_429_in_every_media_type_it_serves(client):
    document = client.get("/api/v1/schema/?format=json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            served = set(responses["200"]["content"])
            for status in ("400", "429"):
                assert status in responses, (method, path, status)
                assert set(responses[status]["content"]) == served, (method, path, status)
    claimreview = document["paths"]["/api/v1/claims/{lookup}/claimreview/"]["get"]["responses"]
    for status in ("200", "400", "404", "410", "429"):
        assert set(claimreview[status]["content"]) == {"application/ld+json", "application/json"}


@pytest.mark.django_db
def test_claimreview_is_served_in_both_documented_media_types(client, world):
    path = f"/api/v1/claims/{world.published.id}/claimreview/"
    assert client.get(path)["Content-Type"] == "application/ld+json"
    as_json = client.get(path, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 200
    assert as_json["Content-Type"] == "application/json"
    assert as_json.json()["@type"] == "ClaimReview"
    bad = client.get(path + "?x=%00", HTTP_ACCEPT="application/json")
    assert (bad.status_code, bad["Content-Type"]) == (400, "application/json")
