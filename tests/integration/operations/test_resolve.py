import pytest

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import InvalidTransition, TicketError
from tickets.models import AuditEvent, Ticket
from tickets.notifications import compose

FIX = {
    "root_cause": "A configuration change made the backend service restart in a loop.",
    "resolution": "Reverted the change and restarted the service; validated with the user.",
    "category": "incident",
}


def test_resolving_records_who_resolved_and_why(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.resolve(open_ticket(), by=cast.sysadmin_agent, **FIX)

    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.resolved_by == cast.sysadmin_agent
    assert ticket.resolved_at is not None
    assert (ticket.root_cause, ticket.resolution, ticket.category) == (
        FIX["root_cause"],
        FIX["resolution"],
        "incident",
    )
    event = ticket.events.get(kind=AuditEvent.Kind.RESOLVED)
    assert (event.actor_agent, event.old_value, event.new_value) == (
        cast.sysadmin_agent,
        "Open",
        "Resolved",
    )
    assert event.note == FIX["resolution"]
    assert event.is_public


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"root_cause": " "}, "root cause is required"),
        ({"resolution": ""}, "resolution is required"),
        ({"category": "oops"}, "Choose a category"),
    ],
)
def test_a_resolution_needs_root_cause_resolution_and_category(
    cast: Cast, open_ticket: OpenTicket, missing: dict[str, str], message: str
) -> None:
    ticket = open_ticket()

    with pytest.raises(TicketError, match=message):
        ops.resolve(ticket, by=cast.tier1, **{**FIX, **missing})

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_a_resolved_ticket_cannot_be_resolved_again(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.resolve(open_ticket(), by=cast.tier1, **FIX)

    with pytest.raises(InvalidTransition, match="is resolved; it cannot become resolved"):
        ops.resolve(ticket, by=cast.tier1, **FIX)


def test_the_requester_is_told_after_commit(
    cast: Cast, open_ticket: OpenTicket, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    ticket = open_ticket()

    with django_capture_on_commit_callbacks(execute=True):
        ops.resolve(ticket, by=cast.tier1, **FIX)
        assert enqueued == []

    notice = ticket.notifications.get(template="ticket_resolved")
    assert notice.recipient_email == cast.requester.email
    assert FIX["resolution"] in compose(notice).body
    assert notice.pk in enqueued
