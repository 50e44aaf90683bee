"""Bulk actions: applied to every selected ticket and audited per ticket, or to none."""

from django.test import Client
from django.urls import reverse

from tests.conftest import Cast, OpenTicket
from tests.integration.agents.conftest import fresh
from tickets import operations as ops
from tickets.models import AuditEvent, Ticket

Kind = AuditEvent.Kind


def selection(*tickets: Ticket) -> list[str]:
    return [f"{ticket.pk}:{fresh(ticket).version}" for ticket in tickets]


def bulk(client: Client, tickets: list[str], **fields: object) -> object:
    return client.post(reverse("agents:bulk"), {"tickets": tickets, "next": "view=all", **fields})


def test_changing_priority_audits_each_ticket(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    first, second = open_ticket(subject="One"), open_ticket(subject="Two")

    response = bulk(alex, selection(first, second), action="priority", priority=cast.p1.pk)

    assert response.status_code == 302
    assert response["Location"] == "/agents/?view=all"
    for ticket in (first, second):
        event = fresh(ticket).events.get(kind=Kind.PRIORITY_CHANGED)
        assert (event.actor_name, event.old_value, event.new_value) == (
            "Alex Rivera",
            "P3 Normal",
            "P1 Emergency",
        )


def test_assign_transfer_and_status_apply_to_every_ticket(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    tickets = [open_ticket(subject="One"), open_ticket(subject="Two")]

    bulk(alex, selection(*tickets), action="assign", agent=cast.manager.pk)
    bulk(alex, selection(*tickets), action="status", status="awaiting_customer")
    bulk(alex, selection(*tickets), action="transfer", department=cast.sysadmin.pk, reason="Tier 2")

    for ticket in map(fresh, tickets):
        assert ticket.assignee == cast.manager
        assert ticket.status == Ticket.Status.AWAITING_CUSTOMER
        assert ticket.department == cast.sysadmin
        kinds = set(ticket.events.values_list("kind", flat=True))
        assert {Kind.ASSIGNED, Kind.STATUS_CHANGED, Kind.TRANSFERRED} <= kinds


def test_one_stale_ticket_refuses_the_whole_batch(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    first, second = open_ticket(subject="One"), open_ticket(subject="Two")
    listed = selection(first, second)
    ops.triage(second, by=cast.manager, priority=cast.p2)

    response = bulk(alex, listed, action="priority", priority=cast.p1.pk)

    assert response.status_code == 409
    page = response.content.decode()
    assert f"Nothing was changed: ticket #{second.number} was refused" in page
    assert "priority changed by Sam Okafor" in page
    assert fresh(first).priority == cast.p3
    assert fresh(first).version == 1
    assert f'value="{first.pk}:1" aria-label="Select #{first.number}" checked>' in page


def test_an_invalid_transition_in_the_batch_refuses_it_all(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    active, closed = open_ticket(subject="Active"), open_ticket(subject="Closed")
    ops.close(closed, by=cast.tier1)

    response = bulk(alex, selection(active, closed), action="status", status="awaiting_customer")

    assert response.status_code == 409
    assert "reopen it first" in response.content.decode()
    assert fresh(active).status == Ticket.Status.OPEN


def test_a_forbidden_ticket_in_the_batch_is_a_404_and_nothing_changes(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    mine = open_ticket(subject="Service Desk's")
    theirs = open_ticket(subject="SysAdmin's", topic=cast.outage)

    response = bulk(alex, selection(mine, theirs), action="priority", priority=cast.p2.pk)

    assert response.status_code == 404
    assert fresh(mine).priority == cast.p3


def test_a_bulk_action_needs_its_value_and_a_selection(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    no_value = bulk(alex, selection(desk_ticket), action="transfer", department=cast.sysadmin.pk)
    no_rows = bulk(alex, [], action="priority", priority=cast.p1.pk)
    forged = bulk(alex, ["1; drop table"], action="priority", priority=cast.p1.pk)

    assert no_value.status_code == 400
    assert "Required for this action." in no_value.content.decode()
    assert "Select at least one ticket." in no_rows.content.decode()
    assert forged.status_code == 400
    assert fresh(desk_ticket).version == 1
