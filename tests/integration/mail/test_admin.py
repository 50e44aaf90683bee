"""Django admin for inbound email: mailbox passwords stay secret; held and failed messages
are retried or released by an admin, and each outcome is reported."""

import pytest
from django.test import Client
from django.urls import reverse

from mail.models import InboundMessage, Mailbox
from mail.passwords import decrypt
from tests.conftest import Cast
from tests.integration.mail.conftest import Pipe, answering, corpus
from tickets import operations as ops
from tickets.models import Ticket, TicketCollaborator

Status = InboundMessage.Status
CHANGELIST = "admin:mail_inboundmessage_changelist"


def held_forged_reply(pipe: Pipe) -> tuple[Ticket, InboundMessage]:
    pipe(corpus("plain.eml"))
    ticket = Ticket.objects.get()
    pipe(answering("forged_reply.eml", ticket))
    return ticket, InboundMessage.objects.get(status=Status.HELD)


def run_action(client: Client, action: str, message: InboundMessage) -> str:
    response = client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [message.pk]}, follow=True
    )
    assert response.status_code == 200
    return " ".join(str(note) for note in response.context["messages"])


def test_releasing_a_held_reply_adds_it_and_makes_the_sender_a_collaborator(
    pipe: Pipe, mailbox: Mailbox, admin_client: Client
) -> None:
    ticket, held = held_forged_reply(pipe)

    report = run_action(admin_client, "release_as_reply", held)

    assert "processed" in report
    held.refresh_from_db()
    assert (held.status, held.reason_code) == (Status.PROCESSED, InboundMessage.Reason.RELEASED)
    assert held.reason.startswith("Released by admin. Added to ticket #")
    entry = ticket.entries.order_by("pk").last()
    assert entry == held.entry
    assert entry.author_contact.email == "olive@elsewhere.test"
    assert TicketCollaborator.objects.filter(ticket=ticket, email="olive@elsewhere.test").exists()


def test_releasing_a_held_message_as_a_new_ticket_opens_one_for_its_sender(
    pipe: Pipe, mailbox: Mailbox, admin_client: Client
) -> None:
    ticket, held = held_forged_reply(pipe)

    run_action(admin_client, "release_as_ticket", held)

    held.refresh_from_db()
    assert held.ticket != ticket
    assert held.ticket.requester.email == "olive@elsewhere.test"
    assert ticket.entries.count() == 1


def test_a_held_reply_is_added_on_retry_once_an_agent_made_the_sender_a_collaborator(
    pipe: Pipe, mailbox: Mailbox, admin_client: Client, cast: Cast
) -> None:
    ticket, held = held_forged_reply(pipe)
    ops.add_collaborator(ticket, by=cast.tier1, email="Olive@Elsewhere.test", name="Olive")

    run_action(admin_client, "retry", held)

    held.refresh_from_db()
    assert (held.status, held.ticket) == (Status.PROCESSED, ticket)
    assert ticket.entries.count() == 2


def test_a_failed_message_is_processed_on_retry_once_the_cause_is_fixed(
    pipe: Pipe, cast: Cast, mailbox: Mailbox, admin_client: Client
) -> None:
    cast.general.is_active = False
    cast.general.save()
    pipe(corpus("plain.eml"))
    failed = InboundMessage.objects.get()
    assert "no longer offered" in run_action(admin_client, "retry", failed)  # still broken

    cast.general.is_active = True
    cast.general.save()
    run_action(admin_client, "retry", failed)

    failed.refresh_from_db()
    assert failed.status == Status.PROCESSED
    assert failed.ticket == Ticket.objects.get()


def test_a_processed_message_cannot_be_processed_again(
    pipe: Pipe, mailbox: Mailbox, admin_client: Client
) -> None:
    pipe(corpus("plain.eml"))

    report = run_action(admin_client, "retry", InboundMessage.objects.get())

    assert "Only a message that is held for review or failed can be processed again" in report
    assert Ticket.objects.count() == 1


def test_the_raw_message_is_shown_escaped_to_the_admin(
    pipe: Pipe, mailbox: Mailbox, admin_client: Client
) -> None:
    pipe(corpus("html_only.eml"))
    message = InboundMessage.objects.get()

    page = admin_client.get(reverse("admin:mail_inboundmessage_change", args=[message.pk]))

    assert b"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page.content
    assert b"<script>alert" not in page.content


def mailbox_form(cast: Cast, **fields: str) -> dict[str, str]:
    return {
        "name": "Help desk",
        "address": "HelpDesk@Northbank.test",
        "topic": str(cast.general.pk),
        "is_active": "on",
        "imap_host": "imap.northbank.test",
        "imap_port": "993",
        "security": "ssl",
        "imap_user": "helpdesk",
        "folder": "INBOX",
        **fields,
    }


def test_a_mailbox_password_is_stored_encrypted_and_never_shown_again(
    cast: Cast, admin_client: Client
) -> None:
    response = admin_client.post(
        reverse("admin:mail_mailbox_add"), mailbox_form(cast, password="imap-secret-123")
    )

    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert mailbox.address == "helpdesk@northbank.test"
    assert "imap-secret-123" not in mailbox.password_encrypted
    assert decrypt(mailbox.password_encrypted) == "imap-secret-123"
    page = admin_client.get(reverse("admin:mail_mailbox_change", args=[mailbox.pk]))
    assert b"imap-secret-123" not in page.content
    assert b"yes, encrypted" in page.content


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "An IMAP mailbox needs a password or its variable&#x27;s name."),
        ({"password_env": "not a name"}, "Use an environment variable name"),
        ({"password": "x", "password_env": "IMAP_PASSWORD"}, "not both"),
        ({"security": "plain", "password": "x"}, "Select a valid choice"),
    ],
)
def test_a_mailbox_without_a_usable_password_or_with_plaintext_is_refused(
    cast: Cast, admin_client: Client, fields: dict[str, str], error: str
) -> None:
    response = admin_client.post(reverse("admin:mail_mailbox_add"), mailbox_form(cast, **fields))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Mailbox.objects.exists()


def test_saving_a_mailbox_without_typing_the_password_keeps_it(
    cast: Cast, admin_client: Client
) -> None:
    admin_client.post(reverse("admin:mail_mailbox_add"), mailbox_form(cast, password="first-pw"))
    mailbox = Mailbox.objects.get()

    response = admin_client.post(
        reverse("admin:mail_mailbox_change", args=[mailbox.pk]),
        mailbox_form(cast, folder="Support"),
    )

    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.folder, mailbox.imap_password()) == ("Support", "first-pw")
