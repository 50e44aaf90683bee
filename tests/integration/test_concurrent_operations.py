"""Two agents acting on one ticket at the same moment, on real PostgreSQL connections."""

import time

import pytest

from tests.conftest import Cast, OpenTicket, race
from tickets import operations as ops
from tickets.models import Agent, AuditEvent, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_agents_assigning_at_once_leave_one_assignee_and_two_consistent_events(
    cast: Cast, open_ticket: OpenTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = open_ticket()
    save = ops._save

    def slow_save(*args: object, **kwargs: object) -> None:
        # Hold the row lock a while, so the second agent certainly arrives while it is held.
        save(*args, **kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(ops, "_save", slow_save)
    errors: list[BaseException] = []

    def assign_to_self(agent: Agent) -> None:
        try:
            ops.assign(Ticket.objects.get(pk=ticket.pk), by=agent, agent=agent)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    race(
        lambda: assign_to_self(cast.tier1),
        lambda: assign_to_self(cast.sysadmin_agent),
        timeout=30,
    )

    assert errors == []
    ticket.refresh_from_db()
    first, second = ticket.events.filter(kind=AuditEvent.Kind.ASSIGNED).order_by("ticket_version")
    # The second agent saw the first one's change: its "from" is the first one's "to".
    assert first.old_value == ""
    assert second.old_value == first.new_value
    assert ticket.assignee.display_name == second.new_value
    assert (first.ticket_version, second.ticket_version) == (2, 3)
    assert ticket.version == 3
