import pytest

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import TicketError
from tickets.models import Ticket


def test_every_ticket_is_changed_and_audited(cast: Cast, open_ticket: OpenTicket) -> None:
    tickets = [open_ticket(subject="One"), open_ticket(subject="Two")]

    count = ops.apply_to_all(
        [(ticket, ticket.version) for ticket in tickets],
        lambda ticket, version: ops.triage(
            ticket, by=cast.tier1, priority=cast.p1, expected_version=version
        ),
    )

    assert count == 2
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.priority == cast.p1
        assert ticket.events.filter(kind="priority_changed", actor_agent=cast.tier1).exists()


def test_one_refusal_undoes_the_whole_batch_and_names_the_ticket(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    first, second = open_ticket(subject="One"), open_ticket(subject="Two")
    ops.close(second, by=cast.tier1)

    with pytest.raises(ops.BatchRefused) as refused:
        ops.apply_to_all(
            [(first, 1), (second, 2)],
            lambda ticket, version: ops.set_status(
                ticket, by=cast.tier1, status="awaiting_customer", expected_version=version
            ),
        )

    assert f"ticket #{second.number} was refused" in str(refused.value)
    assert isinstance(refused.value, TicketError)
    first.refresh_from_db()
    assert (first.status, first.version) == (Ticket.Status.OPEN, 1)
