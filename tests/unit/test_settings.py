"""Settings come from the environment through typed helpers that reject nonsense loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpdesk.settings import (
    BASE_DIR,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
)

PRODUCTION_KEY = "x7-Pq2mZr9vLk3Ws8Nd4Ht6Yb1Fc5Gj0Ue-Ia_Ox3Rs9Tl2Vn8Km4Hp6Qd1Wz7Ey"


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("FALSE", False), (" True ", True)])
def test_booleans_are_true_or_false(monkeypatch: pytest.MonkeyPatch, raw: str, value: bool) -> None:
    monkeypatch.setenv("FLAG", raw)

    assert env_bool("FLAG", not value) is value


@pytest.mark.parametrize("raw", ["yes", "1", "on", "maybe"])
def test_anything_else_is_not_a_boolean(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("FLAG", raw)

    with pytest.raises(ImproperlyConfigured, match="FLAG must be 'true' or 'false'"):
        env_bool("FLAG", False)


def test_unset_or_blank_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET", raising=False)
    monkeypatch.setenv("BLANK", "  ")

    assert env_bool("NOT_SET", True) is True
    assert env_int("BLANK", 7, minimum=0, maximum=9) == 7
    assert env_str("BLANK", "fallback") == "fallback"
    assert env_list("NOT_SET", ["a"]) == ["a"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("ten", "PORTISH must be a whole number"),
        ("0", "between 1 and 65535"),
        ("70000", "got 70000"),
    ],
)
def test_numbers_must_be_whole_and_in_range(
    monkeypatch: pytest.MonkeyPatch, raw: str, message: str
) -> None:
    monkeypatch.setenv("PORTISH", raw)

    with pytest.raises(ImproperlyConfigured, match=message):
        env_int("PORTISH", 1, minimum=1, maximum=65535)


def test_lists_are_comma_separated_without_empty_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", "help.example.com, 10.0.0.5")
    assert env_list("HOSTS", []) == ["help.example.com", "10.0.0.5"]

    monkeypatch.setenv("HOSTS", "help.example.com,,10.0.0.5")
    with pytest.raises(ImproperlyConfigured, match="HOSTS has an empty item"):
        env_list("HOSTS", [])


def test_choices_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEVEL", "warning")
    assert env_choice("LEVEL", "INFO", ("INFO", "WARNING")) == "WARNING"

    monkeypatch.setenv("LEVEL", "loud")
    with pytest.raises(ImproperlyConfigured, match="LEVEL must be one of INFO, WARNING"):
        env_choice("LEVEL", "INFO", ("INFO", "WARNING"))


def test_secrets_may_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "password"
    secret_file.write_text("s3cret\n")
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("SMTP_PASSWORD_FILE", str(secret_file))

    assert env_secret("SMTP_PASSWORD") == "s3cret"

    monkeypatch.setenv("SMTP_PASSWORD", "other")
    with pytest.raises(ImproperlyConfigured, match="Set SMTP_PASSWORD or SMTP_PASSWORD_FILE"):
        env_secret("SMTP_PASSWORD")

    monkeypatch.delenv("SMTP_PASSWORD")
    monkeypatch.setenv("SMTP_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="SMTP_PASSWORD_FILE: cannot read"):
        env_secret("SMTP_PASSWORD")


# The whole settings module, loaded in a fresh process as a server would load it.

# What `make test` and the browser tests set must not leak into the "server" started here.
NOT_INHERITED = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "HELPDESK_REMEMBER_CONFIGURATION",
    "DATABASE_CONN_MAX_AGE",
    "DATABASE_PREPARED_STATEMENTS",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    return subprocess.run(
        command,
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "manage.py", *args], **env)


def production(**env: str) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": PRODUCTION_KEY,
        "ALLOWED_HOSTS": "help.example.com",
        "EMAIL_HOST": "smtp.example.com",
        **env,
    }


def test_production_settings_pass_the_deployment_checks() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_checks_warn_when_email_is_not_configured() -> None:
    env = production()
    del env["EMAIL_HOST"]

    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode != 0
    assert "helpdesk.W001" in result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = production()
    del env["SECRET_KEY"]

    result = manage("check", **env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is false" in result.stderr


def test_production_refuses_a_weak_secret_key() -> None:
    result = manage("check", **production(SECRET_KEY="django-insecure-" + "a" * 40))

    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_production_requires_allowed_hosts() -> None:
    env = production()
    del env["ALLOWED_HOSTS"]

    result = manage("check", **env)

    assert "ALLOWED_HOSTS must be set" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be 'true' or 'false'"),
        ("DATABASE_URL", "mysqlish://nowhere", "DATABASE_URL is not a database URL"),
        ("CELERY_BROKER_URL", "amqp://guest@localhost//", "CELERY_BROKER_URL must be"),
        ("EMAIL_PORT", "smtp", "EMAIL_PORT must be a whole number"),
        ("HELPDESK_ATTACHMENT_MAX_MB", "0", "HELPDESK_ATTACHMENT_MAX_MB must be between"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL must be one of"),
    ],
)
def test_a_bad_value_stops_the_site_naming_the_variable(
    variable: str, value: str, message: str
) -> None:
    result = manage("check", **production(**{variable: value}))

    assert result.returncode != 0
    assert message in result.stderr


def test_implicit_tls_for_email_replaces_starttls() -> None:
    implicit = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.EMAIL_USE_SSL, s.EMAIL_USE_TLS)",
        **production(EMAIL_USE_SSL="true"),
    )
    both = manage("check", **production(EMAIL_USE_SSL="true", EMAIL_USE_TLS="true"))

    assert implicit.stdout.split()[-2:] == ["True", "False"]
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true" in both.stderr


def test_manage_py_defaults_to_development_but_the_servers_do_not() -> None:
    command_line = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    server = run([sys.executable, "-c", "import helpdesk.wsgi"])

    assert command_line.stdout.split()[-1] == "True"
    assert "SECRET_KEY must be set when DEBUG is false" in server.stderr


LOCAL_CACHE = "django.core.cache.backends.locmem.LocMemCache"
# Django's Redis backend, with one client per server (helpdesk/cache.py).
REDIS_CACHE = "helpdesk.cache.RedisCache"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["False", "django.contrib.sessions.backends.db", LOCAL_CACHE]),
        (
            {"CACHE_URL": "redis://127.0.0.1:6379/9"},
            ["True", "django.contrib.sessions.backends.cached_db", REDIS_CACHE],
        ),
        (
            {"CACHE_URL": "redis://127.0.0.1:6379/9", "HELPDESK_REMEMBER_CONFIGURATION": "false"},
            ["False", "django.contrib.sessions.backends.cached_db", REDIS_CACHE],
        ),
    ],
)
def test_only_a_shared_cache_remembers_configuration_and_sessions(
    env: dict[str, str], expected: list[str]
) -> None:
    shown = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.HELPDESK_REMEMBER_CONFIGURATION, s.SESSION_ENGINE, "
        "s.CACHES['default']['BACKEND'])",
        **production(**env),
    )

    assert shown.stdout.split()[-3:] == expected, shown.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "False"),  # a connection a request: nothing to prepare statements on
        ({"DATABASE_CONN_MAX_AGE": "60"}, "True"),
        ({"DATABASE_CONN_MAX_AGE": "60", "DATABASE_PREPARED_STATEMENTS": "false"}, "False"),
    ],
)
def test_prepared_statements_follow_kept_connections(env: dict[str, str], expected: str) -> None:
    database = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/helpdesk"}
    shown = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.HELPDESK_PREPARED_STATEMENTS)",
        **production(**database, **env),
    )

    assert shown.stdout.split()[-1:] == [expected], shown.stderr
