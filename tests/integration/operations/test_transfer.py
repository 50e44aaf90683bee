import pytest

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import InvalidTransition, TicketError
from tickets.models import AuditEvent
from tickets.notifications import compose

REASON = "Backend outage: needs Tier 2 (SysAdmin)."


def test_a_transfer_moves_the_ticket_and_records_why(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.transfer(open_ticket(), by=cast.tier1, department=cast.sysadmin, reason=REASON)

    assert ticket.department == cast.sysadmin
    event = ticket.events.get(kind=AuditEvent.Kind.TRANSFERRED)
    assert (event.actor_agent, event.old_value, event.new_value, event.note) == (
        cast.tier1,
        "Service Desk",
        "SysAdmin",
        REASON,
    )


def test_a_transfer_needs_a_reason(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    with pytest.raises(TicketError, match="reason for the transfer is required"):
        ops.transfer(ticket, by=cast.tier1, department=cast.sysadmin, reason="  ")

    ticket.refresh_from_db()
    assert ticket.department == cast.service_desk


def test_a_transfer_to_the_same_department_is_refused(cast: Cast, open_ticket: OpenTicket) -> None:
    with pytest.raises(TicketError, match="already in Service Desk"):
        ops.transfer(open_ticket(), by=cast.tier1, department=cast.service_desk, reason=REASON)


def test_a_transfer_to_an_inactive_department_is_refused(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    cast.networking.is_active = False
    cast.networking.save()

    with pytest.raises(TicketError, match="inactive"):
        ops.transfer(open_ticket(), by=cast.tier1, department=cast.networking, reason=REASON)


def test_a_closed_ticket_cannot_be_transferred(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.close(open_ticket(), by=cast.tier1)

    with pytest.raises(InvalidTransition):
        ops.transfer(ticket, by=cast.tier1, department=cast.sysadmin, reason=REASON)


def test_the_receiving_department_is_alerted_after_commit(
    cast: Cast, open_ticket: OpenTicket, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    ticket = open_ticket()

    with django_capture_on_commit_callbacks(execute=True):
        ops.transfer(ticket, by=cast.tier1, department=cast.sysadmin, reason=REASON)
        assert enqueued == []

    alert = ticket.notifications.get(template="transfer_alert")
    assert alert.recipient_email == cast.sysadmin_agent.email
    assert REASON in compose(alert).body
    assert alert.pk in enqueued
