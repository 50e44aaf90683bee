"""The help desk's core records: who asks, who answers, the tickets, their thread and audit trail.

Models hold data and small pure rules (which status may follow which). Every change to a
ticket goes through `tickets.operations`, which locks, checks, saves and audits.
"""

import re
import uuid
from datetime import timedelta
from pathlib import PurePath
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from helpdesk.db import joins_in_written_order
from sla.models import SLAPlan
from tickets.email_kinds import ALERT_CHOICES, KIND_CHOICES, KINDS
from tickets.errors import AuditTrailIsAppendOnly, InvalidTransition
from tickets.sanitize import sanitize_html

phone_validator = RegexValidator(
    r"^\+?[0-9 ().\-]{4,31}$", "Enter a phone number: digits, spaces, + ( ) . - only."
)


def normalize_email(address: str) -> str:
    """One person, one contact: "Ann@Bank.example " and "ann@bank.example" are the same inbox."""
    return address.strip().lower()


class ContactQuerySet(models.QuerySet["Contact"]):
    def for_email(self, address: str) -> "Contact | None":
        return self.filter(email=normalize_email(address)).first()


class Contact(models.Model):
    """Someone who asks for help (an end user); may have a portal login, need not."""

    email = models.EmailField(unique=True, help_text="Stored in lower case.")
    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=32, blank=True, validators=[phone_validator])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
        help_text="The portal login of this person, if they have one.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "email"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Before the uniqueness check, so admin forms report a duplicate in another case.
        self.email = normalize_email(self.email)


class Department(models.Model):
    """A group of agents that owns tickets (Service Desk, SysAdmin, Networking…)."""

    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=200, blank=True)
    manager = models.ForeignKey(
        "Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_departments",
        help_text="Receives escalations and overdue alerts for this department.",
    )
    default_sla_plan = models.ForeignKey(
        SLAPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Used when a ticket's help topic sets no SLA plan.",
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AlertKindsField(models.JSONField):
    """A list of alert kinds, stored as JSON and edited as checkboxes (admin, agent profile)."""

    def formfield(self, **kwargs: Any) -> forms.Field:
        return forms.MultipleChoiceField(
            choices=ALERT_CHOICES,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
        )


class AgentQuerySet(models.QuerySet["Agent"]):
    def active(self) -> "AgentQuerySet":
        return self.filter(user__is_active=True)


class Agent(models.Model):
    """A member of staff who works tickets; linked one-to-one to a Django user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agent"
    )
    title = models.CharField(max_length=80, blank=True, help_text='e.g. "Tier 1 Analyst".')
    departments = models.ManyToManyField(Department, related_name="agents", blank=True)
    is_manager = models.BooleanField(
        "manager",
        default=False,
        help_text="Managers see their departments' reports and overdue queues.",
    )
    # The alert kinds (`email_kinds.ALERT_CHOICES`) this agent chose not to receive by email.
    muted_alerts = AlertKindsField(
        "alerts not wanted",
        default=list,
        blank=True,
        help_text="Ticked alerts are not emailed to this agent. Emails to requesters always go.",
    )

    objects = AgentQuerySet.as_manager()

    class Meta:
        ordering = ["user__first_name", "user__last_name", "user__username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    @property
    def is_admin(self) -> bool:
        """Admins see and act on every ticket."""
        return self.user.is_superuser

    def wants(self, alert: str) -> bool:
        """Whether this agent receives emails of kind `alert` (a muted alert is not sent)."""
        return alert not in self.muted_alerts


class Team(models.Model):
    """A group of agents across departments that tickets can be assigned to."""

    name = models.CharField(max_length=80, unique=True)
    lead = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    members = models.ManyToManyField(Agent, related_name="teams", blank=True)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PriorityQuerySet(models.QuerySet["Priority"]):
    def default(self) -> "Priority":
        """The priority a ticket gets when nothing else sets one."""
        return self.get(is_default=True)


class Priority(models.Model):
    """An urgency level, P1 Emergency to P4 Low; a smaller `urgency` is more urgent."""

    code = models.CharField(max_length=8, unique=True, help_text='Short code, e.g. "P1".')
    name = models.CharField(max_length=40, unique=True)
    urgency = models.PositiveSmallIntegerField(unique=True, help_text="1 is the most urgent.")
    description = models.CharField(max_length=200, blank=True)
    color = models.CharField(
        max_length=7,
        default="#6c757d",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #dc3545.")],
    )
    is_default = models.BooleanField(default=False)

    objects = PriorityQuerySet.as_manager()

    class Meta:
        ordering = ["urgency"]
        verbose_name_plural = "priorities"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_priority",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class HelpTopicQuerySet(models.QuerySet["HelpTopic"]):
    def offered(self) -> "HelpTopicQuerySet":
        """Topics end users may choose: public, active, routed to an active department."""
        return self.filter(
            is_public=True, is_active=True, department__is_active=True
        ).select_related(
            *["parent" + "__parent" * depth for depth in range(HelpTopic.MAX_DEPTH - 1)]
        )


class HelpTopic(models.Model):
    """What a ticket is about; routes it to a department with a priority and SLA plan.

    Topics nest ("Software / Email"); each one routes on its own, the parent only groups.
    """

    name = models.CharField(max_length=80)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.CharField(max_length=200, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="topics")
    default_priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sla_plan = models.ForeignKey(
        SLAPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty means the department's default plan.",
    )
    auto_assign_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_assign_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_public = models.BooleanField(
        "public", default=True, help_text="Offered to end users in the portal."
    )
    is_active = models.BooleanField("active", default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    objects = HelpTopicQuerySet.as_manager()

    # Deep trees are unreadable in a select box and make the parent walk costly.
    MAX_DEPTH: ClassVar[int] = 4

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent=None), name="unique_top_level_topic"
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=models.Q(parent__isnull=False),
                name="unique_topic_within_parent",
            ),
            models.CheckConstraint(
                condition=models.Q(auto_assign_agent=None) | models.Q(auto_assign_team=None),
                name="topic_assigns_agent_or_team",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """ "Parent / Child", walking up the (shallow) tree."""
        names, topic = [], self
        while topic is not None and len(names) < self.MAX_DEPTH:
            names.append(topic.name)
            topic = topic.parent
        return " / ".join(reversed(names))

    def clean(self) -> None:
        if self.auto_assign_agent_id and self.auto_assign_team_id:
            raise ValidationError("Auto-assign to an agent or to a team, not both.")
        ancestors, ancestor = 0, self.parent
        while ancestor is not None:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": "A topic cannot be nested under itself."})
            ancestors += 1
            if ancestors >= self.MAX_DEPTH:
                raise ValidationError({"parent": f"Topics nest at most {self.MAX_DEPTH} levels."})
            ancestor = ancestor.parent


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, agent: "Agent") -> "TicketQuerySet":
        """The tickets `agent` may see and act on, with what a list row shows.

        Admins see all; agents their departments' tickets and those assigned to them;
        managers also the tickets assigned to the agents of their departments (their
        reports), wherever those tickets sit. Subqueries rather than joins, so no row
        appears twice and the planner can OR the indexes on department and assignee.
        """
        rows = self.select_related(
            "requester", "department", "priority", "sla_plan", "assignee__user", "team", "topic"
        )
        if agent.is_admin:
            return rows
        departments = Department.objects.filter(agents=agent).values("pk")
        visible = models.Q(department__in=departments) | models.Q(assignee=agent)
        if agent.is_manager:
            reports = Agent.objects.filter(departments__in=departments).values("pk")
            visible |= models.Q(assignee__in=reports)
        return rows.filter(visible)

    def fetch(self) -> list["Ticket"]:
        """The rows, joined to their related rows in the order written (see
        `helpdesk.db.joins_in_written_order`): for reads of a few known tickets."""
        with joins_in_written_order():
            return list(self)


# What a queue tests a ticket by, besides its sort: who may see it, the tabs, the common
# filters. The queue's sort indexes include these columns.
QUEUE_FILTERED = ["department", "assignee", "team", "priority", "status", "is_overdue"]


class Ticket(models.Model):
    """A request for help, from opening to closure."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        AWAITING_CUSTOMER = "awaiting_customer", "Awaiting customer"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Source(models.TextChoices):
        WEB = "web", "Web portal"
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        WALK_IN = "walk_in", "Walk-in"
        API = "api", "API"
        AGENT = "agent", "Agent panel"

    class Category(models.TextChoices):
        INCIDENT = "incident", "Incident"
        REQUEST = "request", "Service request"
        PROBLEM = "problem", "Problem"

    ACTIVE_STATUSES: ClassVar[tuple[str, ...]] = (Status.OPEN, Status.AWAITING_CUSTOMER)
    # Which status may follow which. Reopening starts again from OPEN.
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.OPEN: frozenset({Status.AWAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
        Status.AWAITING_CUSTOMER: frozenset({Status.OPEN, Status.RESOLVED, Status.CLOSED}),
        Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
        Status.CLOSED: frozenset({Status.OPEN}),
    }

    number = models.CharField(max_length=12, unique=True, editable=False)
    subject = models.CharField(max_length=255)
    requester = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="tickets")
    topic = models.ForeignKey(
        HelpTopic, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="tickets")
    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="tickets")
    sla_plan = models.ForeignKey(
        SLAPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_tickets"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)

    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    # SLA clock state, kept by tickets/clocks.py. The *_warn_at and due times are when the
    # sweep must act; the *_warned_at / *_breached_at marks are its claims, set exactly once by
    # a conditional UPDATE. `sla_next_check_at` is the earliest pending one, or null.
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    first_response_warned_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    sla_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the resolution clock last started (open, reopen)."
    )
    sla_paused_at = models.DateTimeField(
        null=True, blank=True, help_text="Set while the clocks are paused (awaiting the customer)."
    )
    sla_paused_for = models.DurationField(
        default=timedelta(0), help_text="Business time spent paused, added to the targets."
    )
    sla_next_check_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    resolved_by = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    root_cause = models.TextField(blank=True)
    resolution = models.TextField(blank=True)
    category = models.CharField(max_length=10, choices=Category.choices, blank=True)

    # Bumped by every operation: a form carries the version it was drawn from, so a
    # submit based on what another agent has since changed can be refused.
    version = models.PositiveIntegerField(default=1)

    # Set by the channel that opened it (a portal form's random key, an API client's retry
    # key): a second open with the same key returns this ticket instead of a duplicate.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Part of every signed access link: bumping it revokes all links sent so far.
    access_generation = models.PositiveIntegerField(default=1)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "awaiting_customer", "resolved", "closed"]),
                name="ticket_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="closed_ticket_has_closed_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | models.Q(resolved_at__isnull=False),
                name="resolved_ticket_has_resolved_at",
            ),
        ]
        indexes = [
            # The queue's active views (open, mine, overdue…) sorted by due time walk the
            # active tickets only (for QUEUE_FILTERED, see the queue's indexes below).
            models.Index(
                fields=["resolution_due", "id"],
                include=QUEUE_FILTERED,
                condition=models.Q(status__in=["open", "awaiting_customer"]),
                name="ticket_active_resolution_due",
            ),
            models.Index(fields=["department", "status", "-updated_at"], name="ticket_dept_queue"),
            models.Index(
                fields=["assignee", "status", "-updated_at"], name="ticket_assignee_queue"
            ),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester_recent"),
            # The SLA sweep reads only tickets with a pending warning or breach, by time, so
            # its cost follows the tickets that breach, not the tickets open.
            models.Index(
                fields=["sla_next_check_at"],
                condition=models.Q(sla_next_check_at__isnull=False),
                name="ticket_sla_next_check",
            ),
            # The auto-close job reads only resolved tickets, oldest first.
            models.Index(
                fields=["resolved_at"],
                condition=models.Q(status="resolved"),
                name="ticket_resolved_since",
            ),
            # The agent panel's queues: a status view sorted by activity (admins see every
            # department), a team's queue, and ticket-number keyset tie-breaks. The sorts'
            # indexes hold the columns an agent's sight, the tabs and the common filters
            # test, so a queue walks the index alone past the tickets it filters out
            # (tickets.queues.heads_query).
            models.Index(
                fields=["status", "-updated_at", "-id"],
                include=[name for name in QUEUE_FILTERED if name != "status"],  # a key here
                name="ticket_status_updated",
            ),
            models.Index(
                fields=["-updated_at", "-id"], include=QUEUE_FILTERED, name="ticket_recent_activity"
            ),
            models.Index(
                fields=["resolution_due", "id"], include=QUEUE_FILTERED, name="ticket_due"
            ),
            models.Index(fields=["team", "status", "-updated_at"], name="ticket_team_queue"),
            models.Index(
                fields=["department"],
                condition=models.Q(is_overdue=True, status__in=["open", "awaiting_customer"]),
                name="ticket_overdue",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    def require_transition(self, status: str) -> None:
        """Raise `InvalidTransition` unless the ticket may move to `status`."""
        if not self.can_become(status):
            raise InvalidTransition(
                f"Ticket #{self.number} is {self.get_status_display().lower()}; "
                f"it cannot become {self.Status(status).label.lower()}."
            )


def attachment_path(attachment: "Attachment", filename: str) -> str:
    """A random stored name: user file names never reach the filesystem."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ThreadEntry(models.Model):
    """A post in a ticket's thread: the requester's message, an agent reply or an internal note."""

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        REPLY = "reply", "Reply"
        NOTE = "note", "Internal note"

    class Format(models.TextChoices):
        TEXT = "text", "Plain text"
        HTML = "html", "HTML"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The name as it was when posted; people rename, the thread should not change.
    author_name = models.CharField(max_length=150)
    # Plain text as typed, or HTML already passed through the sanitizer before saving.
    body = models.TextField()
    body_format = models.CharField(max_length=4, choices=Format.choices, default=Format.TEXT)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "thread entries"
        indexes = [models.Index(fields=["ticket", "created_at"], name="thread_ticket_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(author_agent=None) | models.Q(author_contact=None),
                name="thread_entry_one_author",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["reply", "note"]) | models.Q(author_contact=None),
                name="thread_reply_or_note_not_by_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.author_name} on #{self.ticket.number}"

    @property
    def is_public(self) -> bool:
        """Whether the requester may see it: everything but internal notes."""
        return self.kind != self.Kind.NOTE

    def rendered_body(self) -> SafeString:
        """The body as safe HTML: text is escaped, HTML is sanitized again on the way out."""
        if self.body_format == self.Format.HTML:
            return mark_safe(sanitize_html(self.body))  # noqa: S308 - sanitized just now
        # linebreaks() returns a plain str: without mark_safe a template would escape it twice.
        return mark_safe(linebreaks(escape(self.body)))  # noqa: S308 - escaped just now


class Attachment(models.Model):
    """A file posted with a thread entry; served only through views that check access."""

    entry = models.ForeignKey(ThreadEntry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255, help_text="The name it was uploaded with.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    """Refuses bulk changes; the database refuses them too (see the migration's trigger)."""

    def update(self, **kwargs: Any) -> int:
        raise AuditTrailIsAppendOnly("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Something that happened to a ticket: who, what, from what to what, when. Never edited."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        MESSAGE_ADDED = "message_added", "Customer message"
        REPLIED = "replied", "Replied"
        NOTE_ADDED = "note_added", "Internal note"
        STATUS_CHANGED = "status_changed", "Status changed"
        ASSIGNED = "assigned", "Assigned"
        TEAM_ASSIGNED = "team_assigned", "Team assigned"
        TRANSFERRED = "transferred", "Transferred"
        PRIORITY_CHANGED = "priority_changed", "Priority changed"
        SLA_PLAN_CHANGED = "sla_plan_changed", "SLA plan changed"
        TOPIC_CHANGED = "topic_changed", "Help topic changed"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"
        ACCESS_REVOKED = "access_revoked", "Access links revoked"
        SLA_WARNING = "sla_warning", "SLA warning"
        SLA_BREACHED = "sla_breached", "Overdue"
        SLA_ESCALATED = "sla_escalated", "Escalated by SLA rule"
        ESCALATED = "escalated", "Escalated"
        TIME_LOGGED = "time_logged", "Time logged"
        CALLER_IDENTITY = "caller_identity", "Caller identity"
        RECEIVED_VIA = "received_via", "Received via"
        COLLABORATOR_ADDED = "collaborator_added", "Collaborator added"
        COLLABORATOR_REMOVED = "collaborator_removed", "Collaborator removed"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who did it, as named at the time; "System" for scheduled jobs.
    actor_name = models.CharField(max_length=150)
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    note = models.TextField(blank=True, help_text="The reason given, if any.")
    is_public = models.BooleanField(
        default=False, help_text="Shown to the requester (status changes)."
    )
    # The ticket's version this event produced: "what changed since version N" is a filter.
    ticket_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="audit_ticket_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actor_agent=None) | models.Q(actor_contact=None),
                name="audit_event_one_actor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket.number} by {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def pending(self) -> "NotificationQuerySet":
        return self.filter(status__in=[Notification.Status.QUEUED, Notification.Status.SENDING])


class Notification(models.Model):
    """An email to send because something happened on a ticket.

    Written in the same transaction as the change (an outbox), so a broker outage delays a
    notification but never loses it; a worker composes and sends it after commit.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    # Attempts before a message is marked failed; with exponential backoff capped at ten
    # minutes this rides out an SMTP outage of about half an hour.
    MAX_ATTEMPTS: ClassVar[int] = 8

    # Empty for account emails (verification, password reset), which concern no ticket.
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(
        AuditEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    template = models.CharField(max_length=40)
    recipient_email = models.EmailField()
    recipient_name = models.CharField(max_length=150, blank=True)
    # Subject and bodies are composed by the worker that sends the email, from the template
    # and the values kept here as they were at the change (tickets.notifications.compose);
    # empty until then, as the values are after.
    values = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="The HTML alternative of the body.")
    # Threading headers (tickets/emails.py): the ticket's root Message-ID, and the previous
    # message to the same recipient when there is one.
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    # RFC 3834: notices the desk generates say so, so auto-responders do not answer them.
    auto_submitted = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Indexed: inbound mail finds the ticket a reply answers by the Message-ID it quotes.
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The requeue job reads only the few unsent rows.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status__in=["queued", "sending"]),
                name="notification_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.recipient_email} ({self.get_status_display()})"


class NotificationAttempt(models.Model):
    """One try at handing a notification to the mail server: what it answered, or why not."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField(default=False)
    smtp_code = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=500)
    # A failure worth another try (a 4xx answer, a refused connection) is retried with
    # backoff; a permanent one (a 5xx answer) is not.
    will_retry = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.notification} at {self.at:%Y-%m-%d %H:%M:%S}: {self.outcome}"


class EmailTemplate(models.Model):
    """The wording of one kind of email, edited in Django admin.

    Subject, plain text and HTML are Django template source restricted to plain variables,
    `if` and a few filters (`tickets.emails` checks and renders them). A kind without a row
    uses the shipped default in `templates/notifications/`.
    """

    kind = models.CharField(max_length=40, choices=KIND_CHOICES, unique=True)
    subject = models.CharField(
        max_length=255,
        help_text="The ticket's [#number] tag is added in front if you leave it out: replies "
        "find their ticket by it.",
    )
    body_text = models.TextField("plain text")
    body_html = models.TextField(
        "HTML",
        blank=True,
        help_text="The inside of the page (the desk's header and footer are added). Values are "
        "escaped. Empty: the plain text is sent as simple HTML.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return KINDS[self.kind].label if self.kind in KINDS else self.kind


class HelpTopicField(models.Model):
    """An extra question a help topic asks when a ticket is opened ("Affected service", …).

    Admins define them per topic; every channel validates answers with `tickets.fields`.
    """

    class Kind(models.TextChoices):
        TEXT = "text", "Short text"
        PARAGRAPH = "paragraph", "Paragraph"
        EMAIL = "email", "Email address"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        CHOICE = "choice", "Choice list"
        MULTIPLE = "multiple", "Multiple choice"
        FILE = "file", "File"

    CHOICE_KINDS: ClassVar[tuple[str, ...]] = (Kind.CHOICE, Kind.MULTIPLE)

    topic = models.ForeignKey(HelpTopic, on_delete=models.CASCADE, related_name="fields")
    label = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=200, blank=True)
    choices = models.TextField(
        blank=True, help_text="For choice lists and multiple choice: one option per line."
    )
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "label"], name="unique_field_label_per_topic")
        ]

    def __str__(self) -> str:
        return f"{self.topic.name}: {self.label}"

    @property
    def key(self) -> str:
        """The name its answer goes by in a submitted form or API payload."""
        return f"field_{self.pk}"

    @property
    def options(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.kind in self.CHOICE_KINDS and not self.options:
            raise ValidationError({"choices": "List at least one option, one per line."})
        if self.kind not in self.CHOICE_KINDS and self.choices.strip():
            raise ValidationError(
                {"choices": "Only choice lists and multiple choice have options."}
            )


class TicketFieldValue(models.Model):
    """The requester's answer to one of the topic's extra questions, kept with the ticket.

    A multiple choice is stored one option per line; a file answer points at the attachment
    stored with the ticket's first message, and `value` holds its file name.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="field_values")
    field = models.ForeignKey(HelpTopicField, on_delete=models.PROTECT, related_name="values")
    # The question as it was asked: admins may rename or retire fields later.
    label = models.CharField(max_length=80)
    value = models.TextField(blank=True)
    attachment = models.ForeignKey(
        Attachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["field__order", "field_id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "field"], name="one_value_per_ticket_field")
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"


class ClockEvent(models.Model):
    """Something that happened to one of a ticket's SLA clocks, with the reason and the
    calendar it was measured on: the SLA timeline. Never edited."""

    class Clock(models.TextChoices):
        FIRST_RESPONSE = "first_response", "First response"
        RESOLUTION = "resolution", "Resolution"

    class Kind(models.TextChoices):
        STARTED = "started", "Started"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        MET = "met", "Met"
        MISSED = "missed", "Stopped after its due time"
        WARNED = "warned", "Warning"
        BREACHED = "breached", "Breached"
        RECOMPUTED = "recomputed", "Recomputed"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="clock_events")
    clock = models.CharField(max_length=20, choices=Clock.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(help_text="When it happened.")
    due = models.DateTimeField(null=True, blank=True, help_text="The clock's due time after it.")
    reason = models.CharField(max_length=255, blank=True)
    calendar = models.CharField(max_length=160, blank=True, help_text="The calendar measured on.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"], name="clock_event_ticket_time")]

    def __str__(self) -> str:
        return f"{self.get_clock_display()} {self.get_kind_display().lower()} on #{self.ticket_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Clock events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("Clock events cannot be deleted.")


class Page(models.Model):
    """A message to the on-call webhook (trigger or resolve), kept like the email outbox: stored
    with the change that caused it, sent after commit, retried with backoff, never lost."""

    class Action(models.TextChoices):
        TRIGGER = "trigger", "Trigger"
        RESOLVE = "resolve", "Resolve"

    Status = Notification.Status  # the same outbox life: queued, sending, sent or failed

    # With exponential backoff capped at ten minutes, this rides out about an hour of outage.
    MAX_ATTEMPTS: ClassVar[int] = 10

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pages")
    webhook = models.ForeignKey(
        "sla.OnCallWebhook", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    summary = models.CharField(max_length=1024)
    severity = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status__in=["queued", "sending"]),
                name="page_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} page for #{self.ticket.number}"


class PageAttempt(models.Model):
    """One try at delivering a page: what the webhook answered, or why it could not."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=500)
    succeeded = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.page} at {self.at:%Y-%m-%d %H:%M:%S}: {self.outcome}"


class TimeEntry(models.Model):
    """Time an agent spent on a ticket, for billing and SLA reporting; added, never edited."""

    # One entry covers at most a working day; longer work is logged day by day.
    MAX_MINUTES: ClassVar[int] = 24 * 60

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="time_entries")
    minutes = models.PositiveIntegerField()
    note = models.CharField(max_length=255, blank=True)
    worked_on = models.DateField(help_text="The day the work was done.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["worked_on", "pk"]
        verbose_name_plural = "time entries"
        indexes = [models.Index(fields=["ticket", "worked_on"], name="time_entry_ticket_day")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=24 * 60),
                name="time_entry_minutes_in_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min by {self.agent} on #{self.ticket.number}"


CANNED_VARIABLE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


class CannedResponseQuerySet(models.QuerySet["CannedResponse"]):
    def for_department(self, department: Department) -> "CannedResponseQuerySet":
        """Active responses an agent may use on a ticket of `department`: its own and global."""
        return self.filter(
            models.Q(department=department) | models.Q(department=None), is_active=True
        )


class CannedResponse(models.Model):
    """A prepared reply agents insert and edit; `{{ variable }}` placeholders are filled in.

    The body is never a template: only the names in `VARIABLES` are replaced, by plain text,
    so nothing typed here (or in a ticket) can run template code.
    """

    VARIABLES: ClassVar[dict[str, str]] = {
        "requester_name": "the requester's name",
        "requester_first_name": "the requester's first name",
        "requester_email": "the requester's email address",
        "ticket_number": "the ticket number",
        "ticket_subject": "the ticket's subject",
        "department_name": "the ticket's department",
        "agent_name": "your name",
        "desk_name": "the help desk's name",
    }

    title = models.CharField(max_length=120)
    body = models.TextField(
        help_text="Plain text. Variables: "
        + ", ".join(f"{{{{ {name} }}}}" for name in VARIABLES)
        + "."
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
        help_text="Empty means every department may use it.",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CannedResponseQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["title"],
                condition=models.Q(department=None),
                name="unique_global_canned_response",
            ),
            models.UniqueConstraint(
                fields=["department", "title"],
                condition=models.Q(department__isnull=False),
                name="unique_department_canned_response",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        unknown = sorted(set(CANNED_VARIABLE.findall(self.body)) - set(self.VARIABLES))
        if unknown:
            raise ValidationError(
                {"body": f"Unknown variable(s): {', '.join(unknown)}. Use only those listed."}
            )

    def render(self, ticket: Ticket, agent: Agent) -> str:
        """The body with its variables filled in from the ticket and the agent, as plain text."""
        values = {
            "requester_name": ticket.requester.name,
            "requester_first_name": ticket.requester.name.split(" ", 1)[0],
            "requester_email": ticket.requester.email,
            "ticket_number": ticket.number,
            "ticket_subject": ticket.subject,
            "department_name": ticket.department.name,
            "agent_name": agent.display_name,
            "desk_name": settings.HELPDESK_NAME,
        }
        return CANNED_VARIABLE.sub(lambda match: values.get(match[1], match[0]), self.body)


class TicketCollaborator(models.Model):
    """Someone besides the requester copied on the ticket: their emails are added to its
    thread and they are sent the agents' replies. Taken from the Cc of the email that opened
    it, or added by an agent on the ticket page."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="collaborators")
    email = models.EmailField(help_text="Stored in lower case.")
    name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["ticket", "email"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "email"], name="one_collaborator_per_email")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.email = normalize_email(self.email)
