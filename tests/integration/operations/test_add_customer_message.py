import pytest

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import TicketError
from tickets.models import AuditEvent, ThreadEntry, Ticket
from tickets.notifications import compose


def test_the_requester_adds_a_message(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    entry = ops.add_customer_message(ticket, by=cast.requester, body="It happens on Wi-Fi too.")

    assert entry.kind == ThreadEntry.Kind.MESSAGE
    assert entry.author_contact == cast.requester
    event = ticket.events.get(kind=AuditEvent.Kind.MESSAGE_ADDED)
    assert event.actor_contact == cast.requester


def test_an_answer_brings_an_awaiting_ticket_back_to_open(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket()
    ops.reply(ticket, by=cast.tier1, body="Which browser?", status="awaiting_customer")

    ops.add_customer_message(ticket, by=cast.requester, body="Edge.")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    event = ticket.events.filter(kind=AuditEvent.Kind.STATUS_CHANGED).last()
    assert (event.old_value, event.new_value) == ("Awaiting customer", "Open")
    assert event.actor_contact == cast.requester


@pytest.mark.parametrize("closed_too", [False, True])
def test_a_message_on_a_resolved_or_closed_ticket_reopens_it(
    cast: Cast, open_ticket: OpenTicket, closed_too: bool
) -> None:
    ticket = ops.resolve(
        open_ticket(), by=cast.tier1, root_cause="Cache", resolution="Cleared", category="incident"
    )
    if closed_too:
        ticket = ops.close(ticket, by=cast.tier1)

    ops.add_customer_message(ticket, by=cast.requester, body="It is broken again.")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.resolved_at is None
    assert ticket.closed_at is None
    event = ticket.events.get(kind=AuditEvent.Kind.REOPENED)
    assert event.new_value == "Open"
    assert event.is_public
    assert "requester's reply" in event.note


def test_someone_else_cannot_post_to_the_ticket(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    with pytest.raises(TicketError, match="Only the ticket's requester"):
        ops.add_customer_message(ticket, by=cast.outsider, body="Let me in.")

    assert ticket.entries.count() == 1


def test_the_assignee_hears_of_the_message_after_commit(
    cast: Cast, open_ticket: OpenTicket, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    ticket = ops.assign(open_ticket(), by=cast.tier1, agent=cast.tier1)

    with django_capture_on_commit_callbacks(execute=True):
        ops.add_customer_message(ticket, by=cast.requester, body="Screenshot attached.")
        assert enqueued == []

    alert = ticket.notifications.get(template="customer_message_alert")
    assert alert.recipient_email == cast.tier1.email
    assert "Screenshot attached." in compose(alert).body
    assert alert.pk in enqueued
