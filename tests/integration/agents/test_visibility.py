"""`Ticket.objects.visible_to`: the one rule behind the queue, the ticket page, search,
bulk actions and files."""

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.models import Agent, Ticket


def visible(agent: Agent) -> set[str]:
    return set(Ticket.objects.visible_to(agent).values_list("subject", flat=True))


def test_each_role_sees_what_it_should(cast: Cast, open_ticket: OpenTicket) -> None:
    open_ticket(subject="Desk")
    open_ticket(subject="SysAdmin", topic=cast.outage)
    # A Networking ticket assigned to Alex: his as assignee, his manager's as a report's.
    ops.assign(
        open_ticket(subject="Alex's elsewhere", topic=cast.outage), by=None, agent=cast.tier1
    )
    ops.transfer(
        Ticket.objects.get(subject="Alex's elsewhere"),
        by=cast.admin,
        department=cast.networking,
        reason="Network",
    )

    assert visible(cast.admin) == {"Desk", "SysAdmin", "Alex's elsewhere"}
    assert visible(cast.tier1) == {"Desk", "Alex's elsewhere"}
    assert visible(cast.manager) == {"Desk", "Alex's elsewhere"}
    assert visible(cast.sysadmin_agent) == {"SysAdmin"}
    assert visible(cast.outsider_agent) == {"Alex's elsewhere"}


def test_a_plain_agent_does_not_see_a_colleagues_tickets_in_other_departments(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket(subject="Sam's elsewhere", topic=cast.outage)
    ops.assign(ticket, by=None, agent=cast.manager)

    assert "Sam's elsewhere" not in visible(cast.tier1)
    assert "Sam's elsewhere" in visible(cast.manager)


def test_an_agent_in_two_departments_sees_no_ticket_twice(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    cast.tier1.departments.add(cast.sysadmin)
    open_ticket(subject="Desk")
    ops.claim(open_ticket(subject="SysAdmin", topic=cast.outage), by=cast.tier1)

    rows = list(Ticket.objects.visible_to(cast.tier1).values_list("subject", flat=True))

    assert sorted(rows) == ["Desk", "SysAdmin"]
