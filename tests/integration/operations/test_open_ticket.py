import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import TicketError
from tickets.models import AuditEvent, Notification, ThreadEntry, Ticket
from tickets.notifications import compose

OPENED_AT = datetime(2026, 3, 2, 8, 40, tzinfo=UTC)


@time_machine.travel(OPENED_AT, tick=False)
def test_opening_routes_by_help_topic(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket(topic=cast.outage)

    assert ticket.department == cast.sysadmin
    assert ticket.priority == cast.p1
    assert ticket.sla_plan == cast.sev_a
    assert ticket.team == cast.major_incident
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.first_response_due == OPENED_AT + timedelta(minutes=15)
    assert ticket.resolution_due == OPENED_AT + timedelta(hours=4)


def test_a_topic_without_plan_or_priority_uses_the_departments_plan_and_the_default_priority(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket(topic=cast.general)

    assert ticket.sla_plan == cast.sev_c
    assert ticket.priority == cast.p3
    assert ticket.assignee is None
    assert ticket.team is None


def test_an_agent_may_set_the_priority_when_opening(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket(priority=cast.p1, by=cast.tier1, source=Ticket.Source.PHONE)

    assert ticket.priority == cast.p1


def test_the_requesters_words_become_the_first_message(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket(body="Error 503 on login.\r\nAll branches.")

    entry = ticket.entries.get()
    assert entry.kind == ThreadEntry.Kind.MESSAGE
    assert entry.author_contact == cast.requester
    assert entry.author_name == "Jordan Blake"
    assert entry.body == "Error 503 on login.\nAll branches."


def test_opening_is_audited_with_its_actor(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    event = ticket.events.get()
    assert event.kind == AuditEvent.Kind.CREATED
    assert event.actor_contact == cast.requester
    assert event.actor_name == "Jordan Blake"
    assert (event.old_value, event.new_value) == ("", "Open")
    assert event.is_public
    assert event.ticket_version == ticket.version == 1


def test_a_ticket_opened_for_a_caller_names_the_agent_as_actor(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket(by=cast.tier1, source=Ticket.Source.PHONE)

    event = ticket.events.get()
    assert event.actor_agent == cast.tier1
    assert ticket.source == Ticket.Source.PHONE
    assert ticket.entries.get().author_contact == cast.requester


def test_auto_assignment_by_topic_is_audited_as_the_system(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket(topic=cast.password)

    assert ticket.assignee == cast.tier1
    event = ticket.events.get(kind=AuditEvent.Kind.ASSIGNED)
    assert event.actor_agent is None
    assert event.actor_name == "System"
    assert event.new_value == "Alex Rivera"
    assert "Password Reset / Account Access" in event.note


def test_an_inactive_agent_is_not_auto_assigned(cast: Cast, open_ticket: OpenTicket) -> None:
    cast.tier1.user.is_active = False
    cast.tier1.user.save()

    ticket = open_ticket(topic=cast.password)

    assert ticket.assignee is None
    assert not ticket.events.filter(kind=AuditEvent.Kind.ASSIGNED).exists()


def test_ticket_numbers_are_eight_digits_and_not_sequential(open_ticket: OpenTicket) -> None:
    numbers = [open_ticket().number for _ in range(5)]

    assert all(re.fullmatch(r"[1-9]\d{7}", number) for number in numbers)
    assert len(set(numbers)) == 5
    steps = {int(b) - int(a) for a, b in zip(numbers, numbers[1:], strict=False)}
    assert steps != {1}


def test_a_number_collision_draws_another_number(
    open_ticket: OpenTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_ticket()
    draws = iter([first.number, "23456789"])
    monkeypatch.setattr(ops, "new_ticket_number", lambda: next(draws))

    second = open_ticket()

    assert second.number == "23456789"
    assert Ticket.objects.count() == 2


def test_an_inactive_topic_is_refused_and_nothing_is_saved(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    cast.general.is_active = False
    cast.general.save()

    with pytest.raises(TicketError, match="no longer offered"):
        open_ticket(topic=cast.general)

    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": "   "}, "subject is required"),
        ({"subject": "x" * 256}, "subject is too long"),
        ({"body": "\n \n"}, "message is required"),
        (
            {"body": "<p> </p><script>alert(1)</script>", "body_format": "html"},
            "message is required",
        ),
        ({"body": "hello", "body_format": "rtf"}, "Unknown message format"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    open_ticket: OpenTicket, overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(TicketError, match=message):
        open_ticket(**overrides)

    assert not Ticket.objects.exists()


def test_nul_characters_never_reach_the_database(open_ticket: OpenTicket) -> None:
    ticket = open_ticket(subject="VPN\x00 down", body="It\x00 fails")

    assert ticket.subject == "VPN down"
    assert ticket.entries.get().body == "It fails"


def test_html_bodies_are_sanitized_before_they_are_stored(open_ticket: OpenTicket) -> None:
    ticket = open_ticket(
        body='<p onclick="steal()">Down</p><script>alert(1)</script>', body_format="html"
    )

    assert ticket.entries.get().body == "<p>Down</p>"


def test_attachments_are_stored_with_the_first_message(open_ticket: OpenTicket) -> None:
    screenshot = SimpleUploadedFile("error.png", b"\x89PNG fake", content_type="image/png")

    ticket = open_ticket(attachments=[screenshot])

    attachment = ticket.entries.get().attachments.get()
    assert attachment.filename == "error.png"
    assert attachment.size == len(b"\x89PNG fake")


def test_notifications_leave_only_after_commit(
    cast: Cast,
    open_ticket: OpenTicket,
    enqueued: list[int],
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket()
        assert enqueued == []  # inside the transaction nothing has gone to the broker

    received = ticket.notifications.get(template="ticket_received")
    assert received.recipient_email == "jordan.blake@northbank.test"
    assert (
        compose(received).subject
        == f"[#{ticket.number}] We received your request: {ticket.subject}"
    )
    assert ticket.number in received.body
    alerts = ticket.notifications.filter(template="new_ticket_alert")
    assert {n.recipient_email for n in alerts} == {"alex@helpdesk.test", "sam@helpdesk.test"}
    assert sorted(enqueued) == sorted(ticket.notifications.values_list("pk", flat=True))


def test_a_rolled_back_opening_leaves_no_ticket_and_sends_nothing(
    open_ticket: OpenTicket, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        open_ticket()
        raise RuntimeError("the request failed after the ticket was opened")

    assert not Ticket.objects.exists()
    assert not Notification.objects.exists()
    assert enqueued == []


def test_find_or_create_contact_matches_emails_whatever_their_case(cast: Cast) -> None:
    found = ops.find_or_create_contact(email=" Jordan.Blake@NorthBank.test ", name="J. B.")

    assert found == cast.requester
    assert found.name == "Jordan Blake"
    created = ops.find_or_create_contact(email="New.Person@bank.test", name="  New   Person ")
    assert (created.email, created.name) == ("new.person@bank.test", "New Person")
