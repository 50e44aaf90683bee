"""docker-compose.yml and the Dockerfile: a valid deployment that runs the app as settings expect.

No container engine is needed: the compose file is checked as data, against the Compose
specification bundled with check-jsonschema and against what helpdesk/settings.py reads.
"""

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS_FILE = ROOT / "helpdesk" / "settings.py"

SERVICES = {"db", "redis", "migrate", "web", "worker", "beat"}
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING_SERVICES = ("db", "redis", "web", "worker", "beat")
# Variables without which compose must refuse to start rather than run with a default.
REQUIRED_VARIABLES = ("SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DEFAULT_FROM_EMAIL")

SETTINGS_READ = re.compile(r'\benv_(str|bool|int|list|choice|secret)\(\s*"([A-Z][A-Z0-9_]*)"')


def load_compose() -> dict[str, Any]:
    """The compose file as check-jsonschema reads it: YAML's safe loader, anchors merged."""
    return YAML(typ="safe", pure=True).load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def compose_schema() -> dict[str, Any]:
    """The Compose specification's JSON schema that `check-jsonschema` ships."""
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads(vendor.joinpath("compose-spec.json").read_text(encoding="utf-8"))


def environment(service: dict[str, Any]) -> dict[str, Any]:
    """A service's environment, from either the mapping or the `NAME=value` list form."""
    raw = service.get("environment") or {}
    if isinstance(raw, dict):
        return raw
    return dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)


def variables_settings_reads() -> set[str]:
    """Every variable name settings.py reads; a secret may also come from NAME_FILE."""
    names: set[str] = set()
    for helper, name in SETTINGS_READ.findall(SETTINGS_FILE.read_text(encoding="utf-8")):
        names.add(name)
        if helper == "secret":
            names.add(f"{name}_FILE")
    return names


def image_environment() -> dict[str, str]:
    """The variables the Dockerfile's ENV instructions set (`ENV A=1 \\ B=2` form)."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    variables: dict[str, str] = {}
    for line in text.splitlines():
        words = line.split()
        if words and words[0].upper() == "ENV":
            variables.update(word.split("=", 1) for word in words[1:])
    return variables


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = compose_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)

    errors = [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator_class(schema).iter_errors(compose)
    ]

    assert errors == []


def test_compose_file_has_no_obsolete_version_or_fixed_project_name(
    compose: dict[str, Any],
) -> None:
    assert "version" not in compose
    assert "name" not in compose


def test_services_are_database_broker_migration_web_worker_and_beat(
    compose: dict[str, Any],
) -> None:
    assert set(compose["services"]) == SERVICES


def test_app_services_are_exactly_the_ones_built_from_this_project(
    compose: dict[str, Any],
) -> None:
    built = {
        name
        for name, service in compose["services"].items()
        if service.get("build") in (".", {"context": "."})
    }

    assert built == set(APP_SERVICES)
    assert {compose["services"][name].get("image") for name in APP_SERVICES} == {"helpdesk:latest"}


@pytest.mark.parametrize("name", LONG_RUNNING_SERVICES)
def test_every_long_running_service_has_a_health_check(compose: dict[str, Any], name: str) -> None:
    healthcheck = compose["services"][name].get("healthcheck") or {}

    assert not healthcheck.get("disable", False), f"{name}'s health check is disabled"
    test = healthcheck.get("test") or []
    assert test, f"{name} has no health check"
    assert test[0] in ("CMD", "CMD-SHELL"), f"{name}'s health check runs nothing: {test}"


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_processes_start_after_migrations_succeeded_and_db_and_redis_are_healthy(
    compose: dict[str, Any], name: str
) -> None:
    depends_on = compose["services"][name].get("depends_on")

    assert isinstance(depends_on, dict), f"{name} needs depends_on with conditions"
    conditions = {service: rule.get("condition") for service, rule in depends_on.items()}
    assert conditions == {
        "db": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }


def test_migrations_run_once_after_the_database_is_healthy(compose: dict[str, Any]) -> None:
    migrate = compose["services"]["migrate"]

    assert migrate["command"] == ["python", "manage.py", "migrate", "--no-input"]
    # Any restart policy would start the finished one-shot container again, forever.
    assert migrate.get("restart", "no") == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_variable_is_one_settings_reads(compose: dict[str, Any], name: str) -> None:
    passed = set(environment(compose["services"][name]))

    assert passed, f"{name} gets no environment"
    unknown = passed - variables_settings_reads()
    assert not unknown, f"{name} sets variables settings.py never reads: {sorted(unknown)}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_runs_in_production_mode_and_will_not_start_without_a_secret_key(
    compose: dict[str, Any], name: str
) -> None:
    variables = environment(compose["services"][name])

    assert variables["DEBUG"] == "false"
    for required in REQUIRED_VARIABLES:
        assert re.fullmatch(rf"\$\{{{required}:\?[^}}]+\}}", variables[required]), (
            f"{name}: {required} must be required with ${{{required}:?message}}"
        )


def test_app_connects_with_the_password_postgres_is_initialised_with(
    compose: dict[str, Any],
) -> None:
    password = r"\$\{POSTGRES_PASSWORD:\?[^}]+\}"
    database = environment(compose["services"]["db"])
    url = environment(compose["services"]["web"])["DATABASE_URL"]

    assert (database["POSTGRES_USER"], database["POSTGRES_DB"]) == ("helpdesk", "helpdesk")
    assert re.fullmatch(password, database["POSTGRES_PASSWORD"])
    assert re.fullmatch(rf"postgres://helpdesk:{password}@db:5432/helpdesk", url)


@pytest.mark.parametrize("name", ["web", "worker"])
def test_attachments_live_in_a_volume_at_the_images_media_root(
    compose: dict[str, Any], name: str
) -> None:
    media_root = image_environment()["MEDIA_ROOT"]

    assert "media" in compose["volumes"]
    assert f"media:{media_root}" in compose["services"][name]["volumes"]


def test_image_sets_only_variables_settings_reads_and_never_a_secret_key() -> None:
    variables = image_environment()
    app_variables = {name for name in variables if not name.startswith(("PYTHON", "PIP_"))}

    assert variables["DEBUG"] == "false"
    assert {"HELPDESK_VAR_DIR", "MEDIA_ROOT", "STATIC_ROOT"} <= app_variables
    assert app_variables <= variables_settings_reads()
    assert "SECRET_KEY" not in variables
