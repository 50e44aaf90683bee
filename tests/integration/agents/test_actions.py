"""Every action of the ticket page: it calls its operation, says so, and leaves an audit
event naming the agent with the from → to values."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import Cast
from tests.integration.agents.conftest import fresh, post_action, upload
from tickets import operations as ops
from tickets.models import AuditEvent, ThreadEntry, Ticket

Kind = AuditEvent.Kind


def last_event(ticket: Ticket, kind: str) -> AuditEvent:
    return ticket.events.filter(kind=kind).latest("pk")


def trail(event: AuditEvent) -> tuple[str, str, str]:
    return event.actor_name, event.old_value, event.new_value


def test_a_reply_reaches_the_thread_and_leaves_the_ticket_awaiting_the_customer(
    alex: Client, desk_ticket: Ticket
) -> None:
    response = post_action(
        alex,
        desk_ticket,
        "reply",
        body="We are on it.",
        status="awaiting_customer",
        attachments=upload("steps.txt"),
    )

    assert response.status_code == 302
    ticket = fresh(desk_ticket)
    reply = ticket.entries.get(kind=ThreadEntry.Kind.REPLY)
    assert reply.body == "We are on it." and reply.attachments.get().filename == "steps.txt"
    assert ticket.status == Ticket.Status.AWAITING_CUSTOMER
    assert last_event(ticket, Kind.REPLIED).actor_name == "Alex Rivera"
    assert trail(last_event(ticket, Kind.STATUS_CHANGED)) == (
        "Alex Rivera",
        "Open",
        "Awaiting customer",
    )


def test_a_reply_can_resolve_the_ticket_with_its_resolution_and_time(
    alex: Client, desk_ticket: Ticket
) -> None:
    response = post_action(
        alex,
        desk_ticket,
        "reply",
        body="Fixed: the cache was cleared.",
        status="resolved",
        root_cause="Stale autodiscover cache.",
        resolution="Cleared the cache; KB 4567.",
        category="incident",
        minutes=20,
    )

    assert response.status_code == 302
    ticket = fresh(desk_ticket)
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.root_cause == "Stale autodiscover cache."
    assert ticket.time_entries.get().minutes == 20
    assert [event.kind for event in ticket.events.all()][-3:] == [
        Kind.REPLIED,
        Kind.RESOLVED,
        Kind.TIME_LOGGED,
    ]


def test_a_resolving_reply_without_the_resolution_sends_nothing(
    alex: Client, desk_ticket: Ticket
) -> None:
    response = post_action(alex, desk_ticket, "reply", body="Fixed.", status="resolved")

    assert response.status_code == 400
    assert "Required to resolve the ticket." in response.content.decode()
    assert "Fixed." in response.content.decode()  # what was typed is kept
    assert not fresh(desk_ticket).entries.filter(kind=ThreadEntry.Kind.REPLY).exists()


def test_a_note_is_internal_and_audited(alex: Client, desk_ticket: Ticket) -> None:
    response = post_action(alex, desk_ticket, "note", body="Reproduced: 503 from the API.")

    assert response.status_code == 302
    ticket = fresh(desk_ticket)
    note = ticket.entries.get(kind=ThreadEntry.Kind.NOTE)
    assert not note.is_public
    assert last_event(ticket, Kind.NOTE_ADDED).actor_name == "Alex Rivera"


def test_an_empty_note_is_refused_and_nothing_is_saved(alex: Client, desk_ticket: Ticket) -> None:
    response = post_action(alex, desk_ticket, "note", body="   ")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert fresh(desk_ticket).version == desk_ticket.version


def test_a_refused_file_is_reported_on_its_field_and_the_note_kept(
    alex: Client, desk_ticket: Ticket
) -> None:
    response = post_action(
        alex, desk_ticket, "note", body="Installer attached.", attachments=[upload("setup.exe")]
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "“setup.exe”: this type of file is not accepted" in page
    assert "Installer attached.</textarea>" in page  # what the agent typed is kept
    assert not fresh(desk_ticket).entries.filter(kind=ThreadEntry.Kind.NOTE).exists()


def test_triage_records_priority_plan_and_topic_from_and_to(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    response = post_action(
        alex,
        desk_ticket,
        "triage",
        priority=cast.p1.pk,
        sla_plan=cast.sev_a.pk,
        topic=cast.outage.pk,
    )

    assert response.status_code == 302
    ticket = fresh(desk_ticket)
    assert trail(last_event(ticket, Kind.PRIORITY_CHANGED)) == (
        "Alex Rivera",
        "P3 Normal",
        "P1 Emergency",
    )
    assert trail(last_event(ticket, Kind.SLA_PLAN_CHANGED)) == ("Alex Rivera", "Sev C", "Sev A")
    assert trail(last_event(ticket, Kind.TOPIC_CHANGED)) == (
        "Alex Rivera",
        "General Inquiry",
        "Business Critical Outage",
    )
    assert ticket.resolution_due == ticket.created_at + timedelta(hours=4)


def test_a_forged_choice_is_refused(alex: Client, desk_ticket: Ticket) -> None:
    response = post_action(alex, desk_ticket, "triage", priority=999999, sla_plan="x", topic="")

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert fresh(desk_ticket).version == desk_ticket.version


def test_assigning_records_from_and_to(cast: Cast, alex: Client, desk_ticket: Ticket) -> None:
    response = post_action(alex, desk_ticket, "assign", agent=cast.manager.pk)

    assert response.status_code == 302
    assert trail(last_event(fresh(desk_ticket), Kind.ASSIGNED)) == ("Alex Rivera", "", "Sam Okafor")


def test_claiming_makes_the_ticket_mine(cast: Cast, alex: Client, desk_ticket: Ticket) -> None:
    response = post_action(alex, desk_ticket, "claim")

    assert response.status_code == 302
    ticket = fresh(desk_ticket)
    assert ticket.assignee == cast.tier1
    assert last_event(ticket, Kind.ASSIGNED).note == "Claimed."


def test_setting_a_team_records_from_and_to(cast: Cast, alex: Client, desk_ticket: Ticket) -> None:
    response = post_action(alex, desk_ticket, "team", team=cast.major_incident.pk)

    assert response.status_code == 302
    assert trail(last_event(fresh(desk_ticket), Kind.TEAM_ASSIGNED)) == (
        "Alex Rivera",
        "",
        "Major Incident Team",
    )


def test_a_transfer_needs_a_reason(cast: Cast, alex: Client, desk_ticket: Ticket) -> None:
    response = post_action(alex, desk_ticket, "transfer", department=cast.sysadmin.pk, reason="")

    assert response.status_code == 400
    assert fresh(desk_ticket).department == cast.service_desk


def test_a_transfer_out_of_my_departments_lands_me_on_the_queue(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    response = post_action(
        alex, desk_ticket, "transfer", department=cast.sysadmin.pk, reason="Server side."
    )

    assert response.status_code == 302
    assert response["Location"] == "/agents/"
    event = last_event(fresh(desk_ticket), Kind.TRANSFERRED)
    assert trail(event) == ("Alex Rivera", "Service Desk", "SysAdmin")
    assert event.note == "Server side."


def test_escalating_writes_the_hand_off_note_and_moves_the_ticket(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    response = post_action(
        alex,
        desk_ticket,
        "escalate",
        department=cast.sysadmin.pk,
        agent=cast.sysadmin_agent.pk,
        steps_to_reproduce="Open https://online.northbank.example",
        error_text="Service temporarily unavailable (error 503)",
        tried="Checked from two branches; cleared the browser cache.",
        affected_asset="banking-api-01",
        user_impact="No customer can log in to online or mobile banking.",
        users_affected=5000,
    )

    assert response.status_code == 302
    ticket = fresh(desk_ticket)
    assert (ticket.department, ticket.assignee) == (cast.sysadmin, cast.sysadmin_agent)
    escalated = last_event(ticket, Kind.ESCALATED)
    assert trail(escalated) == ("Alex Rivera", "Service Desk", "SysAdmin · Priya Nair")
    note = ticket.entries.get(kind=ThreadEntry.Kind.NOTE)
    assert "Exact error text:\nService temporarily unavailable (error 503)" in note.body
    assert "Users affected: 5000" in note.body


def test_an_escalation_without_a_destination_changes_nothing(
    alex: Client, desk_ticket: Ticket
) -> None:
    response = post_action(
        alex,
        desk_ticket,
        "escalate",
        steps_to_reproduce="x",
        error_text="y",
        tried="z",
        user_impact="all",
        users_affected=3,
    )

    assert response.status_code == 400
    assert "Choose who takes it over" in response.content.decode()
    assert fresh(desk_ticket).version == desk_ticket.version


def test_resolving_needs_every_field(alex: Client, desk_ticket: Ticket) -> None:
    response = post_action(
        alex, desk_ticket, "resolve", root_cause="", resolution="Fixed.", category="incident"
    )

    assert response.status_code == 400
    assert fresh(desk_ticket).status == Ticket.Status.OPEN
    assert not fresh(desk_ticket).time_entries.exists()


def test_resolving_records_the_resolution_and_the_time(alex: Client, desk_ticket: Ticket) -> None:
    response = post_action(
        alex,
        desk_ticket,
        "resolve",
        root_cause="Config change.",
        resolution="Reverted CR-1042.",
        category="problem",
        minutes=45,
    )

    assert response.status_code == 302
    ticket = fresh(desk_ticket)
    resolved = last_event(ticket, Kind.RESOLVED)
    assert trail(resolved) == ("Alex Rivera", "Open", "Resolved")
    assert resolved.note == "Reverted CR-1042."
    assert (ticket.category, ticket.time_entries.get().minutes) == ("problem", 45)


def test_closing_and_reopening_are_audited_with_their_reasons(
    alex: Client, desk_ticket: Ticket
) -> None:
    assert post_action(alex, desk_ticket, "close", reason="Duplicate of #1").status_code == 302
    assert trail(last_event(fresh(desk_ticket), Kind.CLOSED)) == ("Alex Rivera", "Open", "Closed")

    assert post_action(alex, desk_ticket, "reopen", reason="Not a duplicate.").status_code == 302
    reopened = last_event(fresh(desk_ticket), Kind.REOPENED)
    assert trail(reopened) == ("Alex Rivera", "Closed", "Open")
    assert reopened.note == "Not a duplicate."


def test_closing_a_closed_ticket_is_refused_with_a_clear_message(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    ops.close(desk_ticket, by=cast.tier1)

    response = post_action(alex, desk_ticket, "close", reason="again")

    assert response.status_code == 409
    assert "is closed; it cannot become closed" in response.content.decode()
    assert fresh(desk_ticket).events.filter(kind=Kind.CLOSED).count() == 1


def test_logging_time_adds_to_the_running_total(alex: Client, desk_ticket: Ticket) -> None:
    today = timezone.localdate().isoformat()
    post_action(alex, desk_ticket, "time", minutes=30, note="Remote session", worked_on=today)
    post_action(alex, desk_ticket, "time", minutes=45, note="Callback", worked_on=today)

    page = alex.get(f"/agents/tickets/{desk_ticket.number}/").content.decode()

    assert "1 h 15 min" in page
    event = last_event(fresh(desk_ticket), Kind.TIME_LOGGED)
    assert (event.actor_name, event.new_value, event.note) == (
        "Alex Rivera",
        f"45 min on {today}",
        "Callback",
    )


@pytest.mark.parametrize(
    ("minutes", "day", "message"),
    [
        (0, 0, "greater than or equal to 1"),
        (1441, 0, "less than or equal to 1440"),
        (30, -1, "That day has not come yet."),
    ],
)
def test_time_outside_sane_bounds_is_refused(
    alex: Client, desk_ticket: Ticket, minutes: int, day: int, message: str
) -> None:
    worked_on = timezone.localdate() - timedelta(days=day)

    response = post_action(alex, desk_ticket, "time", minutes=minutes, worked_on=worked_on)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not desk_ticket.time_entries.exists()
