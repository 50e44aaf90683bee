"""A mail server that fails never fails the request: the outbox keeps the message, a real
Celery worker retries it with backoff, and every attempt lands in the delivery log."""

from collections.abc import Callable

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from tests.conftest import Cast, SmtpSink, free_port, wait_until
from tests.integration.portal.conftest import ticket_form
from tickets.models import Notification, NotificationAttempt, Ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

Status = Notification.Status


@pytest.fixture
def submit_ticket(cast: Cast, settings: Settings) -> Callable[[], HttpResponse]:
    """A guest opens a ticket in the portal, a real request through the whole stack."""
    settings.SITE_URL = "http://testserver"

    def submit() -> HttpResponse:
        return Client().post(reverse("portal:new_ticket"), ticket_form(cast))

    return submit


def all_settled(ticket: Ticket) -> Callable[[], bool]:
    return lambda: not ticket.notifications.filter(status__in=[Status.QUEUED, Status.SENDING])


def test_a_server_answering_4xx_is_retried_and_each_attempt_logged(
    submit_ticket: Callable[[], HttpResponse], smtp_server: SmtpSink, celery_worker: None
) -> None:
    smtp_server.refusals = 2

    response = submit_ticket()

    assert response.status_code == 302  # the request never waited for the mail server
    ticket = Ticket.objects.get()
    wait_until(all_settled(ticket), timeout=60)
    assert set(ticket.notifications.values_list("status", flat=True)) == {Status.SENT}
    assert len(smtp_server.messages) == ticket.notifications.count()
    log = NotificationAttempt.objects.filter(notification__ticket=ticket)
    refused = log.filter(succeeded=False)
    assert refused.count() == 2
    assert {(each.smtp_code, each.will_retry) for each in refused} == {(451, True)}
    assert "Mailbox temporarily unavailable" in refused.first().outcome
    assert log.filter(succeeded=True).count() == ticket.notifications.count()


def test_a_refused_connection_is_retried_until_the_server_is_back(
    submit_ticket: Callable[[], HttpResponse],
    smtp_server: SmtpSink,
    celery_worker: None,
    settings: Settings,
) -> None:
    settings.EMAIL_PORT = free_port()  # nothing listens there

    response = submit_ticket()

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    failures = NotificationAttempt.objects.filter(notification__ticket=ticket, succeeded=False)
    wait_until(lambda: failures.count() >= ticket.notifications.count(), timeout=30)
    assert all("ConnectionRefusedError" in each.outcome for each in failures)
    assert all(each.will_retry and each.smtp_code is None for each in failures)
    settings.EMAIL_PORT = smtp_server.port  # the server is back
    wait_until(all_settled(ticket), timeout=60)
    assert set(ticket.notifications.values_list("status", flat=True)) == {Status.SENT}
    assert len(smtp_server.messages) == ticket.notifications.count()


def test_a_5xx_answer_fails_the_message_at_once_and_an_admin_sends_it_again(
    cast: Cast,
    submit_ticket: Callable[[], HttpResponse],
    smtp_server: SmtpSink,
    celery_worker: None,
) -> None:
    smtp_server.refusals, smtp_server.refusal = 1, "550 5.1.1 Mailbox unavailable"

    response = submit_ticket()

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    wait_until(all_settled(ticket), timeout=30)
    failed = ticket.notifications.get(status=Status.FAILED)
    assert failed.attempts == 1  # permanent: no point knocking again
    (attempt,) = failed.attempt_log.all()
    assert (attempt.smtp_code, attempt.will_retry) == (550, False)
    assert "550 5.1.1 Mailbox unavailable" in failed.last_error

    cast.admin.user.is_staff = True
    cast.admin.user.save(update_fields=["is_staff"])
    admin = Client()
    admin.force_login(cast.admin.user)
    answer = admin.post(
        reverse("admin:tickets_notification_changelist"),
        {"action": "send_again", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert "1 message(s) queued again." in answer.content.decode()
    wait_until(lambda: Notification.objects.get(pk=failed.pk).status == Status.SENT)
    assert len(smtp_server.messages) == ticket.notifications.count()
    assert [each.succeeded for each in failed.attempt_log.all()] == [False, True]
