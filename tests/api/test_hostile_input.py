"""The fuzzed inputs that once reached the database and answered 500: each is now a 400 (or a
harmless 200), and a property test holds every decodable cursor to "200 or 400"."""

import base64
import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def cursor(**payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/claims/?page_size=²", "page_size"),
        ("/api/v1/claims/?page_size=١٠", "page_size"),  # Arabic-Indic digits: isdigit() but not ours
        ("/api/v1/topics/?page_size=99999999999999999999999", "page_size"),
    ],
)
def test_non_ascii_and_huge_page_sizes_are_400(client, world, path, field):
    response = client.get(path)
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize("param", ["claimant", "topic"])
@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999999"])
def test_identifier_filters_with_unicode_digits_match_nothing(client, world, param, value):
    response = client.get("/api/v1/claims/", {param: value})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+23:59",
        "2024-01-01T00:00:00+99:00",
    ],
)
def test_updated_since_out_of_range_is_400(client, world, value):
    response = client.get("/api/v1/claims/", {"updated_since": value})
    assert response.status_code == 400, response.content
    assert "updated_since" in response.json()


@pytest.mark.parametrize("value", ["2000-01-01T00:00:00-15:30", "0230-01-06T06:17:50.34-21:41"])
def test_updated_since_with_an_offset_postgresql_cannot_store_is_moved_to_utc(client, world, value):
    response = client.get("/api/v1/claims/", {"updated_since": value})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 4  # published and retracted: a syncing client


WRONG_VALUES = [
    ("-claimed_on", "date", "not a date"),
    ("-claimed_on", "date", ["2024-01-01"]),
    ("-claimed_on", "date", {"y": 2024}),
    ("-claimed_on", "date", None),
    ("-claimed_on", "str", "2024-01-01\x00"),
    ("-claimed_on", "datetime", "2024-01-01T00:00:00-23:59"),
    ("-claimed_on", "int", 5),
    ("-published_at", "datetime", "9999-12-31T23:59:59-23:59"),
    ("-published_at", "datetime", "2024-01-01T00:00:00"),  # naive
    ("-published_at", "datetime", 12),
    ("-published_at", "str", "yesterday"),
    ("-updated_at", "datetime", None),
    ("claimed_on", "date", "2024-13-01"),
]


@pytest.mark.parametrize(("ordering", "kind", "value"), WRONG_VALUES)
def test_claim_cursors_with_values_of_the_wrong_type_are_400(client, world, ordering, kind, value):
    token = cursor(o=ordering, d="next", v=value, t=kind, id=1)
    response = client.get("/api/v1/claims/", {"cursor": token, "ordering": ordering})
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()


@pytest.mark.parametrize(
    "payload",
    [
        {"o": "relevance", "d": "next", "v": "high", "t": "float", "id": 1},
        {"o": "relevance", "d": "next", "v": None, "t": "float", "id": 1},
        {"o": "relevance", "d": "next", "v": [1.0], "t": "float", "id": 1},
        {"o": "relevance", "d": "next", "v": 0.5, "t": "float", "id": 2**70},
        {"o": "relevance", "d": "next", "v": 0.5, "t": "float", "id": True},
        {"o": "relevance", "d": "next", "v": 1e400, "t": "float", "id": 1},
    ],
)
def test_relevance_cursors_with_wrong_values_are_400(client, world, payload):
    response = client.get("/api/v1/claims/", {"cursor": cursor(**payload), "search": "bridge"})
    assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    ("collection", "ordering"), [("claimants", "name"), ("topics", "name"), ("sources", "-id")]
)
@pytest.mark.parametrize("value", [None, ["x"], {"a": 1}, "a\x00b", 2**70, "x" * 5000])
def test_collection_cursors_with_wrong_values_are_400(client, world, collection, ordering, value):
    token = cursor(o=ordering, d="next", v=value, t="str", id=1)
    response = client.get(f"/api/v1/{collection}/", {"cursor": token})
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)
DATES = st.datetimes().map(lambda d: d.isoformat()) | st.dates().map(lambda d: d.isoformat())
OFFSETS = st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}\Z")
CURSORS = st.fixed_dictionaries(
    {
        "o": st.sampled_from(
            ["-claimed_on", "claimed_on", "-published_at", "-updated_at", "updated_at", "relevance", "x"]
        ),
        "d": st.sampled_from(["next", "prev", "up"]),
        "v": JSON | DATES | OFFSETS,
        "t": st.sampled_from(["date", "datetime", "float", "int", "str", "list"]),
        "id": st.integers() | JSON,
    }
)


@pytest.fixture
def no_throttle(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/min"}}


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=CURSORS)
def test_any_decodable_cursor_is_200_or_400(client, world, no_throttle, payload):
    """A cursor is opaque but client-held: whatever JSON it decodes to, never a 500."""
    params = {"cursor": cursor(**payload), "ordering": payload["o"] if payload["o"] != "x" else "-claimed_on"}
    if payload["o"] == "relevance":
        params["search"] = "bridge"
    response = client.get("/api/v1/claims/", params)
    assert response.status_code in (200, 400), (payload, response.content)


def test_admin_snapshot_diff_with_unicode_digit_ids_is_not_a_500(admin_client):
    source = SourceFactory()
    for query in ("a=²", "b=٣", "a=99999999999999999999999", "a=1%00"):
        response = admin_client.get(f"/admin/sources/source/{source.pk}/diff/?{query}")
        assert response.status_code in (200, 404), (query, response.status_code)
