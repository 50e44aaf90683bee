"""Check ticket status: email + number → a link by email; the page never says which exist."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from tests.conftest import Cast
from tickets.models import Notification, Ticket
from tickets.notifications import compose

URL = reverse("portal:status_lookup")


def ask(client: Client, email: str, number: str, **extra: str) -> Any:
    return client.post(URL, {"email": email, "number": number, "website": "", **extra})


def test_a_matching_pair_gets_a_fresh_link_by_email(client: Client, jordans_ticket: Ticket) -> None:
    response = ask(client, "JORDAN.BLAKE@northbank.test", f"#{jordans_ticket.number}")

    assert response.status_code == 200
    sent = Notification.objects.get(template="access_link")
    assert sent.recipient_email == "jordan.blake@northbank.test"
    assert sent.ticket == jordans_ticket
    link = next(line for line in compose(sent).body.splitlines() if "/t/" in line).strip()
    followed = Client().get(link.removeprefix("http://testserver"), follow=True)
    assert jordans_ticket.subject in followed.content.decode()


@pytest.mark.parametrize(
    ("email", "number"),
    [("jordan.blake@northbank.test", "10000000"), ("olive@elsewhere.test", None)],
    ids=["wrong number", "someone else's number"],
)
def test_the_answer_is_the_same_whether_or_not_the_pair_exists(
    client: Client, jordans_ticket: Ticket, email: str, number: str | None
) -> None:
    hit = ask(Client(), "jordan.blake@northbank.test", jordans_ticket.number)
    miss = ask(client, email, number or jordans_ticket.number)

    def shown(response: Any, address: str) -> str:
        """The page, without the address typed and the per-request CSRF token."""
        page = response.content.decode().replace(address, "EMAIL")
        return "\n".join(line for line in page.splitlines() if "csrfmiddlewaretoken" not in line)

    assert (miss.status_code, shown(miss, email)) == (
        hit.status_code,
        shown(hit, "jordan.blake@northbank.test"),
    )
    assert Notification.objects.filter(template="access_link").count() == 1


@pytest.mark.parametrize(
    ("email", "number", "message"),
    [
        ("", "12345678", "This field is required."),
        ("nope", "12345678", "Enter a valid email address."),
        ("a@b.test", "", "This field is required."),
        ("a@b.test", "12ab", "Enter the ticket number"),
    ],
)
def test_bad_input_is_refused_and_kept(
    client: Client, cast: Cast, email: str, number: str, message: str
) -> None:
    response = ask(client, email, number)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Notification.objects.exists()


def test_a_bot_filling_the_honeypot_gets_nothing(client: Client, jordans_ticket: Ticket) -> None:
    response = ask(client, "jordan.blake@northbank.test", jordans_ticket.number, website="x")

    assert response.status_code == 400
    assert not Notification.objects.filter(template="access_link").exists()


def test_look_ups_are_rate_limited_per_email_and_per_ip(
    client: Client, jordans_ticket: Ticket, settings: Settings
) -> None:
    settings.HELPDESK_RATE_LIMITS = {
        **settings.HELPDESK_RATE_LIMITS,
        "lookups": {"ip": "4/h", "email": "2/h"},
    }
    for _ in range(2):
        ask(client, "jordan.blake@northbank.test", jordans_ticket.number)

    by_email = ask(client, "jordan.blake@northbank.test", jordans_ticket.number)
    other_email = ask(client, "olive@elsewhere.test", "12345678")
    ask(client, "third@bank.test", "12345678")
    by_ip = ask(client, "fourth@bank.test", "12345678")

    assert by_email.status_code == 429
    assert "Too many attempts" in by_email.content.decode()
    assert other_email.status_code == 200
    assert by_ip.status_code == 429
    assert Notification.objects.filter(template="access_link").count() == 2


def test_the_client_ip_comes_from_the_proxy_only_when_trusted(
    client: Client, cast: Cast, settings: Settings
) -> None:
    settings.HELPDESK_RATE_LIMITS = {
        **settings.HELPDESK_RATE_LIMITS,
        "lookups": {"ip": "1/h", "email": "100/h"},
    }
    forged = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert (
        client.post(URL, {"email": "a@b.test", "number": "12345678"}, **forged).status_code == 200
    )
    # Untrusted, the header changes nothing: the same client is limited.
    assert (
        client.post(
            URL,
            {"email": "b@b.test", "number": "12345678"},
            **{"HTTP_X_FORWARDED_FOR": "198.51.100.1"},
        ).status_code
        == 429
    )

    settings.TRUST_X_FORWARDED_FOR = True
    other = {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 198.51.100.7"}
    assert client.post(URL, {"email": "c@b.test", "number": "12345678"}, **other).status_code == 200


def test_an_empty_post_is_judged_not_ignored(client: Client, cast: Cast) -> None:
    response = client.post(URL, {})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
