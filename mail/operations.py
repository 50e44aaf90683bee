"""Receiving an email: record it once, then ignore it, hold it, open a ticket or add to one.

`receive` is what the pipe command and the IMAP poll call with the raw bytes. The Message-ID
is claimed with a unique row in the same transaction as the ticket change, so a message is
processed once even when two processes get it at once (the second insert waits for the
first to commit, then finds its row). If processing fails, the transaction rolls back — no
half-opened ticket — and the raw message is stored as failed for an admin to retry.

Replies are matched by In-Reply-To/References (our notifications' Message-IDs, or an
earlier email added to a ticket), then by the `[#NUMBER]` tag in the subject. A reply is
added only if it comes from the requester or a collaborator of that ticket; from anyone
else it is held for review, never added and never turned into a ticket on its own (it may
be a forgery aimed at someone else's ticket, or a colleague an agent will want to add).
"""

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from hashlib import sha256

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.html import escape

from mail import quotes, screening
from mail.models import InboundMessage, Mailbox
from mail.parsing import ParsedEmail, parse
from tickets import operations as ops
from tickets.attachments import AttachmentRejected, check_uploads, display_filename
from tickets.errors import TicketError
from tickets.models import Contact, Notification, ThreadEntry, Ticket, TicketCollaborator
from tickets.sanitize import html_to_text, sanitize_html

logger = logging.getLogger(__name__)

Status = InboundMessage.Status
Reason = InboundMessage.Reason
Format = ThreadEntry.Format
SUBJECT_TAG = re.compile(r"\[#(\d{4,12})\]")
NO_SUBJECT = "(no subject)"
NO_TEXT = "(The email had no text.)"
# Database trouble that passes: the caller should try again later (the MTA's EX_TEMPFAIL).
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


class Unprocessable(Exception):
    """The message cannot become part of a ticket; `code` is an InboundMessage.Reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Receipt:
    """What became of a received message; `duplicate` if it had been received before."""

    message: InboundMessage
    duplicate: bool = False


def receive(raw: bytes, *, mailbox: Mailbox | None = None) -> Receipt:
    """Take one raw email: process it once, or keep it as failed. Database outages raise
    (nothing is stored, so the sender's server or the IMAP poll must try again)."""
    parsed = parse(raw)
    earlier = InboundMessage.objects.filter(message_id=parsed.message_id).first()
    if earlier is not None:
        logger.info("inbound %s: already received (%s)", parsed.message_id, earlier.status)
        return Receipt(earlier, duplicate=True)
    try:
        with transaction.atomic():
            message, created = InboundMessage.objects.get_or_create(
                message_id=parsed.message_id, defaults=_new_record(raw, parsed, mailbox)
            )
            if not created:  # a concurrent delivery of the same message won
                return Receipt(message, duplicate=True)
            _process(message, parsed)
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        code, reason = _failure(error)
        with transaction.atomic():
            message, _created = InboundMessage.objects.get_or_create(
                message_id=parsed.message_id,
                defaults={
                    **_new_record(raw, parsed, mailbox),
                    "reason_code": code,
                    "reason": reason,
                },
            )
    logger.info(
        "inbound %s from %s: %s (%s) %s%s",
        message.message_id,
        message.sender,
        message.status,
        message.reason_code,
        message.reason,
        f" [read despite: {'; '.join(parsed.defects)}]" if parsed.defects else "",
    )
    return Receipt(message)


@transaction.atomic
def retry(message: InboundMessage) -> InboundMessage:
    """Process a held or failed message again (after adding a collaborator, fixing a
    mailbox or a topic); if it fails again it stays failed with the new reason."""
    message = _lock_for_review(message, InboundMessage.RETRYABLE)
    _process_or_fail(message, lambda: _process(message, parse(bytes(message.raw))))
    return message


@transaction.atomic
def release_as_ticket(message: InboundMessage, *, by: str) -> InboundMessage:
    """Open a new ticket from a held message, its sender as the requester."""
    message = _lock_for_review(message, (Status.HELD,))
    parsed = parse(bytes(message.raw))
    _process_or_fail(message, lambda: _open(message, parsed))
    _mark_released(message, by)
    return message


@transaction.atomic
def release_as_reply(message: InboundMessage, *, by: str) -> InboundMessage:
    """Add a held reply to the ticket it answers, its sender becoming a collaborator."""
    message = _lock_for_review(message, (Status.HELD,))
    if message.ticket is None:
        raise TicketError("This message answers no ticket; release it as a new ticket.")
    parsed = parse(bytes(message.raw))

    def add() -> None:
        TicketCollaborator.objects.get_or_create(
            ticket=message.ticket,
            email=parsed.sender_email,
            defaults={"name": parsed.sender_name[:120]},
        )
        _reply(message, parsed, message.ticket)

    _process_or_fail(message, add)
    _mark_released(message, by)
    return message


# ---------------------------------------------------------------------------------------------
# Processing


def _process(message: InboundMessage, parsed: ParsedEmail) -> None:
    ignored = screening.ignore_reason(parsed)
    if ignored is not None:
        _finish(message, Status.IGNORED, *ignored)
        return
    if not parsed.sender_email:
        raise Unprocessable(Reason.NO_SENDER, "The From header has no usable address.")
    if parsed.problems:
        raise Unprocessable(
            Reason.BROKEN_MIME,
            "The message's MIME structure is broken: " + "; ".join(parsed.problems),
        )
    ticket = _ticket_answered(parsed)
    if ticket is None:
        _open(message, parsed)
    else:
        _reply(message, parsed, ticket)


def _ticket_answered(parsed: ParsedEmail) -> Ticket | None:
    """The ticket this message replies to: by its references, else by the subject's tag."""
    references = parsed.references
    if references:
        sent = dict(
            Notification.objects.filter(
                message_id__in=references, ticket__isnull=False
            ).values_list("message_id", "ticket_id")
        )
        received = dict(
            InboundMessage.objects.filter(
                message_id__in=references, status=Status.PROCESSED, ticket__isnull=False
            ).values_list("message_id", "ticket_id")
        )
        for reference in references:  # the direct parent first
            ticket_id = sent.get(reference) or received.get(reference)
            if ticket_id is not None:
                return Ticket.objects.select_related("requester").get(pk=ticket_id)
    tag = SUBJECT_TAG.search(parsed.subject)
    if tag is None:
        return None
    return Ticket.objects.select_related("requester").filter(number=tag[1]).first()


def _reply(message: InboundMessage, parsed: ParsedEmail, ticket: Ticket) -> None:
    author = _participant(ticket, parsed)
    if author is None:
        _finish(
            message,
            Status.HELD,
            Reason.UNKNOWN_SENDER,
            f"{parsed.sender_email} answered ticket #{ticket.number} but is neither its "
            "requester nor a collaborator; held for review, not added to the ticket.",
            ticket=ticket,
        )
        return
    body, body_format = message_body(parsed, reply=True)
    accepted, refused = _screen_attachments(parsed.attachments)
    entry = ops.add_customer_message(
        ticket,
        by=author,
        body=_with_refusals(body, body_format, refused),
        body_format=body_format,
        attachments=accepted,
        as_collaborator=author.pk != ticket.requester_id,
    )
    _finish(
        message,
        Status.PROCESSED,
        Reason.REPLY,
        f"Added to ticket #{ticket.number} as a message from {author.email}.",
        ticket=ticket,
        entry=entry,
        refused=refused,
    )


def _participant(ticket: Ticket, parsed: ParsedEmail) -> Contact | None:
    """The sender as a contact, if they may write on the ticket."""
    if parsed.sender_email == ticket.requester.email:
        return ticket.requester
    collaborator = TicketCollaborator.objects.filter(
        ticket=ticket, email=parsed.sender_email
    ).first()
    if collaborator is None:
        return None
    return ops.find_or_create_contact(
        email=parsed.sender_email,
        name=collaborator.name or _display_name(parsed),
    )


def _open(message: InboundMessage, parsed: ParsedEmail) -> None:
    mailbox = message.mailbox or _mailbox_for(parsed.recipients)
    if mailbox is None:
        raise Unprocessable(
            Reason.NO_MAILBOX,
            "No active mailbox receives mail for "
            + (", ".join(parsed.recipients) or "this message's recipients")
            + "; add one in admin (Inbound email → Mailboxes) or pipe with --mailbox.",
        )
    requester = ops.find_or_create_contact(email=parsed.sender_email, name=_display_name(parsed))
    body, body_format = message_body(parsed, reply=False)
    accepted, refused = _screen_attachments(parsed.attachments)
    ticket = ops.open_ticket(
        requester=requester,
        subject=(parsed.subject or NO_SUBJECT)[:255],
        body=_with_refusals(body, body_format, refused),
        body_format=body_format,
        topic=mailbox.topic,
        source=Ticket.Source.EMAIL,
        by=requester,
        attachments=accepted,
        # The ticket-level twin of the Message-ID claim (keys are at most 64 characters).
        idempotency_key="mail:" + sha256(parsed.message_id.encode()).hexdigest()[:59],
    )
    if mailbox.department_id and mailbox.department_id != ticket.department_id:
        ticket = ops.transfer(
            ticket,
            by=None,
            department=mailbox.department,
            reason=f"Received at the mailbox {mailbox.name}.",
        )
    _add_cc_collaborators(ticket, parsed.cc)
    message.mailbox = mailbox
    _finish(
        message,
        Status.PROCESSED,
        Reason.NEW_TICKET,
        f"Opened ticket #{ticket.number} for {requester.email}.",
        ticket=ticket,
        entry=ticket.entries.order_by("pk").first(),
        refused=refused,
    )


def _mailbox_for(recipients: Sequence[str]) -> Mailbox | None:
    active = Mailbox.objects.filter(address__in=recipients, is_active=True)
    mailboxes = {box.address: box for box in active}
    return next((mailboxes[address] for address in recipients if address in mailboxes), None)


def _add_cc_collaborators(ticket: Ticket, cc: Sequence[tuple[str, str]]) -> None:
    """Everyone the opening message was copied to, but the requester and the desk."""
    skip = {ticket.requester.email, *screening.own_addresses()}
    people = {email: name for name, email in cc if email not in skip}
    TicketCollaborator.objects.bulk_create(
        [
            TicketCollaborator(ticket=ticket, email=email, name=name[:120])
            for email, name in list(people.items())[: ops.MAX_COLLABORATORS]
        ],
        ignore_conflicts=True,
    )


def _display_name(parsed: ParsedEmail) -> str:
    """The sender's name as a contact's name (at most 120 characters), else their mailbox."""
    return (parsed.sender_name or parsed.sender_email.partition("@")[0])[:120]


def message_body(parsed: ParsedEmail, *, reply: bool) -> tuple[str, str]:
    """The text to post and its format: the plain-text part if there is one, else the
    sanitized HTML; a reply loses its quoted history."""
    if parsed.text.strip():
        return (quotes.strip_text(parsed.text) if reply else parsed.text), Format.TEXT
    if parsed.html.strip():
        html = sanitize_html(quotes.strip_html(parsed.html) if reply else parsed.html)
        if html_to_text(html):
            return html, Format.HTML
    return NO_TEXT, Format.TEXT


def _screen_attachments(
    uploads: Sequence[UploadedFile],
) -> tuple[list[UploadedFile], list[str]]:
    """The files the portal's limits accept, and why each other one was refused."""
    accepted: list[UploadedFile] = []
    refused: list[str] = []
    limit = settings.HELPDESK_ATTACHMENT_MAX_COUNT
    for upload in uploads:
        if len(accepted) >= limit:
            name = display_filename(upload.name or "")
            refused.append(f"“{name}”: more attachments than the {limit} allowed per message.")
            continue
        try:
            check_uploads([upload])
        except AttachmentRejected as rejected:
            refused.append(str(rejected))
            continue
        accepted.append(upload)
    return accepted, refused


def _with_refusals(body: str, body_format: str, refused: Sequence[str]) -> str:
    """The body with a line per refused attachment, so nobody thinks a file went missing."""
    if not refused:
        return body
    notes = ["Attachments not accepted:", *(f"- {reason}" for reason in refused)]
    if body_format == Format.HTML:
        return body + "<p>" + "<br>".join(escape(note) for note in notes) + "</p>"
    return body + "\n\n" + "\n".join(notes)


# ---------------------------------------------------------------------------------------------
# Bookkeeping


def _new_record(raw: bytes, parsed: ParsedEmail, mailbox: Mailbox | None) -> dict[str, object]:
    # Failed until _finish says otherwise; the row is only seen by others after commit.
    return {
        "raw": raw,
        "mailbox": mailbox,
        "sender": parsed.sender_email[:320],
        "subject": parsed.subject[:255],
        "status": Status.FAILED,
        "reason_code": Reason.ERROR,
    }


def _finish(
    message: InboundMessage,
    status: str,
    code: str,
    reason: str,
    *,
    ticket: Ticket | None = None,
    entry: ThreadEntry | None = None,
    refused: Sequence[str] = (),
) -> None:
    message.status, message.reason_code, message.reason = status, code, reason
    message.ticket, message.entry = ticket, entry
    message.refused_attachments = "\n".join(refused)
    message.processed_at = timezone.now()
    message.save()


def _failure(error: Exception) -> tuple[str, str]:
    """The reason code and words for a message that could not be processed."""
    if isinstance(error, Unprocessable):
        return error.code, str(error)
    if isinstance(error, TicketError):
        return Reason.REFUSED, str(error)
    logger.exception("inbound message could not be processed")
    return Reason.ERROR, f"{type(error).__name__}: {error}"


def _lock_for_review(message: InboundMessage, statuses: Sequence[str]) -> InboundMessage:
    locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if locked.status not in statuses:
        allowed = " or ".join(Status(status).label.lower() for status in statuses)
        raise TicketError(f"Only a message that is {allowed} can be processed again.")
    return locked


def _process_or_fail(message: InboundMessage, process: Callable[[], None]) -> None:
    """Run `process`; if it fails, roll its changes back and record why on the message."""
    try:
        with transaction.atomic():
            process()
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        code, reason = _failure(error)
        _finish(message, Status.FAILED, code, reason, ticket=message.ticket)


def _mark_released(message: InboundMessage, by: str) -> None:
    if message.status == Status.PROCESSED:
        message.reason_code = Reason.RELEASED
        message.reason = f"Released by {by}. {message.reason}"
        message.save(update_fields=["reason_code", "reason"])
