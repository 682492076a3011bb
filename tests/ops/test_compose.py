"""docker/compose.yaml and docker/Dockerfile stay in step with the settings and the smoke test.

This machine cannot build images, so the files are parsed: the commands must be the ones
tests/ops/stack.py runs, the ports must agree, and every environment name must be one the
settings (or a named other reader) actually read.
"""

import json
import re
import shlex

import pytest
import yaml
from django.conf import settings

from tests.ops import stack
from tests.servers import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "beat")

# Names read by something other than factcheck/settings.py, and who reads them.
OTHER_READERS = {
    "POSTGRES_PASSWORD": "the postgres image",
    "POSTGRES_USER": "the postgres image",
    "POSTGRES_DB": "the postgres image",
    "WEB_CONCURRENCY": "gunicorn",
    "PORT": "gunicorn and factcheck.health.probe",
    "AWS_ACCESS_KEY_ID": "boto3",
    "AWS_SECRET_ACCESS_KEY": "boto3",
    "DJANGO_SETTINGS_MODULE": "Django",
    "PATH": "the shell",
    "PYTHONDONTWRITEBYTECODE": "Python",
    "PYTHONUNBUFFERED": "Python",
}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of the final stage, continuation lines joined."""
    text = (ROOT / "docker" / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arguments = line.partition(" ")
        if keyword.upper() == "FROM":
            instructions = []  # keep only the final stage
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerfile(keyword: str) -> list[str]:
    return [arguments for key, arguments in dockerfile_instructions() if key == keyword]


def dockerfile_env() -> dict[str, str]:
    env = {}
    for arguments in dockerfile("ENV"):
        for pair in shlex.split(arguments):
            name, _, value = pair.partition("=")
            env[name] = value
    return env


def settings_env_names() -> set[str]:
    source = (ROOT / "factcheck" / "settings.py").read_text()
    return set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z0-9_]+)["']""", source))


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name] = value
    return pairs


@pytest.mark.parametrize(
    ("service", "command"),
    [
        ("migrate", stack.MIGRATE_COMMAND),
        ("web", stack.WEB_COMMAND),
        ("worker", stack.WORKER_COMMAND),
        ("beat", stack.BEAT_COMMAND),
    ],
)
def test_compose_runs_the_commands_the_smoke_test_runs(service, command):
    assert SERVICES[service]["command"] == command


def test_the_image_runs_the_web_command_and_the_same_health_probe():
    assert json.loads(dockerfile("CMD")[-1]) == stack.WEB_COMMAND
    [healthcheck] = dockerfile("HEALTHCHECK")
    assert healthcheck.split(" CMD ", 1)[1].strip() == json.dumps(stack.HEALTHCHECK_COMMAND)
    assert SERVICES["web"]["healthcheck"]["test"] == ["CMD", *stack.HEALTHCHECK_COMMAND]


def test_static_files_are_collected_at_build_with_the_smoke_tests_command():
    [collect] = [run for run in dockerfile("RUN") if "collectstatic" in run]
    assert " ".join(stack.COLLECTSTATIC_COMMAND) in collect
    assert dockerfile_env()["STATIC_ROOT"] == "/app/staticfiles"


def test_the_final_image_runs_as_a_non_root_user_without_build_tools():
    assert dockerfile("USER") == ["factcheck"]
    assert not any("build-essential" in run or "apt-get install" in run for run in dockerfile("RUN"))
    assert any(copy.startswith("--from=build") for copy in dockerfile("COPY"))


def test_ports_agree_between_dockerfile_compose_and_gunicorn():
    port = str(stack.WEB_PORT)
    assert dockerfile("EXPOSE") == [port]
    assert dockerfile_env()["PORT"] == port  # gunicorn binds 0.0.0.0:$PORT; the probe reads it
    assert SERVICES["web"]["ports"] == [f"127.0.0.1:{port}:{port}"]  # only the host's proxy reaches it


def test_every_environment_name_has_a_reader():
    names = set(env_example()) | set(dockerfile_env())
    for service in SERVICES.values():
        names |= set(service.get("environment", {}))
    unread = names - settings_env_names() - set(OTHER_READERS)
    assert not unread, f"set but read by nothing: {sorted(unread)}"


def test_env_example_sets_what_production_needs():
    example = env_example()
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "POSTGRES_PASSWORD"):
        assert example.get(name), name
    assert example["DATABASE_URL"].startswith("postgres://")
    # The app reaches the services by their compose names.
    assert "@db:5432/" in example["DATABASE_URL"]
    assert example["REDIS_URL"].startswith("redis://redis:6379/")
    db_password = example["DATABASE_URL"].split(":")[2].split("@")[0]
    assert db_password == example["POSTGRES_PASSWORD"]
    assert (
        SERVICES["db"]["environment"]["POSTGRES_USER"] == example["DATABASE_URL"].split("//")[1].split(":")[0]
    )


def test_app_services_share_the_env_file_and_wait_for_migrate():
    for name in APP_SERVICES:
        assert SERVICES[name]["env_file"] == "../.env"
    assert SERVICES["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    for name in ("db", "redis", "web", "worker"):
        assert SERVICES[name]["healthcheck"]["test"], name


def test_there_is_exactly_one_beat_and_state_lives_in_volumes():
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]
    assert f"media:{dockerfile_env()['MEDIA_ROOT']}" in SERVICES["web"]["volumes"]
    assert SERVICES["worker"]["volumes"] == SERVICES["web"]["volumes"]


def test_the_worker_consumes_every_routed_queue():
    queues = set(stack.WORKER_COMMAND[stack.WORKER_COMMAND.index("-Q") + 1].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert queues == routed | {"celery"}
