"""Every kind of ticket email, end to end: operations and SLA jobs write the outbox, a real
Celery worker sends it to a real SMTP server, and the mail that arrives threads per ticket."""

from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.utils import timezone

from sla import jobs
from sla.models import EscalationRule
from tests.conftest import Cast, OpenTicket, SmtpSink, plain_text, wait_until
from tickets import notifications
from tickets import operations as ops
from tickets.models import Notification, Ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

Trigger, Action = EscalationRule.Trigger, EscalationRule.Action
FIX = {"root_cause": "Pool exhausted", "resolution": "Restarted the pool.", "category": "incident"}


def work_the_outage(cast: Cast, open_ticket: OpenTicket) -> Ticket:
    """The seed story on one ticket, touching every kind of ticket email once at least."""
    for trigger in (Trigger.WARNING, Trigger.FIRST_RESPONSE_BREACH):
        EscalationRule.objects.create(
            plan=cast.sev_c, trigger=trigger, action=Action.NOTIFY_ASSIGNEE
        )
    ticket = open_ticket()  # ticket_received, new_ticket_alert
    opened = timezone.now()
    ops.transfer(ticket, by=cast.tier1, department=cast.sysadmin, reason="Needs a SysAdmin")
    ops.assign(ticket, by=cast.tier1, agent=cast.sysadmin_agent)
    ops.add_note(ticket, by=cast.tier1, body="Load balancer pool shows 0/4 healthy.")
    ops.add_customer_message(ticket, by=cast.requester, body="Branches are calling us too.")
    jobs.sweep(now=opened + timedelta(minutes=200))  # 75 % of the 4 h first response
    jobs.sweep(now=opened + timedelta(minutes=250))  # first response overdue
    ops.send_access_link(email=cast.requester.email, number=ticket.number)
    ops.reply(ticket, by=cast.sysadmin_agent, body="We restarted the pool; please try again.")
    ops.resolve(ticket, by=cast.sysadmin_agent, **FIX)
    ops.reopen(ticket, by=cast.requester, reason="The mobile app still fails.")
    ops.resolve(ticket, by=cast.sysadmin_agent, **FIX)
    jobs.auto_close_resolved(now=timezone.now() + timedelta(days=8), days=7)
    ops.reopen(ticket, by=cast.requester, reason="It is back.")
    ops.close(ticket, by=cast.sysadmin_agent, reason="Duplicate of the network ticket.")
    return ticket


def received(sink: SmtpSink, ticket: Ticket) -> dict[str, EmailMessage]:
    """Once every notification of the ticket has arrived: the messages by Message-ID."""
    expected = ticket.notifications.count()
    wait_until(lambda: len(sink.messages) == expected, timeout=60)
    return {message["Message-ID"]: message for message in sink.messages}


def test_every_kind_of_ticket_email_arrives_with_its_headers_and_both_parts(
    cast: Cast, open_ticket: OpenTicket, smtp_server: SmtpSink, celery_worker: None
) -> None:
    ticket = work_the_outage(cast, open_ticket)

    by_id = received(smtp_server, ticket)

    kinds = set(ticket.notifications.values_list("template", flat=True))
    assert kinds == {
        "ticket_received",
        "new_ticket_alert",
        "transfer_alert",
        "assignment_alert",
        "note_alert",
        "customer_message_alert",
        "sla_warning",
        "sla_breached",
        "access_link",
        "agent_reply",
        "ticket_resolved",
        "reopened_alert",
        "ticket_auto_closed",
        "ticket_closed",
    }
    root = notifications.thread_root(ticket.number)
    for stored in ticket.notifications.all():
        message = by_id[stored.message_id]
        assert message["To"].endswith(f"<{stored.recipient_email}>")
        assert message["Subject"] == stored.subject
        assert message["Subject"].startswith(f"[#{ticket.number}] ")
        assert message["References"].split()[0] == root
        assert message["In-Reply-To"] == message["References"].split()[-1]
        assert message.get_content_type() == "multipart/alternative"
        html = message.get_body(preferencelist=("html",)).get_content()
        assert ticket.number in plain_text(message) and ticket.number in html
        automatic = stored.template != "agent_reply"
        assert (message["Auto-Submitted"] == "auto-generated") is automatic, stored.template
    wait_until(lambda: not ticket.notifications.exclude(status=Notification.Status.SENT).exists())


def test_each_persons_mail_about_a_ticket_forms_one_thread(
    cast: Cast, open_ticket: OpenTicket, smtp_server: SmtpSink, celery_worker: None
) -> None:
    ticket = work_the_outage(cast, open_ticket)
    by_id = received(smtp_server, ticket)
    root = notifications.thread_root(ticket.number)

    for email in (cast.requester.email, cast.sysadmin_agent.email):
        stored = list(ticket.notifications.filter(recipient_email=email).order_by("pk"))
        assert len(stored) > 3
        first = by_id[stored[0].message_id]
        assert (first["In-Reply-To"], first["References"]) == (root, root)
        for previous, current in zip(stored, stored[1:], strict=False):
            message = by_id[current.message_id]
            assert message["In-Reply-To"] == previous.message_id
            assert message["References"] == f"{root} {previous.message_id}"
    # Message-IDs are unique, and none is the root: replies to any of them find the ticket.
    ids = list(ticket.notifications.values_list("message_id", flat=True))
    assert len(set(ids)) == len(ids) and root not in ids


def test_the_requesters_notices_carry_their_links_and_agents_get_the_panel(
    cast: Cast, open_ticket: OpenTicket, smtp_server: SmtpSink, celery_worker: None
) -> None:
    ticket = work_the_outage(cast, open_ticket)
    by_id = received(smtp_server, ticket)

    resolved = ticket.notifications.filter(template="ticket_resolved").first()
    text = plain_text(by_id[resolved.message_id])
    assert "/t/" in text and "?then=confirm" in text and "?then=reopen" in text
    auto_closed = ticket.notifications.get(template="ticket_auto_closed")
    assert "?then=reopen" in plain_text(by_id[auto_closed.message_id])
    note = ticket.notifications.get(template="note_alert")
    assert f"/agents/tickets/{ticket.number}/" in plain_text(by_id[note.message_id])
    assert "/t/" not in plain_text(by_id[note.message_id])
