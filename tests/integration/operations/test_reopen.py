from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import InvalidTransition, TicketError
from tickets.models import AuditEvent, Ticket

OPENED_AT = datetime(2026, 3, 2, 8, 40, tzinfo=UTC)


def closed(cast: Cast, open_ticket: OpenTicket) -> Ticket:
    ticket = ops.resolve(
        open_ticket(), by=cast.tier1, root_cause="Cache", resolution="Cleared", category="incident"
    )
    return ops.close(ticket, by=cast.tier1)


def test_reopening_a_closed_ticket_restarts_the_resolution_clock(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(OPENED_AT, tick=False):
        ticket = closed(cast, open_ticket)
    reopened_at = OPENED_AT + timedelta(days=2)

    with time_machine.travel(reopened_at, tick=False):
        ticket = ops.reopen(ticket, by=cast.requester, reason="It broke again.")

    assert ticket.status == Ticket.Status.OPEN
    assert (ticket.resolved_at, ticket.closed_at, ticket.resolved_by) == (None, None, None)
    assert ticket.resolution_due == reopened_at + timedelta(days=3)
    event = ticket.events.get(kind=AuditEvent.Kind.REOPENED)
    assert (event.actor_contact, event.old_value, event.new_value, event.note) == (
        cast.requester,
        "Closed",
        "Open",
        "It broke again.",
    )
    assert event.is_public


def test_an_open_ticket_cannot_be_reopened(cast: Cast, open_ticket: OpenTicket) -> None:
    with pytest.raises(InvalidTransition, match="not resolved or closed"):
        ops.reopen(open_ticket(), by=cast.tier1)


def test_another_customer_cannot_reopen_the_ticket(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = closed(cast, open_ticket)

    with pytest.raises(TicketError, match="Only the ticket's requester"):
        ops.reopen(ticket, by=cast.outsider)


def test_the_working_agent_is_alerted_after_commit(
    cast: Cast, open_ticket: OpenTicket, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    ticket = ops.claim(open_ticket(), by=cast.tier1)
    ticket = ops.resolve(
        ticket, by=cast.tier1, root_cause="Cache", resolution="Cleared", category="incident"
    )

    with django_capture_on_commit_callbacks(execute=True):
        ops.reopen(ticket, by=cast.requester, reason="Still failing.")
        assert enqueued == []

    alert = ticket.notifications.get(template="reopened_alert")
    assert alert.recipient_email == cast.tier1.email
    assert alert.pk in enqueued
