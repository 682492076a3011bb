"""Production settings: the deploy check is clean, a missing key stops the process, storage switches."""

import json
import os
import subprocess
import uuid

from tests.ops.conftest import production_env
from tests.servers import PYTHON, ROOT, django_eval


def test_check_deploy_is_clean_with_the_production_environment():
    result = subprocess.run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    # What gunicorn loads: the WSGI application must not come up.
    result = subprocess.run(
        [PYTHON, "-c", "import factcheck.wsgi; print('started')"],
        cwd=ROOT,
        env=production_env(SECRET_KEY=None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "started" not in result.stdout


def test_production_refuses_the_env_example_placeholder_key():
    placeholder = next(
        line.split("=", 1)[1]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line.startswith("SECRET_KEY=")
    )
    result = django_eval("print('started')", production_env(SECRET_KEY=placeholder))
    assert result.returncode != 0
    assert "placeholder" in result.stderr


def test_production_defaults_are_hardened():
    code = """
from django.conf import settings as s
print(json.dumps({
    "debug": s.DEBUG, "redirect": s.SECURE_SSL_REDIRECT, "proxy": list(s.SECURE_PROXY_SSL_HEADER),
    "hsts": s.SECURE_HSTS_SECONDS, "cookies": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],
    "hosts": s.ALLOWED_HOSTS, "cache": s.CACHES["default"]["BACKEND"],
    "conn": [s.DATABASES["default"]["CONN_MAX_AGE"], s.DATABASES["default"]["CONN_HEALTH_CHECKS"]],
    "connect_timeout": s.DATABASES["default"]["OPTIONS"]["connect_timeout"],
    "axes": s.AXES_FAILURE_LIMIT, "storage": s.STORAGES["default"]["BACKEND"],
}))
"""
    result = django_eval(code, production_env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "debug": False,
        "redirect": True,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "hsts": 31536000,
        "cookies": [True, True],
        "hosts": ["factcheck.example.org"],
        "cache": "factcheck.cache.ResilientRedisCache",
        "conn": [60, True],
        "connect_timeout": 5,
        "axes": 5,
        "storage": "django.core.files.storage.FileSystemStorage",
    }


def test_snapshot_bodies_go_to_s3_when_a_bucket_is_configured():
    # Credentials come from the environment so boto3 never asks an instance-metadata service;
    # building a URL is local, nothing is sent anywhere.
    env = production_env(
        AWS_STORAGE_BUCKET_NAME="factcheck-snapshots",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9",
        AWS_S3_REGION_NAME="eu-central-1",
        AWS_ACCESS_KEY_ID="test-access-key",
        AWS_SECRET_ACCESS_KEY="test-secret-key",
        AWS_EC2_METADATA_DISABLED="true",
    )
    code = """
from sources.models import Snapshot
storage = Snapshot._meta.get_field("body").storage
print(json.dumps({"class": storage.__class__.__name__, "bucket": storage.bucket_name,
                  "overwrite": storage.file_overwrite, "url": storage.url("snapshots/1-a.gz")}))
"""
    result = django_eval(code, env)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["class"] == "S3Storage"
    assert info["bucket"] == "factcheck-snapshots"
    assert info["overwrite"] is False
    assert info["url"].startswith("http://127.0.0.1:9/factcheck-snapshots/snapshots/1-a.gz?")


def test_snapshot_bodies_stay_on_the_filesystem_without_a_bucket(settings):
    from sources.models import Snapshot

    storage = Snapshot._meta.get_field("body").storage
    assert storage.__class__.__name__ == "FileSystemStorage"
    assert storage.location == str(settings.MEDIA_ROOT)


def test_embedded_defaults_need_no_server_and_share_the_cache_between_processes():
    """`make run` with nothing set: SQLite, a SQLite broker, and a cache that the web,
    worker and beat processes all see (heartbeats and politeness slots live there)."""
    env = {k: v for k, v in production_env(DEBUG="1").items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("SECRET_KEY")
    key = f"embedded-test-{uuid.uuid4().hex}"
    writer = django_eval(
        "from django.conf import settings\nfrom django.core.cache import cache\n"
        f"cache.set({key!r}, 'seen', 30)\n"
        "print(json.dumps([settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL]))",
        env,
    )
    assert writer.returncode == 0, writer.stderr[-2000:]
    engine, broker = json.loads(writer.stdout)
    assert engine == "django.db.backends.sqlite3"
    assert broker.startswith("factcheck-sqlite+sqlite:///") and broker.endswith("/var/celery/broker.sqlite3")
    reader = django_eval(f"from django.core.cache import cache\nprint(cache.get({key!r}))", env)
    assert reader.stdout.strip() == "seen"


def test_manage_py_without_secret_key_says_so_for_every_command():
    """Django swallows a settings error so that `help` works, then a core command such as
    makemigrations dies with "Models aren't loaded yet"; manage.py must name the real problem."""
    for command in (["makemigrations", "--check", "--dry-run"], ["check"]):
        result = subprocess.run(
            [PYTHON, "manage.py", *command],
            cwd=ROOT,
            env={"PATH": os.environ["PATH"]},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0
        assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
        assert "AppRegistryNotReady" not in result.stderr
