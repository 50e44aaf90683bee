"""The osTicket contract through real curl against a live server (tests/api/curl_contract.sh),
and idempotency under concurrency: two simultaneous retries open one ticket."""

import subprocess
from pathlib import Path

import pytest
import requests
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from tests.api.conftest import MakeKey
from tests.conftest import Cast, race
from tickets.models import Ticket

SCRIPT = Path(__file__).with_name("curl_contract.sh")


@pytest.fixture
def keys_for_curl(make_key: MakeKey) -> dict[str, str]:
    return {
        "KEY": make_key("Monitoring"),
        "INACTIVE_KEY": make_key("Retired", is_active=False),
        "FOREIGN_KEY": make_key("Branch office", allowed_networks="192.0.2.0/24"),
    }


@pytest.mark.django_db(transaction=True)
def test_the_curl_contract_script_passes(
    live_server: LiveServer, keys_for_curl: dict[str, str], settings: Settings, cast: Cast
) -> None:
    settings.HELPDESK_API_MAX_BODY_BYTES = 64 * 1024
    result = subprocess.run(
        ["bash", str(SCRIPT)],
        env={"PATH": "/usr/bin:/bin", "BASE_URL": live_server.url, **keys_for_curl},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("19 passed, 0 failed"), result.stdout
    # Created: the example, the http.php prefix, curl -d, one idempotent pair, the email.
    assert Ticket.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_with_one_idempotency_key_open_one_ticket(
    live_server: LiveServer, make_key: MakeKey, cast: Cast
) -> None:
    key = make_key("Monitoring")
    payload = {"name": "Angry User", "email": "api@osticket.com", "subject": "Testing API",
               "message": "MESSAGE HERE"}  # fmt: skip

    def post() -> tuple[int, str]:
        response = requests.post(
            f"{live_server.url}/api/tickets.json",
            json=payload,
            headers={"X-API-Key": key, "Idempotency-Key": "alert-42"},
            timeout=30,
        )
        return response.status_code, response.text

    answers = race(post, post, post, post)

    assert {status for status, _ in answers} == {201}
    assert len({text for _, text in answers}) == 1
    assert Ticket.objects.count() == 1
