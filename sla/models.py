"""SLA configuration: plans and their targets, business-hours schedules, escalation rules and
on-call webhooks.

Plans and schedules know nothing of tickets: they turn into a pure `deadlines.Calendar` and
answer "when is this due". Escalation rules, per-priority targets and webhooks name tickets'
teams, departments and priorities by string reference only; the jobs in `sla.jobs` act on them.
"""

from datetime import datetime, time, timedelta
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils import timezone

from helpdesk.remembered import remembered
from sla import deadlines

# A target longer than a year is a typo, not a service level.
MAX_TARGET_MINUTES = 365 * 24 * 60
# Targets are checked against the schedule from this (arbitrary, ordinary) Monday.
_REFERENCE_START = datetime(2026, 1, 5, 0, 0, tzinfo=deadlines.UTC)

target_validators = [MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)]


def validate_time_zone(name: str) -> None:
    try:
        deadlines.zone(name)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class BusinessSchedule(models.Model):
    """When SLA time runs: round the clock, or weekly windows in a time zone minus holidays."""

    name = models.CharField(max_length=80, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="An IANA name such as Europe/London; windows and holidays are in this zone.",
    )
    is_24x7 = models.BooleanField(
        "24×7", default=False, help_text="Time always runs: no windows, no holidays."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return deadlines.calendar_label(self.name, self.time_zone, always_open=self.is_24x7)

    def calendar(self) -> deadlines.Calendar:
        """The pure calendar the deadline arithmetic works on (reads windows and holidays)."""
        if self.is_24x7:
            return deadlines.Calendar(name=self.name, time_zone=self.time_zone, always_open=True)
        return deadlines.Calendar(
            name=self.name,
            time_zone=self.time_zone,
            windows=tuple(window.as_window() for window in self.windows.all()),
            holidays={holiday.date: holiday.name for holiday in self.holidays.all()},
        )


class BusinessWindow(models.Model):
    """Opening hours on one weekday; may run past midnight into the next day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    schedule = models.ForeignKey(BusinessSchedule, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField(help_text="Local time, e.g. 08:00.")
    end = models.TimeField(help_text="Local time, e.g. 18:00.")
    ends_next_day = models.BooleanField(
        default=False, help_text="For hours past midnight: 22:00 to 06:00 the next morning."
    )

    class Meta:
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return self.as_window().label()

    def as_window(self) -> deadlines.Window:
        return deadlines.Window(self.weekday, self.start, self.end, self.ends_next_day)

    def clean(self) -> None:
        if not (isinstance(self.start, time) and isinstance(self.end, time)):
            return  # the fields' own errors are shown
        if problem := self.as_window().problem():
            raise ValidationError(problem)


class Holiday(models.Model):
    """A day the desk is closed under a schedule (windows starting that day do not open)."""

    schedule = models.ForeignKey(
        BusinessSchedule, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date"], name="one_holiday_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class SLAPlan(models.Model):
    """A service level (Sev A … Sev D): how soon a ticket must be answered and resolved."""

    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    first_response_minutes = models.PositiveIntegerField(
        "first response target (minutes)",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
    )
    resolution_minutes = models.PositiveIntegerField(
        "resolution target (minutes)",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
    )
    alerts_enabled = models.BooleanField(
        default=True, help_text="Send overdue alerts and escalate when a target is missed."
    )
    is_active = models.BooleanField("active", default=True)
    schedule = models.ForeignKey(
        BusinessSchedule,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
        help_text="When the clocks run. Empty means round the clock (24×7).",
    )
    warning_percent = models.PositiveSmallIntegerField(
        "warn at (% of target)",
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Warning rules fire once this share of a target has been used.",
    )
    pause_while_awaiting_customer = models.BooleanField(
        default=True, help_text="Stop the clocks while the ticket waits for the customer's answer."
    )

    class Meta:
        ordering = ["first_response_minutes", "name"]
        verbose_name = "SLA plan"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gte=1, resolution_minutes__gte=1),
                name="sla_plan_targets_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="sla_plan_resolution_after_first_response",
            ),
            models.CheckConstraint(
                condition=models.Q(warning_percent__gte=1, warning_percent__lte=99),
                name="sla_plan_warning_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        check_targets(self.first_response_minutes, self.resolution_minutes)
        if self.schedule_id and self.resolution_minutes:
            check_reachable(self.schedule, self.resolution_minutes)

    def calendar(self) -> deadlines.Calendar:
        """The schedule's calendar, remembered: every opened ticket and every sweep asks."""
        if not self.schedule_id:
            return deadlines.ALWAYS_OPEN
        return remembered(f"sla:calendar:{self.schedule_id}", lambda: self.schedule.calendar())

    @property
    def calendar_label(self) -> str:
        """The calendar's name without reading its windows (select_related the schedule)."""
        return self.schedule.label if self.schedule_id else deadlines.ALWAYS_OPEN.label

    def targets(self, priority_id: int | None) -> tuple[int, int]:
        """(first response, resolution) minutes for a ticket of this priority."""
        override = self._override(priority_id) if priority_id and self.pk else ()
        return override or (self.first_response_minutes, self.resolution_minutes)

    def _override(self, priority_id: int) -> tuple[int, int] | tuple[()]:
        def read() -> tuple[int, int] | tuple[()]:
            found = self.priority_targets.filter(priority_id=priority_id).first()
            return (found.first_response_minutes, found.resolution_minutes) if found else ()

        return remembered(f"sla:override:{self.pk}:{priority_id}", read)

    def clock_times(
        self,
        start: datetime,
        minutes: int,
        *,
        paused: timedelta = timedelta(0),
        calendar: deadlines.Calendar | None = None,
    ) -> tuple[datetime, datetime]:
        """(warning, due) of a clock with a `minutes` target started at `start`, after `paused`
        business time spent paused; what the ticket clocks and the simulator both use."""
        calendar = calendar or self.calendar()
        target = timedelta(minutes=minutes)
        warning = deadlines.add(calendar, start, target * self.warning_percent / 100 + paused)
        return warning, deadlines.add(calendar, start, target + paused)

    def due_times(self, start: datetime, priority_id: int | None = None) -> deadlines.DueTimes:
        """The deadlines of a ticket that starts this plan's clocks at `start`."""
        first_response, resolution = self.targets(priority_id)
        return deadlines.due_times(
            start,
            first_response_minutes=first_response,
            resolution_minutes=resolution,
            calendar=self.calendar(),
        )


def check_targets(first_response: int | None, resolution: int | None) -> None:
    if first_response and resolution and resolution < first_response:
        message = "The resolution target cannot come before the first response."
        raise ValidationError({"resolution_minutes": message})


def check_reachable(schedule: BusinessSchedule, minutes: int) -> None:
    """Refuse a target the schedule's business hours could not meet in decades."""
    try:
        deadlines.add(schedule.calendar(), _REFERENCE_START, timedelta(minutes=minutes))
    except ValueError as error:
        raise ValidationError({"schedule": str(error)}) from None


class PriorityTarget(models.Model):
    """A plan's targets for one priority, instead of the plan's own."""

    plan = models.ForeignKey(SLAPlan, on_delete=models.CASCADE, related_name="priority_targets")
    priority = models.ForeignKey("tickets.Priority", on_delete=models.CASCADE, related_name="+")
    first_response_minutes = models.PositiveIntegerField(
        "first response target (minutes)", validators=target_validators
    )
    resolution_minutes = models.PositiveIntegerField(
        "resolution target (minutes)", validators=target_validators
    )

    class Meta:
        ordering = ["plan", "priority__urgency"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "priority"], name="one_target_per_priority"),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="priority_target_resolution_after_first_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} for {self.priority}"

    def clean(self) -> None:
        check_targets(self.first_response_minutes, self.resolution_minutes)


class EscalationRule(models.Model):
    """What to do when a plan's warning threshold or a target is passed."""

    class Trigger(models.TextChoices):
        WARNING = "warning", "Warning threshold reached"
        FIRST_RESPONSE_BREACH = "first_response_breach", "First response overdue"
        RESOLUTION_BREACH = "resolution_breach", "Resolution overdue"

    class Action(models.TextChoices):
        NOTIFY_ASSIGNEE = "notify_assignee", "Notify the assignee"
        NOTIFY_TEAM = "notify_team", "Notify the team"
        NOTIFY_MANAGER = "notify_manager", "Notify the department manager"
        RAISE_PRIORITY = "raise_priority", "Raise the priority one level"
        REASSIGN_TEAM = "reassign_team", "Reassign to a team"
        REASSIGN_DEPARTMENT = "reassign_department", "Transfer to a department"
        PAGE_ON_CALL = "page_on_call", "Page the on-call engineer"

    NOTIFY_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {Action.NOTIFY_ASSIGNEE, Action.NOTIFY_TEAM, Action.NOTIFY_MANAGER}
    )

    plan = models.ForeignKey(SLAPlan, on_delete=models.CASCADE, related_name="escalation_rules")
    trigger = models.CharField(max_length=24, choices=Trigger.choices)
    action = models.CharField(max_length=24, choices=Action.choices)
    team = models.ForeignKey(
        "tickets.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For “Reassign to a team”.",
    )
    department = models.ForeignKey(
        "tickets.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For “Transfer to a department”.",
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["plan", "trigger", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "trigger", "action"], name="one_rule_per_plan_trigger_action"
            ),
            models.CheckConstraint(
                condition=~models.Q(action="reassign_team") | models.Q(team__isnull=False),
                name="reassign_team_rule_has_team",
            ),
            models.CheckConstraint(
                condition=~models.Q(action="reassign_department")
                | models.Q(department__isnull=False),
                name="transfer_rule_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_trigger_display()} → {self.describe()}"

    def describe(self) -> str:
        """The action in words, with its target."""
        if self.action == self.Action.REASSIGN_TEAM and self.team_id:
            return f"reassign to the team {self.team}"
        if self.action == self.Action.REASSIGN_DEPARTMENT and self.department_id:
            return f"transfer to {self.department}"
        return self.get_action_display().lower()

    def clean(self) -> None:
        if self.action == self.Action.REASSIGN_TEAM and not self.team_id:
            raise ValidationError({"team": "Choose the team to reassign to."})
        if self.action == self.Action.REASSIGN_DEPARTMENT and not self.department_id:
            raise ValidationError({"department": "Choose the department to transfer to."})
        if self.team_id and self.action != self.Action.REASSIGN_TEAM:
            raise ValidationError({"team": "Only “Reassign to a team” uses a team."})
        if self.department_id and self.action != self.Action.REASSIGN_DEPARTMENT:
            raise ValidationError({"department": "Only “Transfer to a department” uses one."})


class OnCallWebhook(models.Model):
    """Where to page the on-call engineer: a PagerDuty Events v2 style endpoint, for a plan or
    a department (the plan's wins). The routing key is a secret: never logged or shown."""

    name = models.CharField(max_length=80, unique=True)
    url = models.URLField(
        "events URL",
        max_length=300,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text="e.g. https://events.pagerduty.com/v2/enqueue",
    )
    routing_key = models.CharField(max_length=128, help_text="The integration's routing key.")
    plan = models.OneToOneField(
        SLAPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook"
    )
    department = models.OneToOneField(
        "tickets.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook",
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "on-call webhook"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(plan__isnull=True, department__isnull=False)
                | models.Q(plan__isnull=False, department__isnull=True),
                name="webhook_for_plan_or_department",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if bool(self.plan_id) == bool(self.department_id):
            raise ValidationError("Attach the webhook to an SLA plan or to a department (one).")


class PendingEscalation(models.Model):
    """An escalation action (raise the priority, reassign, transfer, page) a sweep decided on,
    waiting for a worker to carry it out.

    The sweep records these in the transaction that claims the breach, so none is lost, and
    leaves the work to the workers, so a sweep costs what its breaches cost however heavy
    their actions. A row is deleted in the transaction that carries out its action, so each
    action runs exactly once.
    """

    MAX_ATTEMPTS = 5

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="+")
    why = models.TextField(help_text="The breach or warning that called for it.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Failed tries so far; at the limit it is given up and audited."
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["created_at"], name="pending_escalation_age")]

    def __str__(self) -> str:
        return f"{self.rule.describe()} for ticket {self.ticket_id}"
