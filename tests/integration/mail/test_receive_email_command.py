"""Real-world-shaped emails through `manage.py receive_email`, as an MTA pipes them."""

import pytest

from mail.models import InboundMessage, Mailbox
from tests.conftest import Cast
from tests.integration.mail.conftest import (
    DESK_ADDRESS,
    Pipe,
    answering,
    corpus,
    received_notice,
)
from tickets import operations as ops
from tickets.models import Attachment, AuditEvent, Contact, ThreadEntry, Ticket, TicketCollaborator

Status = InboundMessage.Status
Reason = InboundMessage.Reason
EX_DATAERR = 65
EX_TEMPFAIL = 75


def opened_by_plain_email(pipe: Pipe) -> Ticket:
    assert pipe(corpus("plain.eml")).exit_code == 0
    return Ticket.objects.get(subject="Online and mobile banking are down")


def test_a_plain_email_opens_a_ticket_like_the_portal_with_the_cc_as_collaborator(
    pipe: Pipe, cast: Cast, mailbox: Mailbox
) -> None:
    piped = pipe(corpus("plain.eml"))

    assert piped.exit_code == 0
    assert "Opened ticket #" in piped.output
    ticket = Ticket.objects.get()
    assert ticket.source == Ticket.Source.EMAIL
    assert ticket.topic == cast.general
    assert ticket.department == cast.service_desk
    assert ticket.requester == cast.requester  # the address matched in any case
    assert ticket.sla_plan == cast.sev_c
    entry = ticket.entries.get()
    assert entry.author_contact == cast.requester
    assert entry.body.startswith("Hello,\n\nSince 08:30 customers cannot log in")
    assert AuditEvent.objects.filter(ticket=ticket, kind=AuditEvent.Kind.CREATED).exists()
    assert received_notice(ticket).recipient_email == cast.requester.email
    collaborators = TicketCollaborator.objects.filter(ticket=ticket)
    assert [(c.email, c.name) for c in collaborators] == [
        ("morgan.lee@northbank.test", "Morgan Lee")
    ]
    message = InboundMessage.objects.get()
    assert (message.status, message.reason_code) == (Status.PROCESSED, Reason.NEW_TICKET)
    assert (message.ticket, message.entry, message.mailbox) == (ticket, entry, mailbox)
    assert bytes(message.raw) == corpus("plain.eml")


def test_the_same_message_id_twice_is_processed_once(pipe: Pipe, mailbox: Mailbox) -> None:
    first = pipe(corpus("plain.eml"))
    again = pipe(corpus("plain.eml"))

    assert (first.exit_code, again.exit_code) == (0, 0)
    assert "Already received (processed)" in again.output
    assert Ticket.objects.count() == 1
    assert ThreadEntry.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_a_new_sender_becomes_a_contact_named_from_the_header(pipe: Pipe, mailbox: Mailbox) -> None:
    pipe(corpus("iso-8859-1.eml"))

    contact = Contact.objects.get(email="helene.muller@northbank.test")
    assert contact.name == "Hélène Müller"


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [
        (
            "iso-8859-1.eml",
            "Accès refusé à la paie",
            "Le système de paie affiche « accès refusé » depuis la mise à jour.",
        ),
        (
            "windows-1252.eml",
            "Invoice total – wrong € amount",
            "The invoice tool shows “Total: 1 200 €” – it should be 1 250 €.",
        ),
        ("shift_jis.eml", "ログインできません", "経費精算システムにログインできません。"),
    ],
)
def test_bodies_and_encoded_headers_in_other_charsets_arrive_as_unicode(
    pipe: Pipe, mailbox: Mailbox, name: str, subject: str, text: str
) -> None:
    assert pipe(corpus(name)).exit_code == 0

    ticket = Ticket.objects.get()
    assert ticket.subject == subject
    assert text in ticket.entries.get().body


def test_raw_8bit_headers_an_unknown_charset_and_bad_padding_are_read_as_well_as_can_be(
    pipe: Pipe, mailbox: Mailbox
) -> None:
    assert pipe(corpus("odd_charset.eml")).exit_code == 0

    ticket = Ticket.objects.get()
    assert ticket.subject.startswith("Café machine badge reader")
    assert ticket.requester.name == "René Dubois"
    assert ticket.entries.get().body == "The badge reader at the café refuses every card."


def test_an_html_only_email_is_kept_as_sanitized_html(pipe: Pipe, mailbox: Mailbox) -> None:
    pipe(corpus("html_only.eml"))

    entry = Ticket.objects.get().entries.get()
    assert entry.body_format == ThreadEntry.Format.HTML
    assert "<b>PRN-3F-01</b>" in entry.body
    assert 'href="https://intranet.northbank.test/prn"' in entry.body
    for dangerous in ("<script", "alert", "onclick", "onerror", "javascript:", "<style", "red"):
        assert dangerous not in entry.body


def test_attachments_are_kept_under_the_portals_limits_and_refusals_are_noted(
    pipe: Pipe, mailbox: Mailbox
) -> None:
    assert pipe(corpus("attachments.eml")).exit_code == 0

    entry = Ticket.objects.get().entries.get()
    assert entry.body_format == ThreadEntry.Format.TEXT  # the plain alternative is preferred
    assert sorted(entry.attachments.values_list("filename", flat=True)) == [
        "screenshot.png",
        "vpn-client.log",
    ]
    assert entry.attachments.get(filename="screenshot.png").content_type == "image/png"
    assert "Attachments not accepted:\n- “vpn-fix.exe”: this type of file is not accepted" in (
        entry.body
    )
    message = InboundMessage.objects.get()
    assert message.refused_attachments.startswith("“vpn-fix.exe”: this type of file")


def test_attachments_over_the_count_limit_are_refused_not_dropped(
    pipe: Pipe, mailbox: Mailbox, settings: object
) -> None:
    settings.HELPDESK_ATTACHMENT_MAX_COUNT = 1  # type: ignore[attr-defined]

    pipe(corpus("attachments.eml"))

    assert Attachment.objects.get().filename == "vpn-client.log"
    refused = InboundMessage.objects.get().refused_attachments.splitlines()
    assert refused[0] == "“screenshot.png”: more attachments than the 1 allowed per message."
    assert len(refused) == 2


def test_an_outlook_reply_is_added_to_its_ticket_without_the_quoted_history(
    pipe: Pipe, cast: Cast, mailbox: Mailbox
) -> None:
    ticket = opened_by_plain_email(pipe)
    reply = answering("outlook_reply.eml", ticket)

    piped = pipe(reply)

    assert piped.exit_code == 0
    assert f"Added to ticket #{ticket.number}" in piped.output
    entry = ticket.entries.order_by("pk").last()
    assert entry.author_contact == cast.requester
    assert entry.body == (
        "It is back for online banking, the mobile app still shows the 503 error.\n\nJordan"
    )
    assert Ticket.objects.count() == 1
    message = InboundMessage.objects.get(message_id__contains="outlook")
    assert (message.reason_code, message.ticket, message.entry) == (Reason.REPLY, ticket, entry)
    assert b"Sent: 02 March 2026 09:14" in bytes(message.raw)  # the original is kept whole


def test_a_gmail_reply_from_a_collaborator_is_matched_by_the_subject_tag(
    pipe: Pipe, mailbox: Mailbox
) -> None:
    ticket = opened_by_plain_email(pipe)  # Morgan was copied on it

    piped = pipe(corpus("gmail_reply.eml", ticket=ticket.number))

    assert piped.exit_code == 0
    entry = ticket.entries.order_by("pk").last()
    assert entry.author_contact.email == "morgan.lee@northbank.test"
    assert entry.author_name == "Morgan Lee"
    assert entry.body == "The branch network team sees packet loss on the core switch since 08:25."
    event = AuditEvent.objects.filter(ticket=ticket).last()
    assert (event.kind, event.actor_name) == (AuditEvent.Kind.MESSAGE_ADDED, "Morgan Lee")


def test_once_removed_a_collaborators_reply_is_held(
    pipe: Pipe, cast: Cast, mailbox: Mailbox
) -> None:
    ticket = opened_by_plain_email(pipe)  # Morgan was copied on it
    ops.remove_collaborator(ticket, by=cast.tier1, email="morgan.lee@northbank.test")

    piped = pipe(corpus("gmail_reply.eml", ticket=ticket.number))

    assert "Held for review (unknown_sender)" in piped.output
    assert ticket.entries.count() == 1


def test_a_reply_to_a_resolved_ticket_reopens_it(pipe: Pipe, cast: Cast, mailbox: Mailbox) -> None:
    from tickets import operations as ops

    ticket = opened_by_plain_email(pipe)
    ops.resolve(ticket, by=cast.tier1, root_cause="Pool", resolution="Raised", category="incident")

    pipe(corpus("outlook_reply.eml", ticket=ticket.number, notification_message_id="<x@y>"))

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert AuditEvent.objects.filter(ticket=ticket, kind=AuditEvent.Kind.REOPENED).exists()


def test_a_forged_reply_to_someone_elses_ticket_is_held_not_added(
    pipe: Pipe, mailbox: Mailbox
) -> None:
    ticket = opened_by_plain_email(pipe)
    version = ticket.version
    forged = answering("forged_reply.eml", ticket)

    piped = pipe(forged)

    assert piped.exit_code == 0
    assert "Held for review (unknown_sender)" in piped.output
    assert "olive@elsewhere.test answered ticket #" in piped.output
    ticket.refresh_from_db()
    assert ticket.version == version
    assert ticket.entries.count() == 1
    assert Ticket.objects.count() == 1
    held = InboundMessage.objects.get(status=Status.HELD)
    assert (held.reason_code, held.ticket, held.entry) == (Reason.UNKNOWN_SENDER, ticket, None)


@pytest.mark.parametrize(
    ("name", "reason"),
    [("auto_reply.eml", Reason.AUTO_REPLY), ("bounce.eml", Reason.BOUNCE)],
)
def test_auto_replies_and_bounces_are_ignored_and_logged(
    pipe: Pipe, mailbox: Mailbox, name: str, reason: str
) -> None:
    ticket = opened_by_plain_email(pipe)
    raw = answering(name, ticket)

    piped = pipe(raw)

    assert piped.exit_code == 0
    assert piped.output.startswith("Ignored")
    assert ticket.entries.count() == 1
    ignored = InboundMessage.objects.get(status=Status.IGNORED)
    assert ignored.reason_code == reason
    assert ignored.ticket is None


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Precedence: bulk", Reason.BULK),
        ("Precedence: list", Reason.BULK),
        ("X-Autoreply: yes", Reason.AUTO_REPLY),
        ("X-Autorespond: Out of office", Reason.AUTO_REPLY),
        ("Auto-Submitted: auto-generated", Reason.AUTO_REPLY),
        ("Return-Path: <>", Reason.BOUNCE),
    ],
)
def test_mail_marked_automatic_opens_no_ticket(
    pipe: Pipe, mailbox: Mailbox, header: str, reason: str
) -> None:
    raw = corpus("plain.eml").replace(b"Return-Path: <jordan.blake@northbank.test>\n", b"")
    raw = raw.replace(b"MIME-Version: 1.0", f"{header}\nMIME-Version: 1.0".encode())

    assert pipe(raw).exit_code == 0

    assert not Ticket.objects.exists()
    assert InboundMessage.objects.get().reason_code == reason


def test_auto_submitted_no_is_a_person_writing(pipe: Pipe, mailbox: Mailbox) -> None:
    raw = corpus("plain.eml").replace(b"MIME-Version", b"Auto-Submitted: no\nMIME-Version")

    pipe(raw)

    assert Ticket.objects.count() == 1


def test_our_own_notification_coming_back_is_a_mail_loop(pipe: Pipe, mailbox: Mailbox) -> None:
    ticket = opened_by_plain_email(pipe)
    notice = received_notice(ticket)
    looped = (
        f"From: someone@northbank.test\nTo: {DESK_ADDRESS}\nSubject: {notice.subject}\n"
        f"Message-ID: {notice.message_id}\n\n{notice.body}"
    ).encode()

    piped = pipe(looped)

    assert piped.exit_code == 0
    message = InboundMessage.objects.get(message_id=notice.message_id)
    assert (message.status, message.reason_code) == (Status.IGNORED, Reason.MAIL_LOOP)
    assert ticket.entries.count() == 1


def test_mail_from_the_desks_own_address_is_a_mail_loop(pipe: Pipe, mailbox: Mailbox) -> None:
    raw = corpus("plain.eml").replace(
        b"From: Jordan Blake <Jordan.Blake@northbank.test>", f"From: {DESK_ADDRESS}".encode()
    )

    pipe(raw)

    assert not Ticket.objects.exists()
    assert InboundMessage.objects.get().reason_code == Reason.MAIL_LOOP


def test_broken_mime_is_refused_with_ex_dataerr_and_kept_for_an_admin(
    pipe: Pipe, mailbox: Mailbox
) -> None:
    piped = pipe(corpus("broken_mime.eml"))

    assert piped.exit_code == EX_DATAERR
    assert "MIME structure is broken" in piped.output
    assert "StartBoundaryNotFoundDefect" in piped.output
    assert not Ticket.objects.exists()
    assert (
        not Contact.objects.filter(email="jordan.blake@northbank.test")
        .exclude(tickets=None)
        .exists()
    )
    kept = InboundMessage.objects.get()
    assert (kept.status, kept.reason_code) == (Status.FAILED, Reason.BROKEN_MIME)
    assert bytes(kept.raw) == corpus("broken_mime.eml")


@pytest.mark.parametrize("raw", [b"", b"this is not an email at all\n", b"From: nobody\n\nhi\n"])
def test_input_with_no_sender_is_refused_with_ex_dataerr_and_kept(
    pipe: Pipe, mailbox: Mailbox, raw: bytes
) -> None:
    piped = pipe(raw)

    assert piped.exit_code == EX_DATAERR
    assert "no usable address" in piped.output
    assert InboundMessage.objects.get().reason_code == Reason.NO_SENDER
    assert not Ticket.objects.exists()


def test_a_message_refused_by_the_ticket_rules_is_kept_as_failed_with_nothing_half_done(
    pipe: Pipe, cast: Cast, mailbox: Mailbox
) -> None:
    cast.general.is_active = False
    cast.general.save()

    piped = pipe(corpus("plain.eml"))

    assert piped.exit_code == 0  # taken: an admin sees it and retries once the topic is fixed
    assert "no longer offered" in piped.output
    assert not Ticket.objects.exists()
    assert not TicketCollaborator.objects.exists()
    failed = InboundMessage.objects.get()
    assert (failed.status, failed.reason_code) == (Status.FAILED, Reason.REFUSED)


def test_a_new_message_for_no_active_mailbox_is_kept_as_failed(pipe: Pipe, cast: Cast) -> None:
    Mailbox.objects.create(
        name="Retired", address=DESK_ADDRESS, topic=cast.general, is_active=False
    )

    piped = pipe(corpus("plain.eml"))

    assert piped.exit_code == 0
    assert "No active mailbox receives mail for" in piped.output
    assert InboundMessage.objects.get().reason_code == Reason.NO_MAILBOX


def test_the_mailbox_named_on_the_command_line_sets_topic_and_department(
    pipe: Pipe, cast: Cast, mailbox: Mailbox
) -> None:
    Mailbox.objects.create(
        name="Outages",
        address="outages@northbank.test",
        topic=cast.outage,
        department=cast.networking,
    )

    assert pipe(corpus("plain.eml"), "--mailbox", "Outages").exit_code == 0

    ticket = Ticket.objects.get()
    assert ticket.topic == cast.outage
    assert ticket.priority == cast.p1
    assert ticket.department == cast.networking
    transfer = AuditEvent.objects.get(ticket=ticket, kind=AuditEvent.Kind.TRANSFERRED)
    assert transfer.note == "Received at the mailbox Outages."


def test_an_unknown_mailbox_name_defers_the_message(pipe: Pipe, mailbox: Mailbox) -> None:
    piped = pipe(corpus("plain.eml"), "--mailbox", "Nope")

    assert piped.exit_code == EX_TEMPFAIL
    assert "No active mailbox is named 'Nope'" in piped.output
    assert not InboundMessage.objects.exists()
