"""Polling IMAP mailboxes against a real Dovecot started by the test, over verified TLS."""

import socket
import threading
from collections.abc import Iterator

import pytest
from django.utils import timezone
from pytest_django import Settings

from mail import imap
from mail.models import InboundMessage, Mailbox
from mail.tasks import poll_mailboxes_task
from tests.conftest import Cast, free_port
from tests.integration.mail.conftest import DESK_ADDRESS, corpus
from tests.integration.mail.dovecot import ImapServer, dovecot
from tickets.models import Ticket

Status = InboundMessage.Status


@pytest.fixture
def imap_server(settings: Settings) -> Iterator[ImapServer]:
    with dovecot() as server:
        settings.HELPDESK_IMAP_CA_FILE = str(server.ca_file)
        yield server


def imap_mailbox(
    cast: Cast, server: ImapServer, *, name: str = "Help desk", **fields: object
) -> Mailbox:
    defaults = {
        "address": DESK_ADDRESS,
        "imap_host": server.host,
        "imap_port": server.ssl_port,
        "imap_user": server.user,
    }
    mailbox = Mailbox(name=name, topic=cast.general, **{**defaults, **fields})
    mailbox.set_password(server.password)
    mailbox.save()
    return mailbox


def test_the_poll_task_turns_unseen_messages_into_tickets_and_marks_them_seen(
    cast: Cast, imap_server: ImapServer
) -> None:
    mailbox = imap_mailbox(cast, imap_server)
    for name in ("plain.eml", "html_only.eml", "shift_jis.eml", "bounce.eml"):
        imap_server.append(corpus(name))
    assert len(imap_server.unseen()) == 4

    poll_mailboxes_task()

    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Online and mobile banking are down",
        "Printer on floor 3 prints blank pages",
        "ログインできません",
    ]
    assert set(Ticket.objects.values_list("source", flat=True)) == {Ticket.Source.EMAIL}
    assert InboundMessage.objects.filter(mailbox=mailbox, status=Status.PROCESSED).count() == 3
    assert InboundMessage.objects.get(status=Status.IGNORED).reason_code == "bounce"
    assert imap_server.unseen() == []
    mailbox.refresh_from_db()
    assert mailbox.last_poll_status == Mailbox.PollStatus.OK
    assert mailbox.poll_started_at is None
    assert mailbox.last_polled_at is not None


def test_a_message_already_received_by_pipe_is_not_processed_again(
    cast: Cast, imap_server: ImapServer
) -> None:
    imap_mailbox(cast, imap_server)
    imap_server.append(corpus("plain.eml"))
    imap_server.append(corpus("plain.eml"))  # the same Message-ID delivered twice

    poll_mailboxes_task()
    poll_mailboxes_task()

    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert imap_server.unseen() == []


def test_starttls_mailboxes_are_polled_too(cast: Cast, imap_server: ImapServer) -> None:
    imap_mailbox(
        cast,
        imap_server,
        security=Mailbox.Security.STARTTLS,
        imap_port=imap_server.starttls_port,
    )
    imap_server.append(corpus("plain.eml"))

    poll_mailboxes_task()

    assert Ticket.objects.count() == 1


def test_the_password_may_come_from_the_environment(
    cast: Cast, imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = imap_mailbox(cast, imap_server)
    mailbox.password_encrypted, mailbox.password_env = "", "HELPDESK_TEST_IMAP_PASSWORD"
    mailbox.save()
    monkeypatch.setenv("HELPDESK_TEST_IMAP_PASSWORD", imap_server.password)
    imap_server.append(corpus("plain.eml"))

    poll_mailboxes_task()

    assert Ticket.objects.count() == 1


def test_a_broken_mailbox_is_recorded_and_does_not_stop_the_others(
    cast: Cast, imap_server: ImapServer
) -> None:
    broken = imap_mailbox(
        cast, imap_server, name="Old server", address="old@northbank.test", imap_port=free_port()
    )
    wrong_password = imap_mailbox(
        cast, imap_server, name="Wrong password", address="wrong@northbank.test"
    )
    wrong_password.set_password("not-the-password")
    wrong_password.save()
    working = imap_mailbox(cast, imap_server)
    imap_server.append(corpus("plain.eml"))

    poll_mailboxes_task()

    assert Ticket.objects.get().subject == "Online and mobile banking are down"
    for mailbox, error in [
        (broken, "ConnectionRefusedError"),
        (wrong_password, "Authentication failed"),
    ]:
        mailbox.refresh_from_db()
        assert mailbox.last_poll_status == Mailbox.PollStatus.ERROR
        assert error in mailbox.last_poll_error
        assert mailbox.poll_started_at is None
    working.refresh_from_db()
    assert working.last_poll_status == Mailbox.PollStatus.OK


def test_a_server_certificate_nobody_vouches_for_is_refused(
    cast: Cast, imap_server: ImapServer, settings: Settings
) -> None:
    settings.HELPDESK_IMAP_CA_FILE = ""  # the system's CAs do not know the test's certificate
    mailbox = imap_mailbox(cast, imap_server)
    imap_server.append(corpus("plain.eml"))

    poll_mailboxes_task()

    mailbox.refresh_from_db()
    assert "CERTIFICATE_VERIFY_FAILED" in mailbox.last_poll_error
    assert not Ticket.objects.exists()
    assert len(imap_server.unseen()) == 1


def test_a_mailbox_being_polled_is_not_polled_again_at_the_same_time(
    cast: Cast, imap_server: ImapServer
) -> None:
    mailbox = imap_mailbox(cast, imap_server)
    imap_server.append(corpus("plain.eml"))
    assert imap.claim(mailbox.pk, now=timezone.now())  # another worker's poll is under way

    assert imap.poll(mailbox.pk, now=timezone.now()) == "busy"

    assert not Ticket.objects.exists()
    assert len(imap_server.unseen()) == 1


def test_a_claim_left_by_a_dead_worker_expires(cast: Cast, imap_server: ImapServer) -> None:
    mailbox = imap_mailbox(cast, imap_server)
    imap_server.append(corpus("plain.eml"))
    imap.claim(mailbox.pk, now=timezone.now() - imap.POLL_LEASE * 2)

    assert imap.poll(mailbox.pk, now=timezone.now()) == "1 received"

    assert Ticket.objects.count() == 1


class PlaintextOnlyServer:
    """An IMAP server that offers no STARTTLS; records every line the client sends."""

    def __init__(self) -> None:
        self.port = free_port()
        self.lines: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        connection, _address = self.listener.accept()
        with connection, connection.makefile("rwb") as stream:
            stream.write(b"* OK IMAP4rev1 ready\r\n")
            stream.flush()
            for line in stream:
                self.lines.append(line)
                tag = line.split(b" ", 1)[0]
                if b"CAPABILITY" in line:
                    stream.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
                stream.write(tag + b" OK done\r\n")
                stream.flush()


def test_a_server_without_tls_never_sees_the_password(cast: Cast) -> None:
    server = PlaintextOnlyServer()
    mailbox = Mailbox(
        name="Legacy",
        address=DESK_ADDRESS,
        topic=cast.general,
        imap_host="127.0.0.1",
        imap_port=server.port,
        imap_user="helpdesk",
        security=Mailbox.Security.STARTTLS,
    )
    mailbox.set_password("s3cret-password")
    mailbox.save()

    poll_mailboxes_task()

    mailbox.refresh_from_db()
    assert mailbox.last_poll_status == Mailbox.PollStatus.ERROR
    assert "TLS not supported by server" in mailbox.last_poll_error
    assert not any(b"s3cret" in line or b"LOGIN" in line for line in server.lines)
