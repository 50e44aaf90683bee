import pytest

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import InvalidTransition, TicketError
from tickets.models import AuditEvent


def test_assigning_records_who_from_and_to(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.assign(open_ticket(), by=cast.manager, agent=cast.tier1)

    ticket = ops.assign(ticket, by=cast.tier1, agent=cast.sysadmin_agent)

    assert ticket.assignee == cast.sysadmin_agent
    first, second = ticket.events.filter(kind=AuditEvent.Kind.ASSIGNED)
    assert (first.actor_agent, first.old_value, first.new_value) == (
        cast.manager,
        "",
        "Alex Rivera",
    )
    assert (second.actor_agent, second.old_value, second.new_value) == (
        cast.tier1,
        "Alex Rivera",
        "Priya Nair",
    )


def test_releasing_a_ticket_is_audited(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.assign(open_ticket(), by=cast.tier1, agent=cast.tier1)

    ticket = ops.assign(ticket, by=cast.tier1, agent=None)

    assert ticket.assignee is None
    event = ticket.events.filter(kind=AuditEvent.Kind.ASSIGNED).last()
    assert (event.old_value, event.new_value) == ("Alex Rivera", "")


def test_assigning_the_current_assignee_changes_nothing(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = ops.assign(open_ticket(), by=cast.tier1, agent=cast.tier1)
    version = ticket.version

    ticket = ops.assign(ticket, by=cast.tier1, agent=cast.tier1)

    assert ticket.version == version
    assert ticket.events.filter(kind=AuditEvent.Kind.ASSIGNED).count() == 1


def test_an_inactive_agent_cannot_be_assigned(cast: Cast, open_ticket: OpenTicket) -> None:
    cast.sysadmin_agent.user.is_active = False
    cast.sysadmin_agent.user.save()

    with pytest.raises(TicketError, match="no longer active"):
        ops.assign(open_ticket(), by=cast.tier1, agent=cast.sysadmin_agent)


def test_a_closed_ticket_cannot_be_reassigned(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.close(open_ticket(), by=cast.tier1)

    with pytest.raises(InvalidTransition, match="closed; reopen it"):
        ops.assign(ticket, by=cast.tier1, agent=cast.tier1)

    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_assigning_a_team_is_audited(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.assign_team(open_ticket(), by=cast.tier1, team=cast.major_incident)

    assert ticket.team == cast.major_incident
    event = ticket.events.get(kind=AuditEvent.Kind.TEAM_ASSIGNED)
    assert (event.old_value, event.new_value) == ("", "Major Incident Team")


def test_an_inactive_team_cannot_be_assigned(cast: Cast, open_ticket: OpenTicket) -> None:
    cast.major_incident.is_active = False
    cast.major_incident.save()

    with pytest.raises(TicketError, match="inactive"):
        ops.assign_team(open_ticket(), by=cast.tier1, team=cast.major_incident)


def test_claiming_takes_an_unassigned_ticket(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.claim(open_ticket(), by=cast.tier1)

    assert ticket.assignee == cast.tier1
    event = ticket.events.get(kind=AuditEvent.Kind.ASSIGNED)
    assert (event.actor_agent, event.new_value, event.note) == (
        cast.tier1,
        "Alex Rivera",
        "Claimed.",
    )


def test_a_ticket_assigned_to_someone_else_cannot_be_claimed(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = ops.assign(open_ticket(), by=cast.manager, agent=cast.sysadmin_agent)

    with pytest.raises(TicketError, match="already assigned to Priya Nair"):
        ops.claim(ticket, by=cast.tier1)

    ticket.refresh_from_db()
    assert ticket.assignee == cast.sysadmin_agent


def test_the_new_assignee_is_alerted_after_commit_but_not_when_claiming(
    cast: Cast, open_ticket: OpenTicket, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    ticket = open_ticket()

    with django_capture_on_commit_callbacks(execute=True):
        ticket = ops.assign(ticket, by=cast.manager, agent=cast.tier1)
        assert enqueued == []

    alert = ticket.notifications.get(template="assignment_alert")
    assert alert.recipient_email == cast.tier1.email
    assert enqueued == [alert.pk]

    other = ops.claim(open_ticket(subject="Printer jam"), by=cast.tier1)
    assert not other.notifications.filter(template="assignment_alert").exists()


def test_a_team_assignment_alerts_its_members(
    cast: Cast, open_ticket: OpenTicket, enqueued: list[int]
) -> None:
    ticket = ops.assign_team(open_ticket(), by=cast.tier1, team=cast.major_incident)

    alert = ticket.notifications.get(template="assignment_alert")
    assert alert.recipient_email == cast.sysadmin_agent.email
