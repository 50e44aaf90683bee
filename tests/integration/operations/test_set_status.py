import pytest

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import InvalidTransition, StaleTicket
from tickets.models import AuditEvent, Ticket


def test_setting_awaiting_customer_is_audited_publicly(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.set_status(open_ticket(), by=cast.tier1, status=Ticket.Status.AWAITING_CUSTOMER)

    event = ticket.events.get(kind=AuditEvent.Kind.STATUS_CHANGED)
    assert (event.actor_agent, event.old_value, event.new_value) == (
        cast.tier1,
        "Open",
        "Awaiting customer",
    )
    assert event.is_public
    assert ticket.version == 2


def test_setting_the_status_it_has_writes_nothing(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.set_status(open_ticket(), by=cast.tier1, status=Ticket.Status.OPEN)

    assert ticket.version == 1


@pytest.mark.parametrize("status", [Ticket.Status.RESOLVED, Ticket.Status.CLOSED, "deleted"])
def test_only_open_and_awaiting_can_be_set_directly(
    cast: Cast, open_ticket: OpenTicket, status: str
) -> None:
    with pytest.raises(InvalidTransition, match="have their own actions"):
        ops.set_status(open_ticket(), by=cast.tier1, status=status)


def test_a_closed_ticket_must_be_reopened_first(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.close(open_ticket(), by=cast.tier1)

    with pytest.raises(InvalidTransition, match="is closed; reopen it first"):
        ops.set_status(ticket, by=cast.tier1, status=Ticket.Status.OPEN)


def test_a_stale_status_change_is_refused(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()
    ops.claim(ticket, by=cast.manager)

    with pytest.raises(StaleTicket, match="assigned by Sam Okafor"):
        ops.set_status(
            ticket, by=cast.tier1, status=Ticket.Status.AWAITING_CUSTOMER, expected_version=1
        )


def test_awaiting_the_customer_pauses_the_sla_clock_and_open_resumes_it(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    cast.sev_c.pause_while_awaiting_customer = True
    cast.sev_c.save()
    ticket = open_ticket()

    ticket = ops.set_status(ticket, by=cast.tier1, status=Ticket.Status.AWAITING_CUSTOMER)
    assert ticket.sla_paused_at is not None
    assert ticket.sla_next_check_at is None  # nothing can breach while paused

    ticket = ops.set_status(ticket, by=cast.tier1, status=Ticket.Status.OPEN)
    assert ticket.sla_paused_at is None
    assert ticket.sla_next_check_at is not None
