"""`manage.py receive_email [--mailbox NAME] < message.eml`: take one email from an MTA pipe.

Exit codes follow sysexits.h, which MTAs understand: 0 when the message was taken (a ticket
opened or answered, ignored as an auto-reply, held for review, or kept as failed for an
admin), 65 (EX_DATAERR) when it cannot be read as an email (kept for an admin all the same:
the sender's server bounces it with our message), 75 (EX_TEMPFAIL) when the database cannot
be reached or --mailbox names no active mailbox, so the MTA keeps the message and tries
again later.
"""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mail.models import InboundMessage, Mailbox
from mail.operations import TRANSIENT_ERRORS, receive

EX_DATAERR = 65
EX_TEMPFAIL = 75
UNREADABLE = (InboundMessage.Reason.BROKEN_MIME, InboundMessage.Reason.NO_SENDER)


class Command(BaseCommand):
    help = "Read one raw email from standard input and open or answer a ticket with it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mailbox",
            metavar="NAME",
            help="The mailbox it arrived at (new tickets get its help topic); by default "
            "the mailbox whose address the message was sent to.",
        )

    def handle(self, *args: Any, mailbox: str | None, **options: Any) -> None:
        raw = sys.stdin.buffer.read()
        try:
            box = self._mailbox(mailbox)
            receipt = receive(raw, mailbox=box)
        except TRANSIENT_ERRORS as error:
            raise CommandError(
                f"Temporary failure, try again later: {error}".strip(), returncode=EX_TEMPFAIL
            ) from error
        message = receipt.message
        if receipt.duplicate:
            self.stdout.write(f"Already received ({message.get_status_display().lower()}).")
            return
        summary = f"{message.get_status_display()} ({message.reason_code}): {message.reason}"
        if message.status == InboundMessage.Status.FAILED and message.reason_code in UNREADABLE:
            raise CommandError(summary, returncode=EX_DATAERR)
        self.stdout.write(summary)

    def _mailbox(self, name: str | None) -> Mailbox | None:
        if name is None:
            return None
        box = Mailbox.objects.filter(name=name, is_active=True).first()
        if box is None:
            # Deferred, not bounced: the MTA keeps the mail until the setup is fixed.
            raise CommandError(f"No active mailbox is named {name!r}.", returncode=EX_TEMPFAIL)
        return box
