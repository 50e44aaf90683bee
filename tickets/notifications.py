"""Who hears about what happened on a ticket, and the outbox that gets it to them.

`queue` runs inside the operation's transaction: it writes one `Notification` row per
recipient and asks for delivery only once the transaction commits, so a rolled-back change
sends nothing and a broker outage loses nothing (the requeue job picks the rows up later).

Each row keeps the plain values its email is made of, as they are when the change is made,
and carries its own Message-ID plus the threading headers that tie it to the ticket's root and
to the previous email to the same person. `deliver`, in a worker, composes it from the kind's
email template (`tickets.emails`) and those values, sends it as text + HTML and logs every
attempt (`NotificationAttempt`). Composing is left to the worker because a new ticket alerts a
whole department: the customer's request would otherwise wait for every agent's email.
"""

import logging
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from email.utils import formataddr, make_msgid
from smtplib import SMTPRecipientsRefused, SMTPResponseException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from helpdesk.remembered import remembered_copy
from tickets import access, emails, tasks
from tickets.email_kinds import KINDS
from tickets.models import (
    Agent,
    AuditEvent,
    Contact,
    Notification,
    NotificationAttempt,
    ThreadEntry,
    Ticket,
    TicketCollaborator,
)
from tickets.sanitize import html_to_text

logger = logging.getLogger(__name__)

# A message claimed this long ago without being marked sent belongs to a worker that died.
STALLED_AFTER = timedelta(minutes=15)
# A queued message this old was never picked up: its enqueue was lost (broker outage).
LOST_AFTER = timedelta(minutes=1)
REQUEUE_BATCH = 500

Person = Agent | Contact | TicketCollaborator
RecipientRule = Callable[[Ticket, AuditEvent], list[Person]]


def _requester(ticket: Ticket, event: AuditEvent) -> list[Person]:
    return [ticket.requester]


def _collaborators(ticket: Ticket, event: AuditEvent) -> list[Person]:
    return list(ticket.collaborators.all())


def _active_agents(agents: Iterable[Agent], event: AuditEvent) -> list[Person]:
    """Agents who can act, without the one who caused the event (they know already)."""
    return [
        agent
        for agent in agents
        if agent.user.is_active and agent.user.email and agent.pk != event.actor_agent_id
    ]


def _department_agents(ticket: Ticket, event: AuditEvent) -> list[Person]:
    department = ticket.department_id
    members = remembered_copy(
        f"department-agents:{department}",
        lambda: list(Agent.objects.filter(departments=department).select_related("user")),
    )
    return _active_agents(members, event)


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
    Kind.REPLIED: [("agent_reply", _requester), ("agent_reply", _collaborators)],
    Kind.NOTE_ADDED: [("note_alert", _working_agents)],
    Kind.ASSIGNED: [("assignment_alert", _assignee)],
    Kind.TEAM_ASSIGNED: [("assignment_alert", _team_members)],
    Kind.TRANSFERRED: [("transfer_alert", _department_agents)],
    Kind.RESOLVED: [("ticket_resolved", _requester)],
    Kind.CLOSED: [("ticket_closed", _requester)],
    Kind.REOPENED: [("reopened_alert", _working_agents)],
}

# A closing nobody did (the SLA job's auto-close) gets its own notice.
SYSTEM_VARIANTS = {"ticket_closed": "ticket_auto_closed"}


def _address_of(person: Person) -> tuple[str, str]:
    if isinstance(person, Agent):
        return person.email, person.display_name
    return person.email, person.name or person.email


def queue(
    event: AuditEvent, *, entry: ThreadEntry | None = None, silenced: Collection[str] = ()
) -> list[Notification]:
    """Write the event's notifications to the outbox, but none of the `silenced` templates;
    deliver them after commit."""
    ticket = event.ticket
    values = ticket_values(ticket, event=event, entry=entry)
    rows, seen = [], set()
    for template, recipients_of in RULES.get(event.kind, []):
        if template in silenced:
            continue
        if event.actor_agent_id is None and event.actor_contact_id is None:
            template = SYSTEM_VARIANTS.get(template, template)
        for person in _wanting(recipients_of(ticket, event), template):
            email, name = _address_of(person)
            if email in seen:
                continue
            seen.add(email)
            rows.append(_notification(template, ticket, event, values, person))
    return _store(rows)


def queue_to(items: Iterable[tuple[AuditEvent, str, Iterable[Agent]]]) -> list[Notification]:
    """Write notifications for events to the agents chosen by the caller (SLA escalation rules
    pick their own recipients): one message per event and address; deliver after commit."""
    rows = []
    for event, template, agents in items:
        seen = set()
        values = ticket_values(event.ticket, event=event)
        for person in _wanting(_active_agents(agents, event), template):
            if person.email not in seen:
                seen.add(person.email)
                rows.append(_notification(template, event.ticket, event, values, person))
    return _store(rows)


def _wanting(people: list[Person], template: str) -> list[Person]:
    """Without the agents who muted this kind of alert (requesters always hear from us)."""
    return [person for person in people if not isinstance(person, Agent) or person.wants(template)]


def _store(rows: list[Notification]) -> list[Notification]:
    if not rows:
        return []
    _thread(rows)
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    # robust: a broker outage must not turn a saved change into an error page; the rows are
    # stored and the requeue job sends them once the broker is back.
    transaction.on_commit(lambda: _hand_over(ids), robust=True)
    return created


def _hand_over(ids: list[int]) -> None:
    """One broker message per change: a new ticket alerts a whole department, and each
    publish is a round trip the customer would wait for; a worker fans a batch out."""
    if len(ids) == 1:
        tasks.deliver_notification_task.delay(ids[0])
    else:
        tasks.enqueue_notifications_task.delay(ids)


def thread_root(ticket_number: str) -> str:
    """The Message-ID every email about the ticket refers to, so mail clients thread them.

    No email carries it as its own Message-ID: each notification has its own (inbound mail
    finds the ticket from either, and from the [#number] subject tag).
    """
    return f"<ticket-{ticket_number}@{_sender_domain()}>"


def _thread(rows: list[Notification]) -> None:
    """Point each ticket email at the ticket's root and at the previous email to the same
    person about that ticket, so each person's mailbox shows one conversation."""
    on_tickets = [row for row in rows if row.ticket_id is not None]
    previous = _last_message_ids(on_tickets)
    for row in on_tickets:
        root = thread_root(row.ticket.number)
        parent = previous.get((row.ticket_id, row.recipient_email))
        row.in_reply_to = parent or root
        row.references = f"{root} {parent}" if parent else root


def _last_message_ids(rows: list[Notification]) -> dict[tuple[int, str], str]:
    """(ticket id, recipient email) → the Message-ID of the last email sent to them about it."""
    # A ticket opened in this change has had no email yet: nothing to look up.
    followed = [row for row in rows if row.event is None or row.event.kind != Kind.CREATED]
    if not followed:
        return {}
    return {
        (ticket_id, email): message_id
        for ticket_id, email, message_id in Notification.objects.filter(
            ticket_id__in={row.ticket_id for row in followed},
            recipient_email__in={row.recipient_email for row in followed},
        )
        .order_by("created_at", "pk")
        .values_list("ticket_id", "recipient_email", "message_id")
    }


def ticket_values(
    ticket: Ticket, *, event: AuditEvent | None = None, entry: ThreadEntry | None = None
) -> dict[str, str]:
    """What templates may say about the ticket and the event, as plain strings only."""
    return {
        "desk_name": settings.HELPDESK_NAME,
        "ticket_number": ticket.number,
        "ticket_subject": ticket.subject,
        "ticket_status": ticket.get_status_display(),
        "ticket_priority": str(ticket.priority),
        "ticket_department": ticket.department.name,
        "ticket_topic": ticket.topic.full_name if ticket.topic else "",
        "ticket_sla_plan": ticket.sla_plan.name if ticket.sla_plan else "",
        "ticket_assignee": ticket.assignee.display_name if ticket.assignee else "",
        "ticket_team": ticket.team.name if ticket.team else "",
        "requester_name": ticket.requester.name,
        "requester_email": ticket.requester.email,
        "first_response_due": _when(ticket.first_response_due),
        "resolution_due": _when(ticket.resolution_due),
        "resolution": ticket.resolution,
        "root_cause": ticket.root_cause,
        "actor_name": event.actor_name if event else "",
        "event_note": event.note if event else "",
        "old_value": event.old_value if event else "",
        "new_value": event.new_value if event else "",
        "message_text": _plain_text(entry) if entry else "",
    }


def _when(moment: datetime | None) -> str:
    return date_format(timezone.localtime(moment), "D j M Y, H:i T") if moment else ""


# The requester's personal links, by template variable: the link's intent (access.INTENTS).
REQUESTER_LINKS = {"ticket_url": "", "confirm_url": "confirm", "reopen_url": "reopen"}


def _links(ticket: Ticket, person: Person, template: str) -> dict[str, str]:
    """The recipient's ways into the ticket: personal signed links for the requester (those
    the template may show: each is signed), the agent panel's page for agents; none for
    collaborators, who answer by email."""
    if isinstance(person, Agent):
        return {"ticket_url": settings.SITE_URL + reverse("agents:ticket", args=[ticket.number])}
    if isinstance(person, TicketCollaborator):
        return {"ticket_url": ""}
    shown = KINDS[template].variables
    return {
        name: access.link_for(ticket, then=intent)
        for name, intent in REQUESTER_LINKS.items()
        if name in shown
    }


def _notification(
    template: str, ticket: Ticket, event: AuditEvent, values: dict[str, str], person: Person
) -> Notification:
    email, name = _address_of(person)
    values = {**values, **_links(ticket, person, template), "recipient_name": name}
    return _outgoing(template, (email, name), values, ticket=ticket, event=event)


def _outgoing(
    template: str,
    to: tuple[str, str],
    values: dict[str, str],
    *,
    ticket: Ticket | None,
    event: AuditEvent | None = None,
) -> Notification:
    """The outbox row of one email, to be composed when it is sent (`compose`)."""
    email, name = to
    return Notification(
        ticket=ticket,
        event=event,
        template=template,
        recipient_email=email,
        recipient_name=name,
        # Only what the kind's template may use: nothing else is kept.
        values={each: values[each] for each in KINDS[template].variables if each in values},
        message_id=make_msgid(domain=_sender_domain()),
        auto_submitted=not KINDS[template].written_by_a_person,
    )


def compose(notification: Notification) -> Notification:
    """Write the email's subject and bodies from its template and stored values, once; the
    values are then dropped, as the bodies hold them. A row composed already is left as is."""
    if notification.body:
        return notification
    ticket = notification.ticket
    rendered = emails.render(
        notification.template,
        notification.values,
        tag=f"[#{ticket.number}]" if ticket else "",
    )
    notification.subject, notification.body = rendered.subject, rendered.text
    notification.body_html, notification.values = rendered.html, {}
    notification.save(update_fields=["subject", "body", "body_html", "values"])
    return notification


def queue_email(
    template: str,
    *,
    to: tuple[str, str],
    values: dict[str, str],
    ticket: Ticket | None = None,
) -> Notification:
    """Write one email that no audit event causes (an access link asked for, an account
    email) to the outbox; the worker sends it after commit, like every notification.

    `to` is (email, name); `values` are plain strings for the kind's template (with a
    ticket, its `ticket_values` are added).
    """
    email, name = to
    base = ticket_values(ticket) if ticket else {"desk_name": settings.HELPDESK_NAME}
    values = {**base, **values, "recipient_name": name}
    (notification,) = _store([_outgoing(template, to, values, ticket=ticket)])
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
    """Send one queued notification. Safe to call twice: only one caller claims it.

    Every attempt is logged. A temporary failure (a 4xx answer, a refused or dropped
    connection) raises, for the task to retry with backoff until MAX_ATTEMPTS; a permanent one
    (a 5xx answer: no such mailbox, message refused) marks the message failed at once, for an
    admin to look at and send again.
    """
    claimed = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.QUEUED
    ).update(
        status=Notification.Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return
    notification = Notification.objects.select_related("ticket").get(pk=notification_id)
    try:
        email_message(compose(notification)).send()
    except Exception as error:
        code, outcome = _smtp_answer(error)
        permanent = code is not None and code >= 500
        gave_up = permanent or notification.attempts >= Notification.MAX_ATTEMPTS
        _finish(notification, succeeded=False, code=code, outcome=outcome, retry=not gave_up)
        logger.warning(
            "notification %s attempt %s failed: %s", notification_id, notification.attempts, outcome
        )
        if gave_up:
            return
        raise
    _finish(notification, succeeded=True, code=None, outcome=_accepted_by(), retry=False)


def email_message(notification: Notification) -> EmailMultiAlternatives:
    """The email as it goes out: text and HTML alternatives, with its threading headers."""
    headers = {"Message-ID": notification.message_id}
    if notification.in_reply_to:
        headers["In-Reply-To"] = notification.in_reply_to
        headers["References"] = notification.references
    if notification.auto_submitted:
        # RFC 3834; the Microsoft header keeps Exchange's out-of-office replies away too.
        headers["Auto-Submitted"] = "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body,
        to=[formataddr((notification.recipient_name, notification.recipient_email))],
        headers=headers,
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    return message


def _smtp_answer(error: Exception) -> tuple[int | None, str]:
    """The SMTP reply code behind a failure (None if the server never answered) and what
    happened, in words for the delivery log."""
    if isinstance(error, SMTPRecipientsRefused):
        answers = list(error.recipients.values())
        code, text = answers[0] if answers else (None, b"")
    elif isinstance(error, SMTPResponseException):
        code, text = error.smtp_code, error.smtp_error
    else:
        return None, f"{type(error).__name__}: {error}"[:500]
    reply = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return code, f"{type(error).__name__}: {code} {reply}"[:500]


def _accepted_by() -> str:
    backend = get_connection()
    host = getattr(backend, "host", None)
    return f"Accepted by {host}:{backend.port}" if host else f"Handed to {type(backend).__name__}"


def _finish(
    notification: Notification, *, succeeded: bool, code: int | None, outcome: str, retry: bool
) -> None:
    NotificationAttempt.objects.create(
        notification=notification,
        succeeded=succeeded,
        smtp_code=code,
        outcome=outcome,
        will_retry=retry,
    )
    if succeeded:
        status, error, sent_at = Notification.Status.SENT, "", timezone.now()
    else:
        status = Notification.Status.QUEUED if retry else Notification.Status.FAILED
        error, sent_at = outcome, None
    Notification.objects.filter(pk=notification.pk).update(
        status=status, last_error=error, sent_at=sent_at
    )


def send_again(notifications: Iterable[Notification]) -> int:
    """Queue failed notifications once more with a fresh set of attempts (an admin's action,
    once the mailbox or the mail server is fixed); returns how many."""
    ids = [each.pk for each in notifications if each.status == Notification.Status.FAILED]
    Notification.objects.filter(pk__in=ids, status=Notification.Status.FAILED).update(
        status=Notification.Status.QUEUED, attempts=0
    )
    transaction.on_commit(lambda: _enqueue(ids), robust=True)
    return len(ids)


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
