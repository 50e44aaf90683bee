"""A ticket's two SLA clocks, first response and resolution, and their timeline.

Operations call one function here where a status, a priority or a plan changes; each one
updates the ticket's clock fields in memory, records `ClockEvent`s, and returns the fields to
save with the operation's own save. Due and warning times come from `sla.deadlines` through
the plan's calendar; the sweep (`sla.jobs`) reads the same triggers and claims them.

The clocks:
* both start when the ticket is opened; the resolution clock starts again on reopen;
* first response stops at the first public agent reply (or at resolve/close, whose notice is
  the first public answer); resolution stops at resolve or close;
* both pause while the ticket awaits the customer, if the plan says so, and resume on the
  customer's answer: the business time spent paused is added to the targets;
* a priority or plan change recomputes the due times from the clocks' starts.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from sla import deadlines
from tickets import paging
from tickets.models import ClockEvent, Ticket

Clock = ClockEvent.Clock
Event = ClockEvent.Kind
Status = Ticket.Status

# Every field a clock change may touch; operations save them with their own fields.
FIELDS = [
    "first_response_due",
    "resolution_due",
    "first_responded_at",
    "first_response_warn_at",
    "resolution_warn_at",
    "first_response_warned_at",
    "first_response_breached_at",
    "resolution_warned_at",
    "resolution_breached_at",
    "sla_started_at",
    "sla_paused_at",
    "sla_paused_for",
    "sla_next_check_at",
    "is_overdue",
]


@dataclass(frozen=True)
class Trigger:
    """A moment the sweep acts on: a clock's warning threshold or its due time."""

    clock: str
    kind: str  # Event.WARNED or Event.BREACHED
    time_field: str  # when it fires
    claim_field: str  # set once, by whoever handles it

    @property
    def is_breach(self) -> bool:
        return self.kind == Event.BREACHED


TRIGGERS = (
    Trigger(
        Clock.FIRST_RESPONSE, Event.WARNED, "first_response_warn_at", "first_response_warned_at"
    ),
    Trigger(
        Clock.FIRST_RESPONSE, Event.BREACHED, "first_response_due", "first_response_breached_at"
    ),
    Trigger(Clock.RESOLUTION, Event.WARNED, "resolution_warn_at", "resolution_warned_at"),
    Trigger(Clock.RESOLUTION, Event.BREACHED, "resolution_due", "resolution_breached_at"),
)


def is_running(ticket: Ticket, clock: str) -> bool:
    if ticket.sla_plan_id is None or not ticket.is_active or ticket.sla_paused_at is not None:
        return False
    return clock == Clock.RESOLUTION or ticket.first_responded_at is None


def pending_at(ticket: Ticket, trigger: Trigger) -> datetime | None:
    """When `trigger` fires, if it is still to fire."""
    if not is_running(ticket, trigger.clock) or getattr(ticket, trigger.claim_field):
        return None
    return getattr(ticket, trigger.time_field)


def due_triggers(ticket: Ticket, now: datetime) -> list[Trigger]:
    return [
        trigger
        for trigger in TRIGGERS
        if (moment := pending_at(ticket, trigger)) is not None and moment <= now
    ]


def next_check(ticket: Ticket) -> datetime | None:
    """The earliest moment the sweep has something to do for this ticket."""
    moments = [moment for trigger in TRIGGERS if (moment := pending_at(ticket, trigger))]
    return min(moments, default=None)


def claim_condition(trigger: Trigger, now: datetime) -> Q:
    """The database's view of "this trigger is due and unclaimed", for the conditional UPDATE
    that lets exactly one caller handle it."""
    condition = Q(
        **{f"{trigger.claim_field}__isnull": True, f"{trigger.time_field}__lte": now},
        sla_paused_at__isnull=True,
        status__in=Ticket.ACTIVE_STATUSES,
    )
    if trigger.clock == Clock.FIRST_RESPONSE:
        condition &= Q(first_responded_at__isnull=True)
    return condition


# ---------------------------------------------------------------------------------------------
# Transitions, called by the operations


def ticket_opened(ticket: Ticket, now: datetime) -> list[ClockEvent]:
    """Start both clocks of a ticket about to be inserted: its due, warning and next-check
    times are set on it, so it goes in with them, and the clock events are returned for
    `record_opening` to save once it has an id."""
    ticket.sla_started_at = now
    events = []
    if ticket.sla_plan_id is not None:
        calendar = _measure(ticket, first_response=True, resolution=True)
        reason = f"Opened under {ticket.sla_plan} at {ticket.priority}"
        events = [
            _event(ticket, clock, Event.STARTED, now, reason, calendar)
            for clock in (Clock.FIRST_RESPONSE, Clock.RESOLUTION)
        ]
    ticket.sla_next_check_at = next_check(ticket)
    return events


def record_opening(events: list[ClockEvent]) -> None:
    """Save the clock events `ticket_opened` returned, once their ticket is inserted."""
    ClockEvent.objects.bulk_create(events)


def first_response_given(ticket: Ticket, now: datetime, *, reason: str) -> list[str]:
    """Stop the first-response clock (the first public answer); returns the fields to save."""
    if ticket.first_responded_at is not None:
        return []
    running = is_running(ticket, Clock.FIRST_RESPONSE)
    ticket.first_responded_at = now
    if running:
        _stop(ticket, Clock.FIRST_RESPONSE, now, reason)
    ticket.sla_next_check_at = next_check(ticket)
    return FIELDS


def status_changed(ticket: Ticket, old: str, new: str, now: datetime) -> list[str]:
    """Pause, resume, stop or restart the clocks for a status change; returns the fields to
    save. Resolving also resolves the ticket's on-call page, if one was sent."""
    if old == new or ticket.sla_plan_id is None:
        return []
    plan = ticket.sla_plan
    if new == Status.AWAITING_CUSTOMER and plan.pause_while_awaiting_customer:
        _pause(ticket, now)
    elif old == Status.AWAITING_CUSTOMER and new == Status.OPEN:
        _resume(ticket, now, "The customer answered")
    elif new in (Status.RESOLVED, Status.CLOSED) and old in Ticket.ACTIVE_STATUSES:
        _resume(ticket, now, "")  # the paused time still counts for the record
        verb = Status(new).label.lower()
        if ticket.first_responded_at is None:  # the notice is the first public answer
            ticket.first_responded_at = now
            _stop(ticket, Clock.FIRST_RESPONSE, now, f"Ticket {verb}: the notice answers")
        _stop(ticket, Clock.RESOLUTION, now, f"Ticket {verb}")
        paging.resolve_incident(ticket)
    elif new == Status.OPEN and old in (Status.RESOLVED, Status.CLOSED):
        _restart_resolution(ticket, now)
    ticket.sla_next_check_at = next_check(ticket)
    return FIELDS


def targets_changed(ticket: Ticket, now: datetime, *, reason: str) -> list[str]:
    """Recompute the due times after a priority or plan change; returns the fields to save.

    A warning or breach that the new due time puts back in the future is armed again.
    """
    first_response = ticket.first_responded_at is None
    resolution = ticket.is_active
    if ticket.sla_plan_id is None:
        ticket.sla_next_check_at = None
        return FIELDS
    calendar = _measure(ticket, first_response=first_response, resolution=resolution)
    for trigger in TRIGGERS:
        moment = getattr(ticket, trigger.time_field)
        if getattr(ticket, trigger.claim_field) and moment and moment > now:
            setattr(ticket, trigger.claim_field, None)
    ticket.is_overdue = bool(ticket.first_response_breached_at or ticket.resolution_breached_at)
    for clock, measured in ((Clock.FIRST_RESPONSE, first_response), (Clock.RESOLUTION, resolution)):
        if measured:
            _record(ticket, clock, Event.RECOMPUTED, now, reason, calendar)
    ticket.sla_next_check_at = next_check(ticket)
    return FIELDS


def _pause(ticket: Ticket, now: datetime) -> None:
    if ticket.sla_paused_at is not None:
        return
    running = [clock for clock in Clock.values if is_running(ticket, clock)]
    ticket.sla_paused_at = now
    for clock in running:
        _record(
            ticket,
            clock,
            Event.PAUSED,
            now,
            "Awaiting the customer",
            ticket.sla_plan.calendar_label,
        )


def _resume(ticket: Ticket, now: datetime, reason: str) -> None:
    """Add the business time spent paused to the targets; `reason` empty: no events."""
    if ticket.sla_paused_at is None:
        return
    calendar = ticket.sla_plan.calendar()
    ticket.sla_paused_for += deadlines.between(calendar, ticket.sla_paused_at, now)
    ticket.sla_paused_at = None
    if not reason:
        return
    first_response = ticket.first_responded_at is None
    _measure(ticket, first_response=first_response, resolution=True, calendar=calendar)
    for clock in Clock.values:
        if is_running(ticket, clock):
            _record(ticket, clock, Event.RESUMED, now, reason, calendar.label)


def _stop(ticket: Ticket, clock: str, now: datetime, reason: str) -> None:
    due = _due(ticket, clock)
    kind = Event.MET if due is None or now <= due else Event.MISSED
    _record(ticket, clock, kind, now, reason, ticket.sla_plan.calendar_label)


def _restart_resolution(ticket: Ticket, now: datetime) -> None:
    ticket.sla_started_at, ticket.sla_paused_at, ticket.sla_paused_for = now, None, timedelta(0)
    ticket.resolution_warned_at = ticket.resolution_breached_at = None
    ticket.is_overdue = False
    calendar = _measure(ticket, first_response=False, resolution=True)
    _record(ticket, Clock.RESOLUTION, Event.STARTED, now, "Reopened", calendar)


def _measure(
    ticket: Ticket,
    *,
    first_response: bool,
    resolution: bool,
    calendar: deadlines.Calendar | None = None,
) -> str:
    """Set the chosen clocks' due and warning times from the plan; returns the calendar's label."""
    plan = ticket.sla_plan
    calendar = calendar or plan.calendar()
    targets = dict(zip(Clock.values, plan.targets(ticket.priority_id), strict=True))
    # Tickets opened before the clocks existed have no recorded start: they began at opening.
    resolution_start = ticket.sla_started_at or ticket.created_at
    starts = {Clock.FIRST_RESPONSE: ticket.created_at, Clock.RESOLUTION: resolution_start}
    for clock, measured in ((Clock.FIRST_RESPONSE, first_response), (Clock.RESOLUTION, resolution)):
        if measured:
            warning, due = plan.clock_times(
                starts[clock], targets[clock], paused=ticket.sla_paused_for, calendar=calendar
            )
            setattr(ticket, f"{clock}_warn_at", warning)
            setattr(ticket, f"{clock}_due", due)
    return calendar.label


def _due(ticket: Ticket, clock: str) -> datetime | None:
    return getattr(ticket, f"{clock}_due")


def _record(
    ticket: Ticket, clock: str, kind: str, now: datetime, reason: str, calendar: str
) -> ClockEvent:
    event = _event(ticket, clock, kind, now, reason, calendar)
    event.save()
    return event


def _event(
    ticket: Ticket, clock: str, kind: str, now: datetime, reason: str, calendar: str
) -> ClockEvent:
    return ClockEvent(
        ticket=ticket,
        clock=clock,
        kind=kind,
        at=now,
        due=_due(ticket, clock),
        reason=reason[:255],
        calendar=calendar,
    )


# ---------------------------------------------------------------------------------------------
# Reading: what the agent panel shows


def timeline(ticket: Ticket) -> list[ClockEvent]:
    """The ticket's clock events, oldest first."""
    return list(ticket.clock_events.all())


@dataclass(frozen=True)
class DueExplanation:
    """Why a clock is due when it is: the target, the time paused, the calendar walk."""

    clock: str
    due: datetime
    calendar: str
    lines: tuple[str, ...]


def explain_due(ticket: Ticket, clock: str) -> DueExplanation | None:
    """The calendar reasoning behind a clock's due time (None without a plan)."""
    plan = ticket.sla_plan
    if plan is None:
        return None
    minutes = dict(zip(Clock.values, plan.targets(ticket.priority_id), strict=True))[clock]
    start = ticket.created_at if clock == Clock.FIRST_RESPONSE else ticket.sla_started_at
    amount = timedelta(minutes=minutes) + ticket.sla_paused_for
    walk = deadlines.explain(plan.calendar(), start or ticket.created_at, amount)
    lines = [
        f"{Clock(clock).label} target under {plan} at {ticket.priority}: "
        f"{deadlines.duration_text(timedelta(minutes=minutes))}.",
    ]
    if ticket.sla_paused_for:
        paused = deadlines.duration_text(ticket.sla_paused_for)
        lines.append(f"Paused while awaiting the customer: {paused} of business time, added.")
    if ticket.sla_paused_at is not None:
        lines.append("Paused now: the due time moves on when the customer answers.")
    return DueExplanation(
        clock=clock, due=walk.due, calendar=walk.calendar, lines=(*lines, *walk.lines)
    )
