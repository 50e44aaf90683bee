"""Who hears about what happened on a ticket, and the outbox that gets it to them.

`queue` runs inside the operation's transaction: it writes one `Notification` row per
recipient and asks for delivery only once the transaction commits, so a rolled-back change
sends nothing and a broker outage loses nothing (the requeue job picks the rows up later).
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from tickets import access, tasks
from tickets.models import Agent, AuditEvent, Contact, Notification, ThreadEntry, Ticket
from tickets.sanitize import html_to_text

logger = logging.getLogger(__name__)

# A message claimed this long ago without being marked sent belongs to a worker that died.
STALLED_AFTER = timedelta(minutes=15)
# A queued message this old was never picked up: its enqueue was lost (broker outage).
LOST_AFTER = timedelta(minutes=1)
REQUEUE_BATCH = 500

Person = Agent | Contact
RecipientRule = Callable[[Ticket, AuditEvent], list[Person]]


def _requester(ticket: Ticket, event: AuditEvent) -> list[Person]:
    return [ticket.requester]


def _active_agents(agents: Iterable[Agent], event: AuditEvent) -> list[Person]:
    """Agents who can act, without the one who caused the event (they know already)."""
    return [
        agent
        for agent in agents
        if agent.user.is_active and agent.user.email and agent.pk != event.actor_agent_id
    ]


def _department_agents(ticket: Ticket, event: AuditEvent) -> list[Person]:
    return _active_agents(ticket.department.agents.select_related("user"), event)


def _team_members(ticket: Ticket, event: AuditEvent) -> list[Person]:
    if ticket.team is None:
        return []
    return _active_agents(ticket.team.members.select_related("user"), event)


def _assignee(ticket: Ticket, event: AuditEvent) -> list[Person]:
    return _active_agents([ticket.assignee] if ticket.assignee else [], event)


def _working_agents(ticket: Ticket, event: AuditEvent) -> list[Person]:
    """Whoever is working the ticket: its assignee, else its team, else its department."""
    if ticket.assignee is not None:
        return _assignee(ticket, event)
    if ticket.team is not None:
        return _team_members(ticket, event)
    return _department_agents(ticket, event)


Kind = AuditEvent.Kind
# For each kind of event: the message template and who receives it.
RULES: dict[str, list[tuple[str, RecipientRule]]] = {
    Kind.CREATED: [("ticket_received", _requester), ("new_ticket_alert", _department_agents)],
    Kind.MESSAGE_ADDED: [("customer_message_alert", _working_agents)],
    Kind.REPLIED: [("agent_reply", _requester)],
    Kind.NOTE_ADDED: [("note_alert", _working_agents)],
    Kind.ASSIGNED: [("assignment_alert", _assignee)],
    Kind.TEAM_ASSIGNED: [("assignment_alert", _team_members)],
    Kind.TRANSFERRED: [("transfer_alert", _department_agents)],
    Kind.RESOLVED: [("ticket_resolved", _requester)],
    Kind.CLOSED: [("ticket_closed", _requester)],
    Kind.REOPENED: [("reopened_alert", _working_agents)],
}

SUBJECTS = {
    "ticket_received": "[#{number}] We received your request: {subject}",
    "new_ticket_alert": "[#{number}] New ticket: {subject}",
    "customer_message_alert": "[#{number}] New message from {requester}: {subject}",
    "agent_reply": "[#{number}] {subject}",
    "note_alert": "[#{number}] Internal note: {subject}",
    "assignment_alert": "[#{number}] Assigned to you: {subject}",
    "transfer_alert": "[#{number}] Transferred to {department}: {subject}",
    "ticket_resolved": "[#{number}] Resolved: {subject}",
    "ticket_closed": "[#{number}] Closed: {subject}",
    "reopened_alert": "[#{number}] Reopened: {subject}",
    "sla_warning": "[#{number}] SLA warning: {subject}",
    "sla_breached": "[#{number}] Overdue: {subject}",
}


def _subject(template: str, ticket: Ticket) -> str:
    subject = SUBJECTS[template].format(
        number=ticket.number,
        subject=ticket.subject,
        requester=ticket.requester.name,
        department=ticket.department.name,
    )
    # A line break in a header is an injection attempt or a broken client; one line it is.
    return " ".join(subject.split())[:255]


def _address_of(person: Person) -> tuple[str, str]:
    if isinstance(person, Agent):
        return person.email, person.display_name
    return person.email, person.name


def queue(event: AuditEvent, *, entry: ThreadEntry | None = None) -> list[Notification]:
    """Write the event's notifications to the outbox; deliver them after commit."""
    ticket = event.ticket
    rows, seen = [], set()
    for template, recipients_of in RULES.get(event.kind, []):
        for person in recipients_of(ticket, event):
            email, name = _address_of(person)
            if email in seen:
                continue
            seen.add(email)
            rows.append(_render(template, ticket, event, entry, email=email, name=name))
    return _store(rows)


def queue_to(items: Iterable[tuple[AuditEvent, str, Iterable[Agent]]]) -> list[Notification]:
    """Write notifications for events to the agents chosen by the caller (SLA escalation rules
    pick their own recipients): one message per event and address; deliver after commit."""
    rows = []
    for event, template, agents in items:
        seen = set()
        for person in _active_agents(agents, event):
            email, name = _address_of(person)
            if email not in seen:
                seen.add(email)
                rows.append(_render(template, event.ticket, event, None, email=email, name=name))
    # One broker message for them all: a worker fans them out, so a sweep that escalates
    # thousands of tickets does not wait on thousands of publishes.
    return _store(rows, enqueue=tasks.enqueue_notifications_task.delay)


def _store(
    rows: list[Notification], enqueue: Callable[[list[int]], object] | None = None
) -> list[Notification]:
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    # robust: a broker outage must not turn a saved change into an error page; the rows are
    # stored and the requeue job sends them once the broker is back.
    transaction.on_commit(lambda: (enqueue or _enqueue)(ids), robust=True)
    return created


def _render(
    template: str,
    ticket: Ticket,
    event: AuditEvent,
    entry: ThreadEntry | None,
    *,
    email: str,
    name: str,
) -> Notification:
    # Plain values only: user text is data in these templates, never template source.
    context = {
        "desk_name": settings.HELPDESK_NAME,
        "recipient_name": name,
        "ticket": ticket,
        "event": event,
        "entry_text": _plain_text(entry) if entry else "",
        # The requester's personal link to the ticket; agents work in the agent panel.
        "access_url": access.link_for(ticket) if email == ticket.requester.email else "",
    }
    return Notification(
        ticket=ticket,
        event=event,
        template=template,
        recipient_email=email,
        recipient_name=name,
        subject=_subject(template, ticket),
        body=render_to_string(f"notifications/{template}.txt", context),
        message_id=make_msgid(domain=_sender_domain()),
    )


def queue_email(
    template: str,
    *,
    to: tuple[str, str],
    subject: str,
    context: dict[str, object],
    ticket: Ticket | None = None,
) -> Notification:
    """Write one email that no audit event causes (an access link asked for, an account
    email) to the outbox; the worker sends it after commit, like every notification.

    `to` is (email, name); `context` holds plain values for `notifications/<template>.txt`.
    """
    email, name = to
    notification = Notification.objects.create(
        ticket=ticket,
        template=template,
        recipient_email=email,
        recipient_name=name,
        subject=" ".join(subject.split())[:255],
        body=render_to_string(
            f"notifications/{template}.txt",
            {"desk_name": settings.HELPDESK_NAME, "recipient_name": name, **context},
        ),
        message_id=make_msgid(domain=_sender_domain()),
    )
    transaction.on_commit(lambda: _enqueue([notification.pk]), robust=True)
    return notification


def _plain_text(entry: ThreadEntry) -> str:
    if entry.body_format == ThreadEntry.Format.HTML:
        return html_to_text(entry.body)
    return entry.body


def _sender_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"


def enqueue(ids: list[int]) -> None:
    """Queue the delivery of each stored notification (a worker fanning out a batch)."""
    _enqueue(ids)


def _enqueue(ids: list[int]) -> None:
    for notification_id in ids:
        tasks.deliver_notification_task.delay(notification_id)


def deliver(notification_id: int) -> None:
    """Send one queued notification. Safe to call twice: only one caller claims it."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.QUEUED
    ).update(status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return
    notification = Notification.objects.get(pk=notification_id)
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        to=[formataddr((notification.recipient_name, notification.recipient_email))],
        headers={"Message-ID": notification.message_id},
    )
    try:
        message.send()
    except Exception as exc:
        gave_up = notification.attempts >= Notification.MAX_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.FAILED if gave_up else Notification.Status.QUEUED,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning(
            "notification %s attempt %s failed: %s", notification_id, notification.attempts, exc
        )
        if gave_up:
            return
        raise
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), last_error=""
    )


def requeue_stalled(*, now: datetime) -> int:
    """Send again what a dead worker or a lost enqueue left behind; returns how many."""
    Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALLED_AFTER
    ).update(status=Notification.Status.QUEUED)
    ids = list(
        Notification.objects.filter(
            status=Notification.Status.QUEUED, created_at__lt=now - LOST_AFTER
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    _enqueue(ids)
    return len(ids)
