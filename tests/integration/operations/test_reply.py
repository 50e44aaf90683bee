from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import InvalidTransition, StaleTicket, TicketError
from tickets.models import AuditEvent, ThreadEntry, Ticket
from tickets.notifications import compose

OPENED_AT = datetime(2026, 3, 2, 8, 40, tzinfo=UTC)


def test_a_reply_goes_into_the_thread_as_public(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    entry = ops.reply(ticket, by=cast.tier1, body="We are on it.")

    assert entry.kind == ThreadEntry.Kind.REPLY
    assert entry.is_public
    assert entry.author_agent == cast.tier1
    assert entry.author_name == "Alex Rivera"


def test_the_first_reply_stops_the_first_response_clock_once(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(OPENED_AT, tick=False):
        ticket = open_ticket()
    with time_machine.travel(OPENED_AT + timedelta(minutes=7), tick=False):
        ops.reply(ticket, by=cast.tier1, body="Looking now.")
    with time_machine.travel(OPENED_AT + timedelta(minutes=30), tick=False):
        ops.reply(ticket, by=cast.tier1, body="Still looking.")

    ticket.refresh_from_db()
    assert ticket.first_responded_at == OPENED_AT + timedelta(minutes=7)


def test_replying_is_audited_and_bumps_the_version(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    ops.reply(ticket, by=cast.tier1, body="We are on it.")

    ticket.refresh_from_db()
    event = ticket.events.get(kind=AuditEvent.Kind.REPLIED)
    assert event.actor_agent == cast.tier1
    assert event.ticket_version == ticket.version == 2


def test_a_reply_can_leave_the_ticket_awaiting_the_customer(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket()

    ops.reply(ticket, by=cast.tier1, body="Can you send a screenshot?", status="awaiting_customer")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.AWAITING_CUSTOMER
    event = ticket.events.get(kind=AuditEvent.Kind.STATUS_CHANGED)
    assert (event.old_value, event.new_value) == ("Open", "Awaiting customer")
    assert event.is_public
    assert event.actor_agent == cast.tier1


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_a_reply_cannot_resolve_or_close(cast: Cast, open_ticket: OpenTicket, status: str) -> None:
    ticket = open_ticket()

    with pytest.raises(InvalidTransition, match="own actions"):
        ops.reply(ticket, by=cast.tier1, body="Done.", status=status)

    assert not ticket.entries.filter(kind=ThreadEntry.Kind.REPLY).exists()


def test_replying_to_a_closed_ticket_is_refused_and_nothing_is_saved(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = ops.close(open_ticket(), by=cast.tier1, reason="Duplicate of another ticket.")

    with pytest.raises(InvalidTransition, match="closed; reopen it before replying"):
        ops.reply(ticket, by=cast.tier1, body="Hello?")

    assert ticket.entries.count() == 1
    ticket.refresh_from_db()
    assert ticket.version == 2


def test_an_empty_reply_is_refused(cast: Cast, open_ticket: OpenTicket) -> None:
    with pytest.raises(TicketError, match="message is required"):
        ops.reply(open_ticket(), by=cast.tier1, body="   ")


def test_a_reply_from_a_stale_form_is_refused_and_says_what_changed(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket()
    drawn_at = ticket.version
    ops.assign(ticket, by=cast.manager, agent=cast.tier1)

    with pytest.raises(StaleTicket, match="assigned by Sam Okafor") as refused:
        ops.reply(ticket, by=cast.tier1, body="On it.", expected_version=drawn_at)

    assert "Nothing was saved" in str(refused.value)
    assert not ticket.entries.filter(kind=ThreadEntry.Kind.REPLY).exists()


def test_the_requester_is_sent_the_reply_after_commit(
    cast: Cast, open_ticket: OpenTicket, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    ticket = open_ticket()

    with django_capture_on_commit_callbacks(execute=True):
        ops.reply(ticket, by=cast.tier1, body="Please restart the app and try again.")
        assert enqueued == []

    notification = ticket.notifications.get(template="agent_reply")
    assert notification.recipient_email == cast.requester.email
    assert "Please restart the app and try again." in compose(notification).body
    assert enqueued == [notification.pk]
