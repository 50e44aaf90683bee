"""Portal fixtures: a clean rate-limit cache, uploads in a temporary folder, topic questions,
and clients for each kind of visitor (requester signed in, other customer, guest with a
link, agent)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from tests.conftest import Cast, OpenTicket
from tickets import access
from tickets.models import HelpTopicField, Ticket

User = get_user_model()
Kind = HelpTopicField.Kind
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def portal_setup(settings: Settings, tmp_path: Path) -> None:
    """Files go to a temp folder (the root conftest empties the cache: no rate-limit
    counters are left from other tests)."""
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def outage_questions(cast: Cast) -> dict[str, HelpTopicField]:
    """The outage topic asks which service, how many users, and for a screenshot."""
    make = HelpTopicField.objects.create
    return {
        "service": make(
            topic=cast.outage,
            label="Affected service",
            kind=Kind.CHOICE,
            required=True,
            choices="Online banking\nMobile app\nCard payments",
            order=1,
        ),
        "users": make(
            topic=cast.outage,
            label="Number of users affected",
            kind=Kind.NUMBER,
            required=True,
            order=2,
        ),
        "channels": make(
            topic=cast.outage,
            label="Where do you see it?",
            kind=Kind.MULTIPLE,
            choices="Branch\nHome\nMobile",
            order=3,
        ),
        "screenshot": make(topic=cast.outage, label="Screenshot", kind=Kind.FILE, order=4),
    }


def ticket_form(cast: Cast, **overrides: Any) -> dict[str, Any]:
    """A guest's new ticket form, filled in; keyword arguments replace or add fields."""
    form: dict[str, Any] = {
        "name": "Jordan Blake",
        "email": "jordan.blake@northbank.test",
        "phone": "+1 555 0100",
        "topic": cast.general.pk,
        "subject": "Online and mobile banking are down",
        "body": 'Customers see "Service temporarily unavailable (error 503)".',
        "form_key": "k" * 32,
        "website": "",
    }
    form.update(overrides)
    return form


SubmitTicket = Callable[..., Any]


@pytest.fixture
def submit_ticket(cast: Cast, client: Client) -> SubmitTicket:
    """Post the new ticket form as a guest; returns the response."""

    def submit(**overrides: Any) -> Any:
        return client.post(reverse("portal:new_ticket"), ticket_form(cast, **overrides))

    return submit


@pytest.fixture
def customer(cast: Cast) -> Any:
    """Jordan's portal account, linked to his contact."""
    user = User.objects.create_user(
        "jordan.blake@northbank.test", email="jordan.blake@northbank.test", password="pw-jordan-1"
    )
    cast.requester.user = user
    cast.requester.save(update_fields=["user"])
    return user


@pytest.fixture
def requester_client(customer: Any) -> Client:
    client = Client()
    client.force_login(customer)
    return client


@pytest.fixture
def other_customer_client(cast: Cast) -> Client:
    user = User.objects.create_user("olive@elsewhere.test", email="olive@elsewhere.test")
    cast.outsider.user = user
    cast.outsider.save(update_fields=["user"])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent_client(cast: Cast) -> Client:
    client = Client()
    client.force_login(cast.tier1.user)
    return client


def link_path(ticket: Ticket) -> str:
    return access.link_for(ticket).removeprefix("http://testserver")


def guest_with_link(ticket: Ticket) -> Client:
    """A fresh browser that followed the ticket's emailed link."""
    client = Client()
    assert client.get(link_path(ticket)).status_code == 302
    return client


@pytest.fixture
def jordans_ticket(open_ticket: OpenTicket) -> Ticket:
    return open_ticket()
