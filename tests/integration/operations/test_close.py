import pytest

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import InvalidTransition, TicketError
from tickets.models import AuditEvent, Ticket


def resolved(cast: Cast, open_ticket: OpenTicket) -> Ticket:
    return ops.resolve(
        open_ticket(), by=cast.tier1, root_cause="Cache", resolution="Cleared", category="incident"
    )


def test_the_requester_closes_a_resolved_ticket_to_confirm_the_fix(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = ops.close(resolved(cast, open_ticket), by=cast.requester, reason="Works now.")

    assert ticket.status == Ticket.Status.CLOSED
    assert ticket.closed_at is not None
    event = ticket.events.get(kind=AuditEvent.Kind.CLOSED)
    assert (event.actor_contact, event.old_value, event.new_value, event.note) == (
        cast.requester,
        "Resolved",
        "Closed",
        "Works now.",
    )
    assert event.is_public


def test_an_agent_may_close_an_open_ticket_with_a_reason(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = ops.close(open_ticket(), by=cast.tier1, reason="Duplicate of #12345678.")

    event = ticket.events.get(kind=AuditEvent.Kind.CLOSED)
    assert (event.actor_agent, event.old_value) == (cast.tier1, "Open")


def test_closing_a_closed_ticket_is_refused(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.close(open_ticket(), by=cast.tier1)

    with pytest.raises(InvalidTransition, match="is closed; it cannot become closed"):
        ops.close(ticket, by=cast.tier1)

    assert ticket.events.filter(kind=AuditEvent.Kind.CLOSED).count() == 1


def test_another_customer_cannot_close_the_ticket(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    with pytest.raises(TicketError, match="Only the ticket's requester"):
        ops.close(ticket, by=cast.outsider)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_the_requester_gets_a_closing_notice_after_commit(
    cast: Cast, open_ticket: OpenTicket, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    ticket = open_ticket()

    with django_capture_on_commit_callbacks(execute=True):
        ops.close(ticket, by=cast.tier1, reason="Fixed by the vendor.")
        assert enqueued == []

    notice = ticket.notifications.get(template="ticket_closed")
    assert notice.recipient_email == cast.requester.email
    assert notice.pk in enqueued
