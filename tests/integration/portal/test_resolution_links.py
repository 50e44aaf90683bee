"""The resolution notice's "confirm" and "reopen" links: signed access links that land on the
matching form. Following a link changes nothing; the requester's POST does, audited."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.models import AuditEvent, Ticket
from tickets.notifications import compose

FIX = {"root_cause": "Pool exhausted", "resolution": "Restarted the pool.", "category": "incident"}


@pytest.fixture
def resolved(cast: Cast, open_ticket: OpenTicket) -> Ticket:
    ticket = open_ticket()
    return ops.resolve(ticket, by=cast.tier1, **FIX)


def emailed_link(ticket: Ticket, then: str) -> str:
    """The path of the `then` link in the resolution notice the requester was sent."""
    body = compose(ticket.notifications.get(template="ticket_resolved")).body
    (url,) = re.findall(rf"\S+\?then={then}", body)
    return url.removeprefix("http://testserver")


@pytest.mark.parametrize("then", ["confirm", "reopen"])
def test_a_link_opens_the_ticket_at_its_form_and_changes_nothing(
    resolved: Ticket, then: str
) -> None:
    client = Client()

    response = client.get(emailed_link(resolved, then))

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:ticket", args=[resolved.number]) + f"#{then}"
    page = client.get(response["Location"]).content.decode()
    assert f'id="{then}"' in page
    assert Ticket.objects.get(pk=resolved.pk).status == Ticket.Status.RESOLVED


def test_confirming_through_the_link_closes_the_ticket(resolved: Ticket) -> None:
    client = Client()
    client.get(emailed_link(resolved, "confirm"))

    client.post(reverse("portal:confirm_fixed", args=[resolved.number]))

    resolved.refresh_from_db()
    assert resolved.status == Ticket.Status.CLOSED
    assert resolved.notifications.filter(template="ticket_closed").exists()


def test_reopening_through_the_link_says_why_and_is_audited(cast: Cast, resolved: Ticket) -> None:
    client = Client()
    client.get(emailed_link(resolved, "reopen"))

    refused = client.post(reverse("portal:reopen", args=[resolved.number]), {"reason": ""})
    client.post(reverse("portal:reopen", args=[resolved.number]), {"reason": "Still 503."})

    assert refused.status_code == 400
    resolved.refresh_from_db()
    assert resolved.status == Ticket.Status.OPEN
    event = resolved.events.get(kind=AuditEvent.Kind.REOPENED)
    assert (event.actor_contact, event.note) == (cast.requester, "Still 503.")


def test_reopen_needs_the_requesters_access(resolved: Ticket) -> None:
    response = Client().post(reverse("portal:reopen", args=[resolved.number]), {"reason": "x"})

    assert response.status_code == 404
    assert Ticket.objects.get(pk=resolved.pk).status == Ticket.Status.RESOLVED


def test_an_unknown_intent_just_opens_the_ticket(resolved: Ticket) -> None:
    path = emailed_link(resolved, "confirm").replace("then=confirm", "then=javascript:alert(1)")

    response = Client().get(path)

    assert response["Location"] == reverse("portal:ticket", args=[resolved.number])
