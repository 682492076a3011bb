"""Schemathesis fuzzes every operation of /api/v1/schema/ in-process (WSGI): no 5xx, and every
response conforms to the schema it is documented with. Bounded: a few examples per operation."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
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


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case, world):
    case.call_and_validate(checks=CHECKS, headers={"Host": "localhost"})
