import pytest

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import InvalidTransition, StaleTicket, TicketError
from tickets.models import AuditEvent, Notification, ThreadEntry, Ticket

Kind = AuditEvent.Kind

HANDOFF = ops.Handoff(
    steps_to_reproduce="Open https://online.northbank.example and sign in.",
    error_text="Service temporarily unavailable (error 503)",
    tried="Reproduced from two branches; no recent desktop changes.",
    user_impact="No customer can use online or mobile banking.",
    users_affected=5000,
    affected_asset="banking-api-01",
)


def test_escalation_moves_assigns_notes_and_audits_in_one_go(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = ops.escalate(
        open_ticket(),
        by=cast.tier1,
        handoff=HANDOFF,
        department=cast.sysadmin,
        agent=cast.sysadmin_agent,
    )

    assert (ticket.department, ticket.assignee) == (cast.sysadmin, cast.sysadmin_agent)
    trail = [(event.kind, event.actor_name) for event in ticket.events.all()]
    assert trail[1:] == [
        (Kind.ESCALATED, "Alex Rivera"),
        (Kind.TRANSFERRED, "Alex Rivera"),
        (Kind.ASSIGNED, "Alex Rivera"),
        (Kind.NOTE_ADDED, "Alex Rivera"),
    ]
    escalated = ticket.events.get(kind=Kind.ESCALATED)
    assert (escalated.old_value, escalated.new_value) == ("Service Desk", "SysAdmin · Priya Nair")
    assert escalated.note == "No customer can use online or mobile banking. (5000 affected)"
    note = ticket.entries.get(kind=ThreadEntry.Kind.NOTE)
    assert note.body.startswith("Escalation hand-off\n\nSteps to reproduce:\nOpen https://")
    assert "Affected asset:\nbanking-api-01" in note.body
    assert ticket.version == ticket.events.latest("pk").ticket_version


def test_the_new_owner_is_told_and_gets_the_hand_off_note(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = ops.escalate(open_ticket(), by=cast.tier1, handoff=HANDOFF, agent=cast.sysadmin_agent)

    sent_to_priya = Notification.objects.filter(
        ticket=ticket, recipient_email=cast.sysadmin_agent.email
    ).values_list("template", flat=True)
    assert set(sent_to_priya) == {"assignment_alert", "note_alert"}


def test_escalating_to_a_team_alone_keeps_the_department(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = ops.escalate(open_ticket(), by=cast.tier1, handoff=HANDOFF, team=cast.major_incident)

    assert (ticket.department, ticket.team) == (cast.service_desk, cast.major_incident)
    assert not ticket.events.filter(kind=Kind.TRANSFERRED).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"error_text": "  "}, "exact error text is required"),
        ({"tried": ""}, "list of what was tried is required"),
        ({"users_affected": 0}, "must be 1 to 1,000,000"),
    ],
)
def test_a_bare_please_assist_is_refused(
    cast: Cast, open_ticket: OpenTicket, changes: dict[str, object], message: str
) -> None:
    ticket = open_ticket()
    handoff = ops.Handoff(**{**HANDOFF.__dict__, **changes})

    with pytest.raises(TicketError, match=message):
        ops.escalate(ticket, by=cast.tier1, handoff=handoff, department=cast.sysadmin)

    assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_an_escalation_needs_somebody_to_take_it(cast: Cast, open_ticket: OpenTicket) -> None:
    with pytest.raises(TicketError, match="Choose who takes the ticket over"):
        ops.escalate(open_ticket(), by=cast.tier1, handoff=HANDOFF)


def test_a_failing_step_rolls_the_whole_escalation_back(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket()
    cast.sysadmin_agent.user.is_active = False
    cast.sysadmin_agent.user.save()

    with pytest.raises(TicketError, match="no longer active"):
        ops.escalate(
            ticket,
            by=cast.tier1,
            handoff=HANDOFF,
            department=cast.sysadmin,
            agent=cast.sysadmin_agent,
        )

    ticket.refresh_from_db()
    assert (ticket.department, ticket.version) == (cast.service_desk, 1)
    assert list(ticket.events.values_list("kind", flat=True)) == [Kind.CREATED]
    assert ticket.entries.count() == 1


def test_a_resolved_ticket_is_reopened_before_escalating(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = ops.resolve(
        open_ticket(), by=cast.tier1, root_cause="x", resolution="y", category="incident"
    )

    with pytest.raises(InvalidTransition, match="reopen it before escalating"):
        ops.escalate(ticket, by=cast.tier1, handoff=HANDOFF, department=cast.sysadmin)


def test_a_stale_escalation_is_refused(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()
    ops.triage(ticket, by=cast.manager, priority=cast.p1)

    with pytest.raises(StaleTicket, match="priority changed by Sam Okafor"):
        ops.escalate(
            ticket, by=cast.tier1, handoff=HANDOFF, department=cast.sysadmin, expected_version=1
        )
