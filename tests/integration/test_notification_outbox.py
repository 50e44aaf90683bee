"""The outbox: delivery is idempotent, failures are kept and retried, lost work is picked up."""

from collections.abc import Callable
from datetime import timedelta
from smtplib import SMTPServerDisconnected
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from tests.conftest import Cast, OpenTicket
from tickets import emails, notifications, tasks
from tickets.email_kinds import KINDS
from tickets.models import AuditEvent, EmailTemplate, Notification, Ticket


@pytest.fixture
def auto_response(open_ticket: OpenTicket) -> Notification:
    return open_ticket().notifications.get(template="ticket_received")


def test_delivery_sends_the_stored_message_with_its_message_id(
    auto_response: Notification,
) -> None:
    notifications.deliver(auto_response.pk)

    (message,) = mail.outbox
    auto_response.refresh_from_db()
    assert message.to == ["Jordan Blake <jordan.blake@northbank.test>"]
    assert message.subject == auto_response.subject
    assert message.body == auto_response.body
    assert message.extra_headers["Message-ID"] == auto_response.message_id
    assert auto_response.status == Notification.Status.SENT
    assert auto_response.attempts == 1
    assert auto_response.sent_at is not None


def test_opening_a_ticket_composes_no_email(
    open_ticket: OpenTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("composed in the request")

    monkeypatch.setattr(emails, "render", refuse)

    ticket = open_ticket()

    received = ticket.notifications.get(template="ticket_received")
    assert (received.subject, received.body, received.body_html) == ("", "", "")
    assert received.values["ticket_subject"] == "Online and mobile banking are down"


def test_an_email_keeps_only_its_templates_values(open_ticket: OpenTicket) -> None:
    alerts = open_ticket().notifications.filter(template="new_ticket_alert")

    assert alerts
    for alert in alerts:
        assert set(alert.values) <= set(KINDS["new_ticket_alert"].variables)
        assert alert.values["recipient_name"] == alert.recipient_name


def test_an_email_says_what_was_true_at_the_change_in_the_wording_of_its_sending(
    open_ticket: OpenTicket, cast: Cast
) -> None:
    ticket = open_ticket()
    received = ticket.notifications.get(template="ticket_received")
    Ticket.objects.filter(pk=ticket.pk).update(subject="Renamed later")
    wording = EmailTemplate.objects.get(kind="ticket_received")
    wording.subject = "Got it: {{ ticket_subject }}"
    wording.body_text, wording.body_html = "Ticket {{ ticket_number }}: {{ ticket_subject }}.", ""
    wording.save()

    notifications.deliver(received.pk)

    (message,) = mail.outbox
    assert message.subject == f"[#{ticket.number}] Got it: Online and mobile banking are down"
    assert message.body == f"Ticket {ticket.number}: Online and mobile banking are down.\n"
    received.refresh_from_db()
    assert (received.subject, received.body) == (message.subject, message.body)
    assert received.values == {}  # the bodies hold them now


def test_a_message_composed_already_is_sent_as_stored(auto_response: Notification) -> None:
    Notification.objects.filter(pk=auto_response.pk).update(
        subject="Stored subject", body="Stored body.\n", body_html="", values={}
    )

    notifications.deliver(auto_response.pk)

    (message,) = mail.outbox
    assert (message.subject, message.body) == ("Stored subject", "Stored body.\n")


def test_delivering_twice_sends_once(auto_response: Notification) -> None:
    notifications.deliver(auto_response.pk)
    notifications.deliver(auto_response.pk)

    assert len(mail.outbox) == 1


def test_a_failed_attempt_is_recorded_and_left_queued_for_the_retry(
    auto_response: Notification, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> int:
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)

    with pytest.raises(SMTPServerDisconnected):
        notifications.deliver(auto_response.pk)

    auto_response.refresh_from_db()
    assert auto_response.status == Notification.Status.QUEUED
    assert auto_response.attempts == 1
    assert "Connection unexpectedly closed" in auto_response.last_error


def test_after_the_last_attempt_a_message_is_marked_failed_and_not_retried(
    auto_response: Notification, monkeypatch: pytest.MonkeyPatch
) -> None:
    Notification.objects.filter(pk=auto_response.pk).update(attempts=Notification.MAX_ATTEMPTS - 1)
    monkeypatch.setattr(
        "django.core.mail.EmailMessage.send",
        lambda *args, **kwargs: (_ for _ in ()).throw(ConnectionRefusedError("refused")),
    )

    notifications.deliver(auto_response.pk)  # gives up quietly: no exception, no retry

    auto_response.refresh_from_db()
    assert auto_response.status == Notification.Status.FAILED
    assert auto_response.attempts == Notification.MAX_ATTEMPTS


def test_queued_messages_whose_enqueue_was_lost_are_sent_again(
    cast: Cast, open_ticket: OpenTicket, enqueued: list[int]
) -> None:
    ticket = open_ticket()
    queued = set(ticket.notifications.values_list("pk", flat=True))

    assert notifications.requeue_stalled(now=timezone.now()) == 0  # too fresh to be lost
    later = timezone.now() + timedelta(minutes=2)
    assert notifications.requeue_stalled(now=later) == len(queued)

    assert set(enqueued) == queued


def test_a_message_claimed_by_a_dead_worker_is_sent_again(
    auto_response: Notification, enqueued: list[int]
) -> None:
    claimed_at = timezone.now()
    Notification.objects.filter(pk=auto_response.pk).update(
        status=Notification.Status.SENDING, claimed_at=claimed_at
    )
    others = Notification.objects.exclude(pk=auto_response.pk)
    others.update(status=Notification.Status.SENT)

    notifications.requeue_stalled(now=claimed_at + timedelta(minutes=5))
    assert enqueued == []  # still within its worker's time

    notifications.requeue_stalled(now=claimed_at + timedelta(minutes=16))

    assert enqueued == [auto_response.pk]
    auto_response.refresh_from_db()
    assert auto_response.status == Notification.Status.QUEUED


def test_a_line_break_in_a_subject_cannot_inject_mail_headers(open_ticket: OpenTicket) -> None:
    ticket = open_ticket(subject="Help\r\nBcc: victim@example.test")

    subject = notifications.compose(ticket.notifications.get(template="ticket_received")).subject

    assert subject == f"[#{ticket.number}] We received your request: Help Bcc: victim@example.test"


def test_alerting_on_many_tickets_costs_the_same_few_queries(
    cast: Cast, open_ticket: OpenTicket, django_assert_num_queries: Callable[..., Any]
) -> None:
    emails.source_for("sla_breached")  # the wording is remembered once read
    for count in (2, 12):
        opened = [open_ticket(subject=f"Branch {n} is down").pk for n in range(count)]
        # Loaded the way the SLA sweep loads its batch.
        batch = Ticket.objects.filter(pk__in=opened).select_related(
            "priority",
            "department",
            "assignee__user",
            "team",
            "requester",
            "sla_plan",
            "topic__parent",
        )
        events = [
            AuditEvent.objects.create(
                ticket=ticket,
                kind=AuditEvent.Kind.SLA_BREACHED,
                actor_name="System",
                ticket_version=ticket.version,
            )
            for ticket in batch
        ]

        # The thread look-up and one insert, whatever the number of tickets.
        with django_assert_num_queries(2):
            queued = notifications.queue_to(
                [(event, "sla_breached", [cast.manager]) for event in events]
            )

        assert len(queued) == count


def test_a_change_that_tells_many_people_sends_one_broker_message(
    open_ticket: OpenTicket, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    published: list[object] = []
    monkeypatch.setattr(tasks.deliver_notification_task, "delay", published.append)
    monkeypatch.setattr(tasks.enqueue_notifications_task, "delay", published.append)

    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket()  # the receipt, and the department's new-ticket alerts

    ids = sorted(ticket.notifications.values_list("pk", flat=True))
    assert len(ids) > 1
    assert len(published) == 1 and sorted(published[0]) == ids  # type: ignore[arg-type]


def test_a_batch_is_fanned_out_one_delivery_each(
    auto_response: Notification, enqueued: list[int]
) -> None:
    others = list(auto_response.ticket.notifications.exclude(pk=auto_response.pk))

    tasks.enqueue_notifications_task([auto_response.pk, *(other.pk for other in others)])

    assert sorted(enqueued) == sorted([auto_response.pk, *(other.pk for other in others)])
