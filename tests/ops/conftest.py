"""Fixtures for operations tests: production environments, private Redis and PostgreSQL."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import PrivatePostgres, PrivateRedis


def production_env(**overrides: str) -> dict[str, str]:
    """A production process's environment: DEBUG off and none of pytest's relaxations."""
    inherited = ("PATH", "HOME", "LANG", "TMPDIR", "DATABASE_URL", "REDIS_URL")
    env = {k: os.environ[k] for k in inherited if k in os.environ}
    env.update(
        SECRET_KEY="k" * 10 + "-production-grade-secret-key-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="factcheck.example.org",
        DJANGO_SETTINGS_MODULE="factcheck.settings",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.init()
    server.start()
    yield server
    server.remove()
