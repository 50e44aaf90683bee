"""Fixtures for the agent panel: signed-in clients for each role of the cast, files in a
temporary media folder (the root conftest gives each test an empty cache: tab counts are
cached per agent)."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import Settings

from tests.conftest import Cast, OpenTicket
from tickets.models import Agent, Ticket

User = get_user_model()

ROLES = ["admin", "manager", "tier1", "other_department", "customer", "anonymous"]


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def customer_user(cast: Cast) -> object:
    """Jordan's portal login: a user, but no agent."""
    user = User.objects.create_user("jordan", password="test-password")
    cast.requester.user = user
    cast.requester.save(update_fields=["user"])
    return user


SignIn = Callable[[str], Client]


@pytest.fixture
def sign_in(cast: Cast, customer_user: object) -> SignIn:
    """A client signed in as one of the `ROLES`."""

    def sign_in_(role: str) -> Client:
        client = Client()
        users = {
            "admin": cast.admin.user,
            "manager": cast.manager.user,
            "tier1": cast.tier1.user,
            "other_department": cast.outsider_agent.user,
            "customer": customer_user,
        }
        if role != "anonymous":
            client.force_login(users[role])
        return client

    return sign_in_


def client_for(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


@pytest.fixture
def alex(cast: Cast) -> Client:
    return client_for(cast.tier1)


@pytest.fixture
def desk_ticket(open_ticket: OpenTicket) -> Ticket:
    """The bank's outage report, in the Service Desk (Alex's and Sam's department)."""
    return open_ticket()


def upload(name: str = "api.log", content: bytes = b"ERROR pool exhausted\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def post_action(
    client: Client, ticket: Ticket, action: str, *, drawn_at: int | None = None, **fields: object
) -> object:
    """Post one action's form as the ticket page draws it: prefixed, with the version it
    was drawn at (by default the current one)."""
    version = fresh(ticket).version if drawn_at is None else drawn_at
    data: dict[str, object] = {f"{action}-version": version}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(reverse("agents:act", args=[ticket.number, action]), data)


def queries_for(client: Client, url: str, params: dict[str, str] | None = None) -> int:
    """Database queries of one page view, with the cached tab counts recomputed."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)
