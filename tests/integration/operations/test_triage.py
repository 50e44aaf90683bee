from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import InvalidTransition, StaleTicket, TicketError
from tickets.models import AuditEvent

OPENED_AT = datetime(2026, 3, 2, 8, 40, tzinfo=UTC)


def test_triage_records_each_change_from_and_to(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    ticket = ops.triage(
        ticket, by=cast.tier1, priority=cast.p1, sla_plan=cast.sev_a, topic=cast.outage
    )

    assert (ticket.priority, ticket.sla_plan, ticket.topic) == (cast.p1, cast.sev_a, cast.outage)
    changes = {
        event.kind: (event.actor_agent, event.old_value, event.new_value)
        for event in ticket.events.exclude(kind=AuditEvent.Kind.CREATED)
    }
    assert changes == {
        AuditEvent.Kind.PRIORITY_CHANGED: (cast.tier1, "P3 Normal", "P1 Emergency"),
        AuditEvent.Kind.SLA_PLAN_CHANGED: (cast.tier1, "Sev C", "Sev A"),
        AuditEvent.Kind.TOPIC_CHANGED: (cast.tier1, "General Inquiry", "Business Critical Outage"),
    }
    assert ticket.version == 2


def test_changing_the_plan_recomputes_due_times_from_opening(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(OPENED_AT, tick=False):
        ticket = open_ticket()
    assert ticket.resolution_due == OPENED_AT + timedelta(days=3)

    with time_machine.travel(OPENED_AT + timedelta(minutes=5), tick=False):
        ticket = ops.triage(ticket, by=cast.tier1, sla_plan=cast.sev_a)

    ticket.refresh_from_db()
    assert ticket.first_response_due == OPENED_AT + timedelta(minutes=15)
    assert ticket.resolution_due == OPENED_AT + timedelta(hours=4)


def test_triage_that_changes_nothing_writes_nothing(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    ticket = ops.triage(ticket, by=cast.tier1, priority=cast.p3, sla_plan=cast.sev_c)

    assert ticket.version == 1
    assert ticket.events.count() == 1


def test_an_inactive_plan_is_refused(cast: Cast, open_ticket: OpenTicket) -> None:
    cast.sev_a.is_active = False
    cast.sev_a.save()

    with pytest.raises(TicketError, match="inactive"):
        ops.triage(open_ticket(), by=cast.tier1, sla_plan=cast.sev_a)


def test_a_closed_ticket_cannot_be_triaged(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.close(open_ticket(), by=cast.tier1)

    with pytest.raises(InvalidTransition):
        ops.triage(ticket, by=cast.tier1, priority=cast.p1)


def test_triage_from_a_stale_form_overwrites_nothing(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()
    ops.triage(ticket, by=cast.manager, priority=cast.p2)

    with pytest.raises(StaleTicket, match="priority changed by Sam Okafor"):
        ops.triage(ticket, by=cast.tier1, priority=cast.p1, expected_version=1)

    ticket.refresh_from_db()
    assert ticket.priority == cast.p2
