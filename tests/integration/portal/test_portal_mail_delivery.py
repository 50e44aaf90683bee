"""Portal emails leave through the worker: a real Celery worker on Redis, a real SMTP server.

The request only writes the outbox row; it never talks to the SMTP server itself.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Cast, OpenTicket, SmtpSink, plain_text, wait_until
from tickets.models import Notification, Ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def test_account_verification_is_sent_by_the_worker(
    cast: Cast, smtp_server: SmtpSink, celery_worker: None
) -> None:
    password = "correct horse battery staple"

    response = Client().post(
        reverse("portal:register"),
        {
            "name": "Jordan Blake",
            "email": "jordan.blake@northbank.test",
            "password1": password,
            "password2": password,
            "website": "",
        },
    )

    assert response.status_code == 200
    wait_until(lambda: len(smtp_server.messages) == 1)
    (message,) = smtp_server.messages
    assert message["To"] == "Jordan Blake <jordan.blake@northbank.test>"
    assert "/accounts/verify/" in plain_text(message)
    wait_until(
        lambda: (
            Notification.objects.get(template="account_verify").status == Notification.Status.SENT
        )
    )


def test_the_status_look_up_link_is_sent_by_the_worker(
    cast: Cast, open_ticket: OpenTicket, smtp_server: SmtpSink, celery_worker: None
) -> None:
    ticket: Ticket = open_ticket()
    wait_until(lambda: len(smtp_server.messages) == ticket.notifications.count())
    smtp_server.messages.clear()

    Client().post(
        reverse("portal:status_lookup"),
        {"email": "jordan.blake@northbank.test", "number": ticket.number, "website": ""},
    )

    wait_until(lambda: len(smtp_server.messages) == 1)
    body = plain_text(smtp_server.messages[0])
    assert f"ticket #{ticket.number}" in body
    assert "/t/" in body
