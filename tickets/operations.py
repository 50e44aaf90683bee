"""Every change to a ticket, one function per verb.

Each operation runs in one transaction: it locks the ticket row, checks the transition,
saves only the changed fields, bumps the version, writes its audit events and queues its
notifications, which leave only after commit. Faces (portal, agent panel, email, API) call
these and show a `TicketError`'s message; nothing else changes a ticket.

Operations return the fresh ticket (or the new thread entry); the object passed in may be
stale afterwards.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timesince, timezone

from sla.models import SLAPlan
from tickets import access, clocks, notifications
from tickets.attachments import check_uploads, store_attachment
from tickets.email_kinds import ALERT_CHOICES
from tickets.errors import InvalidTransition, StaleTicket, TicketError
from tickets.fields import FieldValue
from tickets.models import (
    Agent,
    AuditEvent,
    Contact,
    Department,
    HelpTopic,
    Priority,
    Team,
    ThreadEntry,
    Ticket,
    TicketCollaborator,
    TicketFieldValue,
    TimeEntry,
    normalize_email,
    phone_validator,
)
from tickets.numbers import new_ticket_number
from tickets.sanitize import clean_text, html_to_text, sanitize_html

# Who did it: an agent, the requester, or None for the system (scheduled jobs, routing rules).
Actor = Agent | Contact | None
SYSTEM_ACTOR_NAME = "System"
Kind = AuditEvent.Kind
Status = Ticket.Status
NUMBER_ATTEMPTS = 10


# ---------------------------------------------------------------------------------------------
# Contacts


def find_or_create_contact(*, email: str, name: str, phone: str = "") -> Contact:
    """The contact with this email, created on first contact; an existing name is kept.
    (`get_or_create` guards its insert against a concurrent twin: no transaction of its own.)"""
    contact, _created = Contact.objects.get_or_create(
        email=normalize_email(email),
        defaults={"name": _required_line(name, "name", 120), "phone": phone.strip()},
    )
    return contact


@transaction.atomic
def update_contact(contact: Contact, *, name: str, phone: str) -> Contact:
    """The person changes their own name and phone; posts keep the name they were made under."""
    contact.name = _required_line(name, "name", 120)
    contact.phone = phone.strip()
    try:
        if contact.phone:
            phone_validator(contact.phone)
    except ValidationError as error:
        raise TicketError(error.messages[0]) from None
    contact.save(update_fields=["name", "phone"])
    return contact


@transaction.atomic
def set_muted_alerts(agent: Agent, *, alerts: Sequence[str]) -> Agent:
    """The agent chooses which alert emails they do not want (requesters' emails always go)."""
    unknown = set(alerts) - {name for name, _label in ALERT_CHOICES}
    if unknown:
        raise TicketError(f"Unknown alert(s): {', '.join(sorted(unknown))}.")
    agent.muted_alerts = sorted(set(alerts))
    agent.save(update_fields=["muted_alerts"])
    return agent


@transaction.atomic
def link_account(*, user: AbstractBaseUser, name: str) -> Contact:
    """Make a portal account (its email just verified) the contact with the same email, so
    tickets opened earlier as a guest appear under it."""
    contact = Contact.objects.select_for_update().filter(email=normalize_email(user.email)).first()
    if contact is None:
        contact = find_or_create_contact(email=user.email, name=name)
    if contact.user_id not in (None, user.pk):
        raise TicketError("This email address already belongs to another account.")
    contact.user = user
    contact.save(update_fields=["user"])
    return contact


# ---------------------------------------------------------------------------------------------
# Opening


@transaction.atomic
def open_ticket(
    *,
    requester: Contact,
    subject: str,
    body: str,
    topic: HelpTopic,
    source: str,
    by: Actor,
    priority: Priority | None = None,
    body_format: str = ThreadEntry.Format.TEXT,
    attachments: Sequence[UploadedFile] = (),
    field_values: Sequence[FieldValue] = (),
    idempotency_key: str | None = None,
    silenced: Collection[str] = (),
) -> Ticket:
    """Open a ticket routed by its help topic: department, priority, SLA plan, assignee.

    `field_values` are the topic's extra questions, answered and checked with
    `tickets.fields.check_answers`. With an `idempotency_key`, opening again with the same
    key (a double click, a refresh, an API retry) returns the ticket opened the first time:
    the key's unique index refuses the second insert, so a first opening (nearly every one)
    does not look the key up beforehand.
    `silenced` names notification templates not to send for the opening (an integration may
    ask for no receipt or no agent alert).
    """
    subject = _required_line(subject, "subject", 255)
    body = _required_body(body, body_format)
    if any(value.field.topic_id != topic.pk for value in field_values):
        raise TicketError("An answer belongs to another help topic's question; choose again.")
    if not topic.is_active:
        raise TicketError(f"The help topic “{topic.name}” is no longer offered; choose another.")
    if not topic.department.is_active:
        raise TicketError(f"The help topic “{topic.name}” routes to a closed department.")
    check_uploads(attachments)
    now = timezone.now()
    ticket = Ticket(
        subject=subject,
        requester=requester,
        topic=topic,
        department=topic.department,
        priority=priority or topic.default_priority or Priority.objects.default(),
        sla_plan=topic.sla_plan or topic.department.default_sla_plan,
        source=source,
        created_at=now,
        updated_at=now,
        idempotency_key=idempotency_key or None,
    )
    _auto_assign(ticket, topic)
    clock_events = clocks.ticket_opened(ticket, now)  # due times go in with the ticket
    if not _insert_with_new_number(ticket):
        return _opened_with_key(idempotency_key or "", requester)  # opened before, or by a twin
    clocks.record_opening(clock_events)
    entry = _post(ticket, ThreadEntry.Kind.MESSAGE, requester, body, body_format, attachments, now)
    _store_field_values(ticket, entry, field_values)
    created = _audit(ticket, Kind.CREATED, by=by, new=ticket.get_status_display(), public=True)
    notifications.queue(created, entry=entry, silenced=silenced)
    if ticket.assignee or ticket.team:
        kind = Kind.ASSIGNED if ticket.assignee else Kind.TEAM_ASSIGNED
        assigned = _audit(
            ticket,
            kind,
            by=None,
            new=str(ticket.assignee or ticket.team),
            note=f"Auto-assigned by the help topic “{topic.full_name}”.",
        )
        notifications.queue(assigned, silenced=silenced)
    return ticket


def _auto_assign(ticket: Ticket, topic: HelpTopic) -> None:
    agent, team = topic.auto_assign_agent, topic.auto_assign_team
    if agent is not None and agent.is_active:
        ticket.assignee = agent
    elif team is not None and team.is_active:
        ticket.team = team


def _insert_with_new_number(ticket: Ticket) -> bool:
    """Insert under a fresh random number, drawing again on the rare collision.

    False if a ticket with the same idempotency key was inserted first (by an earlier
    request, or a concurrent one whose insert the unique index made this one wait for): the
    key's index refuses this insert.
    """
    for _attempt in range(NUMBER_ATTEMPTS):
        ticket.number = new_ticket_number()
        try:
            with transaction.atomic():
                ticket.save(force_insert=True)
        except IntegrityError:
            key = ticket.idempotency_key
            if key and Ticket.objects.filter(idempotency_key=key).exists():
                return False
            if not Ticket.objects.filter(number=ticket.number).exists():
                raise  # some other constraint failed: not ours to retry
            ticket.pk = None
            continue
        return True
    raise TicketError("Could not allocate a ticket number; please try again.")


def _opened_with_key(key: str, requester: Contact) -> Ticket | None:
    """The ticket already opened with this idempotency key, if it is this requester's."""
    ticket = Ticket.objects.filter(idempotency_key=key).first()
    if ticket is not None and ticket.requester_id != requester.pk:
        # A key is a retry token, not a way to reach someone else's ticket.
        raise TicketError("This form was already used; reload the page and submit it again.")
    return ticket


def _store_field_values(ticket: Ticket, entry: ThreadEntry, values: Sequence[FieldValue]) -> None:
    """Keep the answers; a file answer is stored as an attachment of the first message."""
    rows = []
    for answer in values:
        attachment = store_attachment(entry, answer.upload) if answer.upload else None
        rows.append(
            TicketFieldValue(
                ticket=ticket,
                field=answer.field,
                label=answer.field.label,
                value=attachment.filename if attachment else answer.value,
                attachment=attachment,
            )
        )
    TicketFieldValue.objects.bulk_create(rows)


# ---------------------------------------------------------------------------------------------
# The thread


@transaction.atomic
def reply(
    ticket: Ticket,
    *,
    by: Agent,
    body: str,
    body_format: str = ThreadEntry.Format.TEXT,
    attachments: Sequence[UploadedFile] = (),
    status: str | None = None,
    expected_version: int | None = None,
) -> ThreadEntry:
    """Answer the requester, optionally setting the ticket open or awaiting the customer.

    The first reply stops the first-response clock.
    """
    body = _required_body(body, body_format)
    check_uploads(attachments)
    ticket = _lock(ticket, expected_version)
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(f"Ticket #{ticket.number} is closed; reopen it before replying.")
    now = timezone.now()
    fields, old_status = [], ticket.status
    if status is not None and status != ticket.status:
        if status not in Ticket.ACTIVE_STATUSES or not ticket.is_active:
            raise InvalidTransition(
                "A reply can leave an active ticket open or awaiting the customer; "
                "resolve, close and reopen have their own actions."
            )
        ticket.require_transition(status)
        ticket.status = status
        fields.append("status")
    fields += clocks.first_response_given(ticket, now, reason=f"Public reply by {by}")
    fields += clocks.status_changed(ticket, old_status, ticket.status, now)
    entry = _post(ticket, ThreadEntry.Kind.REPLY, by, body, body_format, attachments, now)
    _save(ticket, fields, now)
    notifications.queue(_audit(ticket, Kind.REPLIED, by=by), entry=entry)
    if old_status != ticket.status:
        _audit_status(ticket, old_status, by=by)
    return entry


@transaction.atomic
def add_customer_message(
    ticket: Ticket,
    *,
    by: Contact,
    body: str,
    body_format: str = ThreadEntry.Format.TEXT,
    attachments: Sequence[UploadedFile] = (),
    as_collaborator: bool = False,
) -> ThreadEntry:
    """Add the requester's message; it brings an awaiting ticket back to open and reopens
    a resolved or closed one.

    `as_collaborator`: `by` is not the requester but someone the channel has checked may
    write on the ticket (an email collaborator, kept by the `mail` app).
    """
    body = _required_body(body, body_format)
    check_uploads(attachments)
    ticket = _lock(ticket, None)
    if not as_collaborator:
        _require_requester(ticket, by, "add messages to it")
    now = timezone.now()
    old_status = ticket.status
    fields = []
    if ticket.status != Status.OPEN:
        ticket.status = Status.OPEN
        fields.append("status")
        if old_status in (Status.RESOLVED, Status.CLOSED):
            fields += _clear_closure(ticket, now)
        fields += clocks.status_changed(ticket, old_status, ticket.status, now)
    entry = _post(ticket, ThreadEntry.Kind.MESSAGE, by, body, body_format, attachments, now)
    _save(ticket, fields, now)
    notifications.queue(_audit(ticket, Kind.MESSAGE_ADDED, by=by), entry=entry)
    if old_status in (Status.RESOLVED, Status.CLOSED):
        note = "Reopened by the requester's reply."
        _audit_status(ticket, old_status, by=by, kind=Kind.REOPENED, note=note)
    elif old_status != ticket.status:
        _audit_status(ticket, old_status, by=by)
    return entry


@transaction.atomic
def add_note(
    ticket: Ticket,
    *,
    by: Agent,
    body: str,
    body_format: str = ThreadEntry.Format.TEXT,
    attachments: Sequence[UploadedFile] = (),
) -> ThreadEntry:
    """Add an internal note: seen by agents only, never sent to the requester."""
    body = _required_body(body, body_format)
    check_uploads(attachments)
    ticket = _lock(ticket, None)
    now = timezone.now()
    entry = _post(ticket, ThreadEntry.Kind.NOTE, by, body, body_format, attachments, now)
    _save(ticket, [], now)
    notifications.queue(_audit(ticket, Kind.NOTE_ADDED, by=by), entry=entry)
    return entry


# ---------------------------------------------------------------------------------------------
# Ownership


@transaction.atomic
def assign(
    ticket: Ticket, *, by: Actor, agent: Agent | None, expected_version: int | None = None
) -> Ticket:
    """Give the ticket to an agent, or release it with `agent=None`."""
    ticket = _lock(ticket, expected_version)
    if agent is not None and not agent.is_active:
        raise TicketError(f"{agent} is no longer active and cannot take tickets.")
    return _change_owner(ticket, "assignee", agent, Kind.ASSIGNED, by=by)


@transaction.atomic
def assign_team(
    ticket: Ticket, *, by: Actor, team: Team | None, expected_version: int | None = None
) -> Ticket:
    """Give the ticket to a team, or take it away from its team with `team=None`."""
    ticket = _lock(ticket, expected_version)
    if team is not None and not team.is_active:
        raise TicketError(f"The team {team} is inactive and cannot take tickets.")
    return _change_owner(ticket, "team", team, Kind.TEAM_ASSIGNED, by=by)


@transaction.atomic
def claim(ticket: Ticket, *, by: Agent, expected_version: int | None = None) -> Ticket:
    """Take an unassigned ticket for yourself."""
    ticket = _lock(ticket, expected_version)
    if ticket.assignee_id == by.pk:
        return ticket
    if ticket.assignee is not None:
        raise TicketError(f"Ticket #{ticket.number} is already assigned to {ticket.assignee}.")
    return _change_owner(ticket, "assignee", by, Kind.ASSIGNED, by=by, note="Claimed.")


def _change_owner(
    ticket: Ticket,
    field: str,
    owner: Agent | Team | None,
    kind: str,
    *,
    by: Actor,
    note: str = "",
) -> Ticket:
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(f"Ticket #{ticket.number} is closed; reopen it to reassign it.")
    old = getattr(ticket, field)
    if old == owner:
        return ticket
    setattr(ticket, field, owner)
    _save(ticket, [field], timezone.now())
    event = _audit(ticket, kind, by=by, old=_label(old), new=_label(owner), note=note)
    notifications.queue(event)
    return ticket


@transaction.atomic
def transfer(
    ticket: Ticket,
    *,
    by: Actor,
    department: Department,
    reason: str,
    expected_version: int | None = None,
) -> Ticket:
    """Move the ticket to another department, saying why."""
    reason = _required_text(reason, "reason for the transfer")
    ticket = _lock(ticket, expected_version)
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(f"Ticket #{ticket.number} is closed; reopen it to transfer it.")
    if department.pk == ticket.department_id:
        raise TicketError(f"Ticket #{ticket.number} is already in {department}.")
    if not department.is_active:
        raise TicketError(f"The department {department} is inactive.")
    old = ticket.department
    ticket.department = department
    _save(ticket, ["department"], timezone.now())
    event = _audit(ticket, Kind.TRANSFERRED, by=by, old=old.name, new=department.name, note=reason)
    notifications.queue(event)
    return ticket


# ---------------------------------------------------------------------------------------------
# Triage


@transaction.atomic
def triage(
    ticket: Ticket,
    *,
    by: Actor,
    priority: Priority | None = None,
    sla_plan: SLAPlan | None = None,
    topic: HelpTopic | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Set priority, SLA plan and help topic (None keeps a value); due times follow.

    Each changed value gets its own audit event with from → to.
    """
    ticket = _lock(ticket, expected_version)
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(f"Ticket #{ticket.number} is closed; reopen it to triage it.")
    if sla_plan is not None and not sla_plan.is_active and sla_plan.pk != ticket.sla_plan_id:
        raise TicketError(f"The SLA plan {sla_plan} is inactive.")
    if topic is not None and not topic.is_active and topic.pk != ticket.topic_id:
        raise TicketError(f"The help topic {topic.full_name} is inactive.")
    changes = [
        (field, kind, getattr(ticket, field), new)
        for field, kind, new in (
            ("priority", Kind.PRIORITY_CHANGED, priority),
            ("sla_plan", Kind.SLA_PLAN_CHANGED, sla_plan),
            ("topic", Kind.TOPIC_CHANGED, topic),
        )
        if new is not None and new != getattr(ticket, field)
    ]
    if not changes:
        return ticket
    fields = [field for field, *_rest in changes]
    for field, _kind, _old, new in changes:
        setattr(ticket, field, new)
    if {"priority", "sla_plan"} & set(fields):
        # Targets run from when the clocks started, not from when triage happened.
        reason = "; ".join(
            f"{_label(old)} → {_label(new)}"
            for field, _kind, old, new in changes
            if field in ("priority", "sla_plan")
        )
        fields += clocks.targets_changed(ticket, timezone.now(), reason=reason)
    _save(ticket, fields, timezone.now())
    for _field, kind, old, new in changes:
        _audit(ticket, kind, by=by, old=_label(old), new=_label(new))
    return ticket


# ---------------------------------------------------------------------------------------------
# Closing and reopening


@transaction.atomic
def resolve(
    ticket: Ticket,
    *,
    by: Agent,
    root_cause: str,
    resolution: str,
    category: str,
    expected_version: int | None = None,
) -> Ticket:
    """Mark the ticket resolved with its root cause, resolution and category.

    The requester may then confirm (close) or reopen it.
    """
    root_cause = _required_text(root_cause, "root cause")
    resolution = _required_text(resolution, "resolution")
    if category not in Ticket.Category.values:
        raise TicketError("Choose a category: incident, service request or problem.")
    ticket = _lock(ticket, expected_version)
    ticket.require_transition(Status.RESOLVED)
    now = timezone.now()
    ticket.resolved_at, ticket.resolved_by = now, by
    ticket.root_cause, ticket.resolution, ticket.category = root_cause, resolution, category
    fields = ["resolved_at", "resolved_by", "root_cause", "resolution", "category"]
    _move(ticket, Status.RESOLVED, Kind.RESOLVED, by=by, note=resolution, fields=fields, now=now)
    return ticket


@transaction.atomic
def close(
    ticket: Ticket,
    *,
    by: Actor,
    reason: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Close the ticket: from resolved when the fix is confirmed, or directly, with a reason."""
    reason = clean_text(reason).strip()
    ticket = _lock(ticket, expected_version)
    _require_requester(ticket, by, "close it")
    ticket.require_transition(Status.CLOSED)
    now = timezone.now()
    ticket.closed_at = now
    _move(ticket, Status.CLOSED, Kind.CLOSED, by=by, note=reason, fields=["closed_at"], now=now)
    return ticket


@transaction.atomic
def reopen(
    ticket: Ticket,
    *,
    by: Actor,
    reason: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Open a resolved or closed ticket again; the resolution clock restarts."""
    reason = clean_text(reason).strip()
    ticket = _lock(ticket, expected_version)
    _require_requester(ticket, by, "reopen it")
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise InvalidTransition(f"Ticket #{ticket.number} is not resolved or closed.")
    now = timezone.now()
    fields = _clear_closure(ticket, now)
    _move(ticket, Status.OPEN, Kind.REOPENED, by=by, note=reason, fields=fields, now=now)
    return ticket


def _move(
    ticket: Ticket,
    status: str,
    kind: str,
    *,
    by: Actor,
    note: str,
    fields: list[str],
    now: datetime,
) -> None:
    """Save the ticket in its new status with `fields`, audit it publicly, notify."""
    old_status = ticket.status
    ticket.status = status
    fields = [*fields, *clocks.status_changed(ticket, old_status, status, now)]
    _save(ticket, ["status", *fields], now)
    notifications.queue(_audit_status(ticket, old_status, by=by, kind=kind, note=note))


def _clear_closure(ticket: Ticket, now: datetime) -> list[str]:
    """Forget when it was resolved/closed (the audit trail keeps it); returns the fields
    changed. The resolution clock restarts with the status change (`clocks.status_changed`)."""
    ticket.resolved_at = ticket.closed_at = ticket.resolved_by = None
    ticket.is_overdue = False
    return ["resolved_at", "closed_at", "resolved_by", "is_overdue"]


# ---------------------------------------------------------------------------------------------
# Access links


@transaction.atomic
def revoke_access_links(ticket: Ticket, *, by: Actor, reason: str = "") -> Ticket:
    """Make every access link sent for this ticket stop working (e.g. one was forwarded).

    New links (a status look-up, the next notification) work again.
    """
    ticket = _lock(ticket, None)
    ticket.access_generation += 1
    _save(ticket, ["access_generation"], timezone.now())
    _audit(ticket, Kind.ACCESS_REVOKED, by=by, note=clean_text(reason).strip())
    return ticket


def send_access_link(*, email: str, number: str) -> bool:
    """Email the requester a fresh access link if `number` is a ticket of `email`.

    Returns whether it did; a face must answer the same either way, so the look-up tells
    nobody which addresses or numbers exist.
    """
    ticket = (
        Ticket.objects.filter(
            number=number.strip().lstrip("#"), requester__email=normalize_email(email)
        )
        .select_related("requester")
        .first()
    )
    if ticket is None:
        return False
    requester = ticket.requester
    notifications.queue_email(
        "access_link",
        to=(requester.email, requester.name),
        values={
            "ticket_url": access.link_for(ticket),
            "valid_for": timesince.timeuntil(
                timezone.now() + timedelta(seconds=settings.HELPDESK_ACCESS_LINK_MAX_AGE)
            ),
        },
        ticket=ticket,
    )
    return True


# ---------------------------------------------------------------------------------------------
# The agent panel's verbs: status, escalation, time, callers, batches


@transaction.atomic
def set_status(
    ticket: Ticket, *, by: Agent, status: str, expected_version: int | None = None
) -> Ticket:
    """Move an active ticket between open and awaiting the customer (whose reply reopens it).

    Resolving, closing and reopening carry more (a resolution, a reason) and have their own
    operations.
    """
    if status not in Ticket.ACTIVE_STATUSES:
        raise InvalidTransition(
            "Only open and awaiting customer can be set directly; "
            "resolve, close and reopen have their own actions."
        )
    ticket = _lock(ticket, expected_version)
    if not ticket.is_active:
        raise InvalidTransition(
            f"Ticket #{ticket.number} is {ticket.get_status_display().lower()}; reopen it first."
        )
    if ticket.status == status:
        return ticket
    # Through _move, so the SLA clocks pause or resume with the status.
    _move(ticket, status, Kind.STATUS_CHANGED, by=by, note="", fields=[], now=timezone.now())
    return ticket


@dataclass(frozen=True)
class Handoff:
    """What Tier 2 needs to pick up a ticket without asking again (the checklist's step 11)."""

    steps_to_reproduce: str
    error_text: str
    tried: str
    user_impact: str
    users_affected: int
    affected_asset: str = ""

    MAX_USERS = 1_000_000

    def checked(self) -> "Handoff":
        """The hand-off with its text cleaned; a bare "please assist" is refused."""
        if not 1 <= self.users_affected <= self.MAX_USERS:
            raise TicketError(f"The number of users affected must be 1 to {self.MAX_USERS:,}.")
        return Handoff(
            steps_to_reproduce=_required_text(self.steps_to_reproduce, "steps to reproduce"),
            error_text=_required_text(self.error_text, "exact error text"),
            tried=_required_text(self.tried, "list of what was tried"),
            user_impact=_required_text(self.user_impact, "user impact"),
            users_affected=self.users_affected,
            affected_asset=clean_text(self.affected_asset).strip(),
        )

    def as_note(self) -> str:
        """The internal note Tier 2 reads: one labelled section per item."""
        sections = [
            ("Steps to reproduce", self.steps_to_reproduce),
            ("Exact error text", self.error_text),
            ("Already tried", self.tried),
            ("Affected asset", self.affected_asset or "not given"),
            ("User impact", f"{self.user_impact}\nUsers affected: {self.users_affected}"),
        ]
        body = "\n\n".join(f"{title}:\n{text}" for title, text in sections)
        return f"Escalation hand-off\n\n{body}"


@transaction.atomic
def escalate(
    ticket: Ticket,
    *,
    by: Agent,
    handoff: Handoff,
    department: Department | None = None,
    agent: Agent | None = None,
    team: Team | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Hand the ticket to Tier 2: the transfer and/or assignment plus the hand-off as one
    formatted internal note, all or nothing, audited as an escalation.

    The note is posted after the move, so its alert reaches the new owners.
    """
    handoff = handoff.checked()
    if department is None and agent is None and team is None:
        raise TicketError("Choose who takes the ticket over: a department, an agent or a team.")
    ticket = _lock(ticket, expected_version)
    if not ticket.is_active:
        raise InvalidTransition(
            f"Ticket #{ticket.number} is {ticket.get_status_display().lower()}; "
            "reopen it before escalating."
        )
    targets = [str(owner) for owner in (department, agent, team) if owner is not None]
    _save(ticket, [], timezone.now())
    summary = f"{handoff.user_impact} ({handoff.users_affected} affected)"
    _audit(
        ticket, Kind.ESCALATED, by=by, old=_owners(ticket), new=" · ".join(targets), note=summary
    )
    if department is not None and department.pk != ticket.department_id:
        ticket = transfer(ticket, by=by, department=department, reason=f"Escalated: {summary}")
    if agent is not None:
        ticket = assign(ticket, by=by, agent=agent)
    if team is not None:
        ticket = assign_team(ticket, by=by, team=team)
    return add_note(ticket, by=by, body=handoff.as_note()).ticket


def _owners(ticket: Ticket) -> str:
    owners = [ticket.department, ticket.assignee, ticket.team]
    return " · ".join(str(owner) for owner in owners if owner is not None)


@transaction.atomic
def log_time(
    ticket: Ticket,
    *,
    by: Agent,
    minutes: int,
    note: str = "",
    worked_on: date | None = None,
) -> TimeEntry:
    """Record time spent on the ticket (billing and SLA reports read it); audited."""
    if not 1 <= minutes <= TimeEntry.MAX_MINUTES:
        raise TicketError("Log from 1 minute to 24 hours (1440 minutes) per entry.")
    today = timezone.localdate()
    worked_on = worked_on or today
    if worked_on > today:
        raise TicketError("Time cannot be logged for a day that has not come yet.")
    if worked_on < today - timedelta(days=366):
        raise TicketError("Time more than a year old cannot be logged.")
    note = _one_line(note, "note", 255)
    ticket = _lock(ticket, None)
    entry = TimeEntry.objects.create(
        ticket=ticket, agent=by, minutes=minutes, note=note, worked_on=worked_on
    )
    _save(ticket, [], timezone.now())
    _audit(ticket, Kind.TIME_LOGGED, by=by, new=f"{minutes} min on {worked_on}", note=note)
    return entry


# More people copied on one ticket than this is a mailing list, not a ticket.
MAX_COLLABORATORS = 20


@transaction.atomic
def add_collaborator(
    ticket: Ticket, *, by: Agent, email: str, name: str = ""
) -> TicketCollaborator:
    """Copy someone on the ticket: their emails join its thread and they get the replies."""
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise TicketError(f"“{email}” is not an email address.") from None
    name = _one_line(name, "name", 120)
    ticket = _lock(ticket, None)
    if email == ticket.requester.email:
        raise TicketError(f"{email} is the requester: they hear about the ticket already.")
    if ticket.collaborators.filter(email=email).exists():
        raise TicketError(f"{email} is copied on this ticket already.")
    if ticket.collaborators.count() >= MAX_COLLABORATORS:
        raise TicketError(f"A ticket can have at most {MAX_COLLABORATORS} collaborators.")
    collaborator = TicketCollaborator.objects.create(ticket=ticket, email=email, name=name)
    _save(ticket, [], timezone.now())
    _audit(ticket, Kind.COLLABORATOR_ADDED, by=by, new=str(collaborator))
    return collaborator


@transaction.atomic
def remove_collaborator(ticket: Ticket, *, by: Agent, email: str) -> None:
    """Stop copying someone: their later emails are held for review, not added."""
    ticket = _lock(ticket, None)
    collaborator = ticket.collaborators.filter(email=normalize_email(email)).first()
    if collaborator is None:
        raise TicketError(f"{email} is not copied on this ticket.")
    collaborator.delete()
    _save(ticket, [], timezone.now())
    _audit(ticket, Kind.COLLABORATOR_REMOVED, by=by, old=str(collaborator))


@transaction.atomic
def resolve_with_time(
    ticket: Ticket,
    *,
    by: Agent,
    root_cause: str,
    resolution: str,
    category: str,
    minutes: int,
    expected_version: int | None = None,
) -> Ticket:
    """Resolve the ticket and log the time the work took, together or not at all (the
    checklist logs time before closing: billing and SLA reports depend on it)."""
    ticket = resolve(
        ticket,
        by=by,
        root_cause=root_cause,
        resolution=resolution,
        category=category,
        expected_version=expected_version,
    )
    log_time(ticket, by=by, minutes=minutes, note="Resolution work")
    return ticket


CALLER_SOURCES = (Ticket.Source.PHONE, Ticket.Source.WALK_IN)


@transaction.atomic
def open_ticket_for_caller(
    *,
    by: Agent,
    email: str,
    name: str,
    phone: str,
    subject: str,
    body: str,
    topic: HelpTopic,
    source: str,
    identity_verified: bool,
    priority: Priority | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Ticket:
    """Open a ticket for someone who phoned or walked in, recording whether the agent
    verified who they are (the checklist's step 1) in the audit trail."""
    if source not in CALLER_SOURCES:
        raise TicketError("A caller's ticket comes in by phone or as a walk-in.")
    requester = find_or_create_contact(email=email, name=name, phone=phone)
    ticket = open_ticket(
        requester=requester,
        subject=subject,
        body=body,
        topic=topic,
        source=source,
        by=by,
        priority=priority,
        attachments=attachments,
    )
    verified = "verified" if identity_verified else "not verified"
    _audit(
        ticket,
        Kind.CALLER_IDENTITY,
        by=by,
        new=verified,
        note=f"{Ticket.Source(source).label} contact; the caller's identity was {verified}.",
    )
    return ticket


@transaction.atomic
def open_ticket_from_integration(
    *,
    requester: Contact,
    subject: str,
    body: str,
    topic: HelpTopic,
    channel: str,
    priority: Priority | None = None,
    body_format: str = ThreadEntry.Format.TEXT,
    attachments: Sequence[UploadedFile] = (),
    field_values: Sequence[FieldValue] = (),
    idempotency_key: str | None = None,
    notes: str = "",
    notes_by: Agent | None = None,
    silenced: Collection[str] = (),
) -> Ticket:
    """Open a ticket sent by another system (the API) on the requester's behalf.

    `channel` says which credential brought it in ("API key “Monitoring” (hd_1a2b…) from
    192.0.2.7"); it is recorded in an internal audit event, never shown to the requester.
    `notes` become an internal note by `notes_by`. A retry with the same idempotency key
    returns the first ticket and records nothing more.
    """
    if notes.strip() and notes_by is None:
        raise TicketError("Internal notes need an agent to write them.")
    ticket = open_ticket(
        requester=requester,
        subject=subject,
        body=body,
        topic=topic,
        source=Ticket.Source.API,
        by=requester,
        priority=priority,
        body_format=body_format,
        attachments=attachments,
        field_values=field_values,
        idempotency_key=idempotency_key,
        silenced=silenced,
    )
    if ticket.events.filter(kind=Kind.RECEIVED_VIA).exists():
        return ticket  # a retry: the first request recorded everything
    _audit(ticket, Kind.RECEIVED_VIA, by=None, new=channel)
    if notes.strip() and notes_by is not None:
        add_note(ticket, by=notes_by, body=notes)
    return ticket


class BatchRefused(TicketError):
    """One ticket of a batch was refused, so none was changed; says which and why."""


@transaction.atomic
def apply_to_all(
    tickets: Sequence[tuple[Ticket, int]], action: Callable[[Ticket, int], object]
) -> int:
    """Run `action(ticket, expected_version)` on every ticket, or on none.

    The first refusal (stale, invalid, forbidden by the operation) rolls the whole batch
    back and names the ticket. Returns how many tickets were processed.
    """
    # Lock every row up front in primary-key order: two overlapping batches then queue up
    # behind each other instead of deadlocking halfway.
    list(
        Ticket.objects.select_for_update()
        .filter(pk__in=[ticket.pk for ticket, _version in tickets])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for ticket, version in tickets:
        try:
            action(ticket, version)
        except TicketError as error:
            raise BatchRefused(
                f"Nothing was changed: ticket #{ticket.number} was refused. {error}"
            ) from error
    return len(tickets)


# ---------------------------------------------------------------------------------------------
# Shared steps


def _lock(ticket: Ticket, expected_version: int | None) -> Ticket:
    """The ticket's row, locked until commit; refused if it moved past `expected_version`."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if expected_version is not None and expected_version != locked.version:
        changes = [
            f"{event.get_kind_display().lower()} by {event.actor_name}"
            for event in locked.events.filter(ticket_version__gt=expected_version)
        ]
        raise StaleTicket(locked.number, expected_version, locked.version, changes)
    return locked


def _save(ticket: Ticket, fields: list[str], now: datetime) -> None:
    # Safe without F(): the row is locked, so nobody else bumps the version meanwhile.
    ticket.version += 1
    ticket.updated_at = now
    ticket.save(update_fields=[*dict.fromkeys(fields), "version", "updated_at"])


def _post(
    ticket: Ticket,
    kind: str,
    author: Agent | Contact,
    body: str,
    body_format: str,
    attachments: Sequence[UploadedFile],
    now: datetime,
) -> ThreadEntry:
    is_agent = isinstance(author, Agent)
    entry = ThreadEntry.objects.create(
        ticket=ticket,
        kind=kind,
        author_agent=author if is_agent else None,
        author_contact=None if is_agent else author,
        author_name=_label(author),
        body=body,
        body_format=body_format,
        created_at=now,
    )
    for upload in attachments:
        store_attachment(entry, upload)
    return entry


def _audit(
    ticket: Ticket,
    kind: str,
    *,
    by: Actor,
    old: str = "",
    new: str = "",
    note: str = "",
    public: bool = False,
) -> AuditEvent:
    return AuditEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor_agent=by if isinstance(by, Agent) else None,
        actor_contact=by if isinstance(by, Contact) else None,
        actor_name=_label(by) if by is not None else SYSTEM_ACTOR_NAME,
        old_value=old[:255],
        new_value=new[:255],
        note=note,
        is_public=public,
        ticket_version=ticket.version,
    )


def _audit_status(
    ticket: Ticket,
    old_status: str,
    *,
    by: Actor,
    kind: str = Kind.STATUS_CHANGED,
    note: str = "",
) -> AuditEvent:
    """A status change, which the requester may see."""
    return _audit(
        ticket,
        kind,
        by=by,
        old=Status(old_status).label,
        new=ticket.get_status_display(),
        note=note,
        public=True,
    )


def _require_requester(ticket: Ticket, by: Actor, action: str) -> None:
    """Customers act only on their own tickets (agents' access is the faces' to check)."""
    if isinstance(by, Contact) and by.pk != ticket.requester_id:
        raise TicketError(f"Only the ticket's requester can {action}.")


def _label(value: object) -> str:
    """How a person or setting is named in the audit trail and thread."""
    if value is None:
        return ""
    if isinstance(value, Contact):
        return value.name
    if isinstance(value, HelpTopic):
        return value.full_name
    return str(value)


def _one_line(value: str, label: str, max_length: int) -> str:
    """`value` cleaned and folded onto one line; refused if longer than `max_length`."""
    line = " ".join(clean_text(value).split())
    if len(line) > max_length:
        raise TicketError(f"The {label} is too long: at most {max_length} characters.")
    return line


def _required_line(value: str, label: str, max_length: int) -> str:
    line = _one_line(value, label, max_length)
    if not line:
        raise TicketError(f"The {label} is required.")
    return line


def _required_text(value: str, label: str) -> str:
    text = clean_text(value).strip()
    if not text:
        raise TicketError(f"The {label} is required.")
    return text


def _required_body(body: str, body_format: str) -> str:
    """The body as it will be stored: text cleaned, HTML sanitized; empty is refused."""
    if body_format == ThreadEntry.Format.HTML:
        html = sanitize_html(body).strip()
        _required_text(html_to_text(html), "message")  # markup with no words is empty
        return html
    if body_format != ThreadEntry.Format.TEXT:
        raise TicketError(f"Unknown message format {body_format!r}.")
    return _required_text(body, "message")
