"""Polling IMAP mailboxes: fetch the unseen messages over TLS, receive each, mark it seen.

A poll claims its mailbox with a conditional UPDATE, so two beat ticks (or two workers)
never read the same mailbox at once. A message is marked seen only once it is stored (as
processed, ignored, held or failed); if the database is down it stays unseen for the next
poll, and the Message-ID claim makes a message seen twice harmless. One mailbox's failure
is recorded on it and does not stop the others.
"""

import imaplib
import logging
import ssl
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from mail.models import Mailbox
from mail.operations import receive
from mail.passwords import SecretUnreadable

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-poll.
POLL_LEASE = timedelta(minutes=10)
# Messages taken per poll, so one huge backlog cannot hold a worker for an hour.
BATCH = 200
TIMEOUT_SECONDS = 30
POLL_ERRORS = (imaplib.IMAP4.error, OSError, SecretUnreadable)


class MailboxUnavailable(imaplib.IMAP4.error):
    """The server refused a step (folder missing, search refused); says which."""


def poll_all(*, now: datetime) -> dict[str, str]:
    """Poll every active IMAP mailbox; returns each mailbox's outcome by name."""
    mailboxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="").order_by("pk")
    return {name: poll(pk, now=now) for pk, name in mailboxes.values_list("pk", "name")}


def poll(mailbox_id: int, *, now: datetime) -> str:
    """Fetch and receive one mailbox's unseen messages, unless another poll is on it."""
    if not claim(mailbox_id, now=now):
        return "busy"
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    try:
        count = _receive_unseen(mailbox)
    except Exception as error:
        # Recorded on this mailbox and never a reason to skip the others. If the database
        # itself is down, recording fails too and the task fails with it, as it should.
        if isinstance(error, POLL_ERRORS):
            logger.warning("mailbox %s: poll failed: %s", mailbox.name, error)
        else:
            logger.exception("mailbox %s: poll failed", mailbox.name)
        _release(mailbox, Mailbox.PollStatus.ERROR, f"{type(error).__name__}: {error}")
        return "error"
    _release(mailbox, Mailbox.PollStatus.OK, "")
    return f"{count} received"


def claim(mailbox_id: int, *, now: datetime) -> bool:
    """True for exactly one poller until it releases the mailbox (or its lease runs out)."""
    free = Q(poll_started_at__isnull=True) | Q(poll_started_at__lt=now - POLL_LEASE)
    return Mailbox.objects.filter(free, pk=mailbox_id).update(poll_started_at=now) == 1


def _release(mailbox: Mailbox, status: str, error: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(
        poll_started_at=None,
        last_polled_at=timezone.now(),
        last_poll_status=status,
        last_poll_error=error[:2000],
    )


def _receive_unseen(mailbox: Mailbox) -> int:
    connection = connect(mailbox)
    try:
        _check(connection.select(_quoted(mailbox.folder)), f"open the folder {mailbox.folder}")
        found = _check(connection.uid("SEARCH", "UNSEEN"), "search for unseen messages")
        uids = found[0].split()[:BATCH] if found and found[0] else []
        for uid in uids:
            receive(_fetch(connection, uid), mailbox=mailbox)
            _check(connection.uid("STORE", uid, "+FLAGS", r"(\Seen)"), "mark a message seen")
        return len(uids)
    finally:
        try:
            connection.logout()
        except POLL_ERRORS:
            logger.info("mailbox %s: logout failed; the connection is closed anyway", mailbox)


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """A logged-in connection over verified TLS; plaintext is never attempted."""
    context = ssl.create_default_context(cafile=settings.HELPDESK_IMAP_CA_FILE or None)
    if mailbox.security == Mailbox.Security.SSL:
        connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.imap_host, mailbox.imap_port, ssl_context=context, timeout=TIMEOUT_SECONDS
        )
    else:
        connection = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT_SECONDS)
        try:
            # Raises if the server does not offer STARTTLS: we never log in in the clear.
            connection.starttls(ssl_context=context)
        except (imaplib.IMAP4.error, OSError):
            connection.shutdown()
            raise
    connection.login(mailbox.imap_user, mailbox.imap_password())
    return connection


def _fetch(connection: imaplib.IMAP4, uid: bytes) -> bytes:
    # BODY.PEEK leaves the message unseen until it is stored on our side.
    data = _check(connection.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch a message")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise MailboxUnavailable(f"The server sent no content for message UID {uid.decode()}.")


def _check(answer: tuple[str, list], doing: str) -> list:
    status, data = answer
    if status != "OK":
        detail = b" ".join(item for item in data if isinstance(item, bytes))
        detail = detail.decode(errors="replace")
        raise MailboxUnavailable(f"The server refused to {doing}: {status} {detail}".strip())
    return data


def _quoted(folder: str) -> str:
    """An IMAP quoted string, so folder names with spaces work."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
