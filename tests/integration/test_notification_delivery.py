"""Notifications through the real stack: a Celery worker on Redis, a real SMTP server."""

import pytest

from tests.conftest import Cast, OpenTicket, SmtpSink, plain_text, wait_until
from tickets.models import Notification

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def test_a_worker_delivers_the_auto_response_over_smtp(
    cast: Cast, open_ticket: OpenTicket, smtp_server: SmtpSink, celery_worker: None
) -> None:
    ticket = open_ticket()
    expected = ticket.notifications.count()

    wait_until(lambda: len(smtp_server.messages) == expected)

    by_recipient = {message["To"]: message for message in smtp_server.messages}
    auto_response = by_recipient["Jordan Blake <jordan.blake@northbank.test>"]
    stored = ticket.notifications.get(template="ticket_received")
    assert auto_response["Subject"] == stored.subject
    assert auto_response["Message-ID"] == stored.message_id
    assert ticket.number in plain_text(auto_response)
    wait_until(lambda: not ticket.notifications.exclude(status=Notification.Status.SENT).exists())


def test_a_refusing_smtp_server_is_retried_until_it_accepts(
    cast: Cast, open_ticket: OpenTicket, smtp_server: SmtpSink, celery_worker: None
) -> None:
    smtp_server.refusals = 2
    ticket = open_ticket()
    expected = ticket.notifications.count()

    wait_until(lambda: len(smtp_server.messages) == expected, timeout=30)

    wait_until(lambda: not ticket.notifications.exclude(status=Notification.Status.SENT).exists())
    attempts = sorted(ticket.notifications.values_list("attempts", flat=True))
    assert sum(attempts) == expected + 2  # every refusal cost exactly one more attempt
    assert all(not error for error in ticket.notifications.values_list("last_error", flat=True))
