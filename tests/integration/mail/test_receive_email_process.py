"""`manage.py receive_email` as a separate process, as Postfix's pipe runs it: exit codes an
MTA understands, and one ticket however many processes receive the same message at once."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from mail import operations
from mail.models import InboundMessage, Mailbox
from tests.conftest import Cast, free_port, race
from tests.integration.mail.conftest import corpus
from tickets.models import Ticket

ROOT = Path(__file__).resolve().parents[3]
EX_TEMPFAIL = 75
EX_DATAERR = 65


def run_command(raw: bytes, database_url: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "manage.py", "receive_email"],
        input=raw,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_a_database_outage_answers_ex_tempfail_so_the_mta_keeps_the_message() -> None:
    unreachable = f"postgres://postgres@127.0.0.1:{free_port()}/helpdesk"

    finished = run_command(corpus("plain.eml"), unreachable)

    assert finished.returncode == EX_TEMPFAIL
    assert b"Temporary failure, try again later" in finished.stderr


@pytest.mark.django_db(transaction=True)
def test_the_pipe_process_opens_a_ticket_and_refuses_broken_mime(cast: Cast) -> None:
    Mailbox.objects.create(name="Help desk", address="helpdesk@northbank.test", topic=cast.general)
    settings = connection.settings_dict
    database_url = (
        f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )

    opened = run_command(corpus("plain.eml"), database_url)
    broken = run_command(corpus("broken_mime.eml"), database_url)

    assert opened.returncode == 0, opened.stderr
    assert Ticket.objects.get().source == Ticket.Source.EMAIL
    assert broken.returncode == EX_DATAERR
    assert b"MIME structure is broken" in broken.stderr
    assert InboundMessage.objects.get(status=InboundMessage.Status.FAILED).raw


@pytest.mark.django_db(transaction=True)
def test_two_processes_receiving_the_same_message_open_one_ticket(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    Mailbox.objects.create(name="Help desk", address="helpdesk@northbank.test", topic=cast.general)
    process = operations._process

    def slow_process(*args: object) -> None:
        time.sleep(0.5)  # widens the window: the other delivery must wait on the unique row
        process(*args)

    monkeypatch.setattr(operations, "_process", slow_process)

    def deliver() -> operations.Receipt:
        return operations.receive(corpus("plain.eml"))

    receipts = race(deliver, deliver, timeout=30)

    assert sorted(receipt.duplicate for receipt in receipts) == [False, True]
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.get().status == InboundMessage.Status.PROCESSED
