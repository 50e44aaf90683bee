"""The IMAP poll on the real stack: Celery beat and a worker process on Redis pick up mail
from a real Dovecot, on the schedule beat copied from settings into the database."""

import pytest
from django_celery_beat.models import PeriodicTask

from mail.models import Mailbox
from tests.conftest import Cast
from tests.integration.mail.conftest import DESK_ADDRESS, corpus
from tests.integration.mail.dovecot import dovecot
from tests.integration.sla.conftest import CeleryProcesses, wait_for
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def test_beat_polls_the_mailbox_and_a_worker_opens_the_ticket(
    cast: Cast, celery_processes: CeleryProcesses
) -> None:
    with dovecot() as server:
        mailbox = Mailbox(
            name="Help desk",
            address=DESK_ADDRESS,
            topic=cast.general,
            imap_host=server.host,
            imap_port=server.ssl_port,
            imap_user=server.user,
        )
        mailbox.set_password(server.password)
        mailbox.save()
        server.append(corpus("plain.eml"))

        celery_processes.start(
            beat=True, HELPDESK_IMAP_POLL_SECONDS="1", HELPDESK_IMAP_CA_FILE=str(server.ca_file)
        )

        wait_for(lambda: not server.unseen(), timeout=60, logs=celery_processes.logs)
        assert Ticket.objects.get().source == Ticket.Source.EMAIL
        mailbox.refresh_from_db()
        assert mailbox.last_poll_status == Mailbox.PollStatus.OK
        # Beat's schedule came from settings into the database, where admins can change it.
        task = PeriodicTask.objects.get(name="poll-mailboxes")
        assert task.task == "mail.tasks.poll_mailboxes_task"
        assert task.interval.every == 1
