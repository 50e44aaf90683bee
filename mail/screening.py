"""Mail the desk must not answer: auto-replies, bounces, bulk mail and its own messages.

Answering an out-of-office reply with "we received your request" starts a loop that only a
full mailbox stops, so these are recognised before anything is opened or added.
"""

from django.conf import settings

from mail.models import InboundMessage, Mailbox
from mail.parsing import ParsedEmail
from tickets.models import Notification, normalize_email

Reason = InboundMessage.Reason
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond")
BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster-noreply"})


def ignore_reason(parsed: ParsedEmail) -> tuple[str, str] | None:
    """(reason code, explanation) if the message must be ignored, else None."""
    headers = parsed.headers
    if parsed.sender_email in own_addresses():
        return Reason.MAIL_LOOP, f"Sent from the desk's own address {parsed.sender_email}."
    if Notification.objects.filter(message_id=parsed.message_id).exists():
        return Reason.MAIL_LOOP, f"{parsed.message_id} is a message the desk sent."
    if parsed.content_type == "multipart/report":
        return Reason.BOUNCE, "A delivery status report (multipart/report)."
    if headers.get("return-path", "").strip() == "<>":
        return Reason.BOUNCE, "Sent with an empty Return-Path, as bounces are."
    if parsed.sender_email.partition("@")[0] in BOUNCE_SENDERS:
        return Reason.BOUNCE, f"Sent by {parsed.sender_email}."
    auto_submitted = headers.get("auto-submitted", "").partition(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return Reason.AUTO_REPLY, f"Auto-Submitted: {auto_submitted}."
    for name in AUTO_REPLY_HEADERS:
        if name in headers:
            return Reason.AUTO_REPLY, f"Marked {name.title()}: {headers[name]}."
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return Reason.BULK, f"Precedence: {precedence}."
    return None


def own_addresses() -> set[str]:
    """The addresses the desk sends from and receives at."""
    sender = settings.DEFAULT_FROM_EMAIL.rpartition("<")[2].strip(">").strip()
    return {normalize_email(sender), *Mailbox.objects.values_list("address", flat=True)}
