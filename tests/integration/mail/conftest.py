"""Inbound email fixtures: the desk's mailbox, the corpus of real-world-shaped emails, and the
pipe command as an MTA runs it (raw bytes on standard input, an exit code back)."""

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pytest_django import Settings

from mail.models import Mailbox
from tests.conftest import Cast
from tests.integration.sla.conftest import celery_processes  # noqa: F401 - shared fixture
from tickets.models import Notification, Ticket

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "mail"
DESK_ADDRESS = "helpdesk@northbank.test"


def corpus(name: str, **values: str) -> bytes:
    """A corpus email's bytes, with `{{name}}` placeholders (ticket numbers, Message-IDs of
    the desk's own notifications, which each test run makes anew) filled in."""
    raw = (CORPUS / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(b"{{" + key.encode() + b"}}", value.encode())
    return raw


@dataclass
class Piped:
    exit_code: int
    output: str


Pipe = Callable[..., Piped]


@pytest.fixture
def pipe(monkeypatch: pytest.MonkeyPatch) -> Pipe:
    """Run `manage.py receive_email` with `raw` on standard input, as Postfix's pipe does."""

    def run(raw: bytes, *args: str) -> Piped:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        out = io.StringIO()
        try:
            call_command("receive_email", *args, stdout=out)
        except CommandError as error:
            return Piped(error.returncode, str(error))
        return Piped(0, out.getvalue())

    return run


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEFAULT_FROM_EMAIL = f"IT Help Desk <{DESK_ADDRESS}>"
    return tmp_path


@pytest.fixture
def mailbox(cast: Cast) -> Mailbox:
    """The desk's address, piped in by the MTA; new tickets are General Inquiries."""
    return Mailbox.objects.create(name="Help desk", address=DESK_ADDRESS, topic=cast.general)


def received_notice(ticket: Ticket) -> Notification:
    """The "we received your request" email the requester was sent, which they answer."""
    return Notification.objects.get(ticket=ticket, template="ticket_received")


def answering(name: str, ticket: Ticket) -> bytes:
    """A corpus reply filled in to answer `ticket`'s "we received your request" email."""
    notice = received_notice(ticket)
    return corpus(name, ticket=ticket.number, notification_message_id=notice.message_id)
