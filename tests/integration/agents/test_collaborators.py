"""Collaborators: people copied on a ticket besides the requester. Agents add and remove them
on the ticket page (audited); they receive the agents' replies, never notes, and without the
requester's personal links."""

from django.test import Client

from tests.conftest import Cast
from tests.integration.agents.conftest import fresh, post_action
from tickets import operations as ops
from tickets.models import AuditEvent, Notification, Ticket
from tickets.notifications import compose

Kind = AuditEvent.Kind
MORGAN = "morgan.lee@northbank.test"


def copied(ticket: Ticket) -> list[str]:
    return list(ticket.collaborators.values_list("email", flat=True))


def test_an_agent_copies_someone_on_the_ticket_and_it_is_audited(
    alex: Client, desk_ticket: Ticket
) -> None:
    response = post_action(
        alex, desk_ticket, "copy", email="Morgan.Lee@Northbank.test", name="Morgan Lee"
    )

    assert response.status_code == 302
    assert copied(desk_ticket) == [MORGAN]
    event = fresh(desk_ticket).events.get(kind=Kind.COLLABORATOR_ADDED)
    assert (event.actor_name, event.new_value, event.is_public) == (
        "Alex Rivera",
        f"Morgan Lee <{MORGAN}>",
        False,
    )
    page = alex.get(f"/agents/tickets/{desk_ticket.number}/").content.decode()
    assert f"Morgan Lee &lt;{MORGAN}&gt;" in page


def test_removing_a_collaborator_is_audited(cast: Cast, alex: Client, desk_ticket: Ticket) -> None:
    ops.add_collaborator(desk_ticket, by=cast.tier1, email=MORGAN)

    assert post_action(alex, desk_ticket, "uncopy", email=MORGAN).status_code == 302

    assert copied(desk_ticket) == []
    event = fresh(desk_ticket).events.get(kind=Kind.COLLABORATOR_REMOVED)
    assert (event.actor_name, event.old_value) == ("Alex Rivera", MORGAN)


def test_bad_collaborators_are_refused_saying_why(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    ops.add_collaborator(desk_ticket, by=cast.tier1, email=MORGAN)
    cases = [
        ({"email": "not an address"}, 400, "Enter a valid email address."),
        ({"email": cast.requester.email}, 409, "is the requester"),
        ({"email": MORGAN.upper()}, 409, "is copied on this ticket already"),
    ]
    for fields, status, message in cases:
        response = post_action(alex, desk_ticket, "copy", **fields)

        assert response.status_code == status, fields
        assert message in response.content.decode()
    assert copied(desk_ticket) == [MORGAN]
    assert post_action(alex, desk_ticket, "uncopy", email="nobody@x.test").status_code == 409


def test_replies_reach_collaborators_without_the_requesters_links_and_notes_do_not(
    cast: Cast, desk_ticket: Ticket
) -> None:
    ops.add_collaborator(desk_ticket, by=cast.tier1, email=MORGAN, name="Morgan Lee")

    ops.add_note(desk_ticket, by=cast.tier1, body="Pool exhausted on banking-api-01.")
    ops.reply(desk_ticket, by=cast.tier1, body="We are restarting the service now.")

    sent = Notification.objects.filter(ticket=desk_ticket, template="agent_reply")
    to = {notice.recipient_email: compose(notice) for notice in sent}
    assert set(to) == {cast.requester.email, MORGAN}
    assert "We are restarting the service now." in to[MORGAN].body
    assert "/t/" in to[cast.requester.email].body  # the requester's personal access link
    assert "/t/" not in to[MORGAN].body
    notes = Notification.objects.filter(ticket=desk_ticket, template="note_alert")
    assert MORGAN not in notes.values_list("recipient_email", flat=True)
