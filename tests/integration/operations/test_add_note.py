from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.models import AuditEvent, ThreadEntry


def test_a_note_is_internal(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    note = ops.add_note(ticket, by=cast.tier1, body="Verified with two branches.")

    assert note.kind == ThreadEntry.Kind.NOTE
    assert not note.is_public
    event = ticket.events.get(kind=AuditEvent.Kind.NOTE_ADDED)
    assert event.actor_agent == cast.tier1
    assert not event.is_public


def test_a_note_can_be_added_to_a_closed_ticket(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.close(open_ticket(), by=cast.tier1)

    ops.add_note(ticket, by=cast.manager, body="Reviewed in the weekly incident meeting.")

    assert ticket.entries.filter(kind=ThreadEntry.Kind.NOTE).count() == 1


def test_a_note_alerts_the_assignee_but_never_the_requester_or_its_author(
    cast: Cast, open_ticket: OpenTicket, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    ticket = ops.assign(open_ticket(), by=cast.tier1, agent=cast.sysadmin_agent)

    with django_capture_on_commit_callbacks(execute=True):
        ops.add_note(ticket, by=cast.tier1, body="User impact: all branches.")
        assert enqueued == []
        ops.add_note(ticket, by=cast.sysadmin_agent, body="Looking at the API servers.")

    notes = ticket.notifications.filter(template="note_alert")
    assert [n.recipient_email for n in notes] == [cast.sysadmin_agent.email]
    assert not ticket.notifications.filter(
        recipient_email=cast.requester.email, template="note_alert"
    ).exists()
    assert notes.get().pk in enqueued
