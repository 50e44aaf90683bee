import pytest

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import TicketError
from tickets.models import AuditEvent, Ticket

RESOLUTION = {"root_cause": "Config change.", "resolution": "Reverted it.", "category": "incident"}


def test_the_resolution_and_its_time_are_recorded_together(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = ops.resolve_with_time(open_ticket(), by=cast.tier1, minutes=40, **RESOLUTION)

    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.time_entries.get().minutes == 40
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[-2:] == [AuditEvent.Kind.RESOLVED, AuditEvent.Kind.TIME_LOGGED]


def test_a_refused_time_entry_leaves_the_ticket_unresolved(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket()

    with pytest.raises(TicketError, match="from 1 minute to 24 hours"):
        ops.resolve_with_time(ticket, by=cast.tier1, minutes=0, **RESOLUTION)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.version, ticket.root_cause) == (Ticket.Status.OPEN, 1, "")
