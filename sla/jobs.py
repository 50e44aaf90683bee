"""The SLA engine's periodic jobs: the sweep that warns, marks overdue and escalates, and the
daily auto-close of resolved tickets.

The sweep reads only tickets whose `sla_next_check_at` has passed (a partial index), in
batches locked with SKIP LOCKED so that several workers share the work. Each due trigger is
claimed with a conditional UPDATE, so it is handled exactly once whatever the number of
workers, beat ticks or retries; the claim, the events, the notifications and the pending
escalation actions commit together or not at all. Workers then carry out those actions
(`run_escalations`), each exactly once, so the sweep's cost follows its breaches, not the
weight of their actions. A batch that fails is retried one ticket at a time, and a ticket
that still fails has its next check pushed forward, so one bad row never stalls the sweep.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from sla import tasks
from sla.models import EscalationRule, PendingEscalation
from tickets import clocks, notifications, paging
from tickets import operations as ops
from tickets.clocks import Trigger
from tickets.errors import InvalidTransition, TicketError
from tickets.models import Agent, AuditEvent, ClockEvent, Priority, Ticket

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A ticket whose check failed is looked at again after this long.
RETRY_FAILED_AFTER = timedelta(minutes=5)
# Pending escalations per worker task, and how old one is before it counts as lost (its
# task never ran: a broker outage, a dead worker) and is queued again.
ESCALATIONS_PER_TASK = 100
REQUEUE_ESCALATIONS_AFTER = timedelta(minutes=2)
Action = EscalationRule.Action
RuleIndex = dict[tuple[int, str], list[EscalationRule]]


class ClaimConflict(Exception):
    """Someone else claimed part of a batch first; the batch is redone ticket by ticket."""


class SweepFailed(Exception):
    """Some tickets could not be checked; their next check was pushed forward."""


@dataclass
class SweepReport:
    """What one sweep did."""

    checked: int = 0
    warned: int = 0
    breached: int = 0
    escalations: int = 0
    failed: list[int] = field(default_factory=list)


def sweep(*, now: datetime, batch_size: int = BATCH_SIZE) -> SweepReport:
    """Handle every warning and breach due by `now`; raises `SweepFailed` at the end if some
    tickets failed (after handling all the others)."""
    report = SweepReport()
    rules: RuleIndex | None = None  # read once there is something to do
    while True:
        with transaction.atomic():
            ids = _lock_due(now, batch_size)
            if not ids:
                break
            rules = rules if rules is not None else _active_rules()
            _sweep_batch(ids, now, rules, report)
    if report.failed:
        raise SweepFailed(f"SLA check failed for tickets {report.failed}; retried later.")
    return report


def _lock_due(now: datetime, size: int) -> list[int]:
    """Ids of tickets with a check due, locked until commit.

    A lean query on the partial index: with nothing due this is the whole sweep. Another
    worker's rows are skipped, not waited for, so workers share the sweep.
    """
    return list(
        Ticket.objects.filter(sla_next_check_at__lte=now)
        .order_by("sla_next_check_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:size]
    )


def _sweep_batch(ids: list[int], now: datetime, rules: RuleIndex, report: SweepReport) -> None:
    """Handle a locked batch in one savepoint; if it fails, one ticket at a time."""
    batch = list(
        Ticket.objects.filter(pk__in=ids).select_related(
            "sla_plan__schedule",
            "priority",
            "department__manager__user",
            "assignee__user",
            "team",
            "requester",
            "topic__parent",  # named in the alerts' emails
        )
    )
    try:
        with transaction.atomic():
            _handle(batch, now, rules, report)
    except Exception:
        logger.warning("SLA batch failed; checking its %s tickets one by one", len(batch))
        for ticket_id in ids:
            _handle_alone(ticket_id, now, rules, report)
    report.checked += len(batch)


def _handle_alone(ticket_id: int, now: datetime, rules: RuleIndex, report: SweepReport) -> None:
    try:
        with transaction.atomic():
            ticket = Ticket.objects.select_related(
                "sla_plan__schedule", "priority", "department__manager__user", "assignee__user"
            ).get(pk=ticket_id)
            _handle([ticket], now, rules, report)
    except Exception:
        logger.exception(
            "SLA check of ticket %s failed; next try in %s", ticket_id, RETRY_FAILED_AFTER
        )
        Ticket.objects.filter(pk=ticket_id).update(sla_next_check_at=now + RETRY_FAILED_AFTER)
        report.failed.append(ticket_id)


def _handle(batch: list[Ticket], now: datetime, rules: RuleIndex, report: SweepReport) -> None:
    fired = [(ticket, trigger) for ticket in batch for trigger in clocks.due_triggers(ticket, now)]
    _claim(fired, now, alone=len(batch) == 1)
    fired = [(ticket, trigger) for ticket, trigger in fired if getattr(ticket, trigger.claim_field)]
    _reschedule(batch, {ticket.pk for ticket, _trigger in fired}, now)
    events = _record(fired, now)
    pending = PendingEscalation.objects.bulk_create(_escalate(fired, events, rules, report))
    ids = [row.pk for row in pending]
    if ids:
        # robust: a broker outage must not undo the sweep; requeue_escalations finds them.
        transaction.on_commit(lambda: enqueue_escalations(ids), robust=True)


def _reschedule(batch: list[Ticket], touched: set[int], now: datetime) -> None:
    """Save each ticket's next check, and a new version for those the sweep changed: one
    UPDATE per distinct outcome (most share one: nothing left, or the same kind of next step),
    cheaper than a CASE per row."""
    groups: dict[tuple[datetime | None, bool], list[int]] = defaultdict(list)
    for ticket in batch:
        ticket.sla_next_check_at = clocks.next_check(ticket)
        changed = ticket.pk in touched
        if changed:
            ticket.version += 1
            ticket.updated_at = now
        groups[ticket.sla_next_check_at, changed].append(ticket.pk)
    for (next_check, changed), ids in groups.items():
        bump = {"version": F("version") + 1, "updated_at": now} if changed else {}
        Ticket.objects.filter(pk__in=ids).update(sla_next_check_at=next_check, **bump)


def _claim(fired: list[tuple[Ticket, Trigger]], now: datetime, *, alone: bool) -> None:
    """Claim each due trigger with a conditional UPDATE; marks the claimed ones in memory.

    In a batch (rows locked by us) every claim must succeed, else the batch is redone one
    ticket at a time; alone, a claim that finds the trigger already handled is skipped.
    """
    by_trigger: dict[Trigger, list[Ticket]] = defaultdict(list)
    for ticket, trigger in fired:
        by_trigger[trigger].append(ticket)
    for trigger, tickets in by_trigger.items():
        changes: dict[str, object] = {trigger.claim_field: now}
        if trigger.is_breach:
            changes["is_overdue"] = True
        claimed = Ticket.objects.filter(
            clocks.claim_condition(trigger, now), pk__in=[ticket.pk for ticket in tickets]
        ).update(**changes)
        if claimed != len(tickets) and not alone:
            raise ClaimConflict(f"{len(tickets) - claimed} {trigger.claim_field} claims lost")
        if claimed:
            for ticket in tickets:
                for name, value in changes.items():
                    setattr(ticket, name, value)


TEXT = {
    ("first_response", "warned"): "First response due {due}: {percent} % of the target used.",
    ("first_response", "breached"): "First response was due {due}.",
    ("resolution", "warned"): "Resolution due {due}: {percent} % of the target used.",
    ("resolution", "breached"): "Resolution was due {due}.",
}


def _record(fired: list[tuple[Ticket, Trigger]], now: datetime) -> list[AuditEvent]:
    """One clock event and one audit event per fired trigger, written in bulk."""
    clock_events, audit_events = [], []
    for ticket, trigger in fired:
        due = getattr(ticket, f"{trigger.clock}_due")
        text = TEXT[trigger.clock, trigger.kind].format(
            due=f"{due:%a %d %b %Y %H:%M} UTC", percent=ticket.sla_plan.warning_percent
        )
        clock_events.append(
            ClockEvent(
                ticket_id=ticket.pk,  # the id alone: cheaper than the descriptor, 10,000 times
                clock=trigger.clock,
                kind=trigger.kind,
                at=now,
                due=due,
                reason=text,
                calendar=ticket.sla_plan.calendar_label,
            )
        )
        audit_events.append(
            AuditEvent(
                ticket=ticket,
                kind=AuditEvent.Kind.SLA_BREACHED
                if trigger.is_breach
                else AuditEvent.Kind.SLA_WARNING,
                actor_name=ops.SYSTEM_ACTOR_NAME,
                new_value=f"{ticket.sla_plan} {trigger.clock.replace('_', ' ')}",
                note=text,
                ticket_version=ticket.version,
                created_at=now,
            )
        )
    ClockEvent.objects.bulk_create(clock_events)
    return AuditEvent.objects.bulk_create(audit_events)


def _rule_trigger(trigger: Trigger) -> str:
    if not trigger.is_breach:
        return EscalationRule.Trigger.WARNING
    if trigger.clock == ClockEvent.Clock.FIRST_RESPONSE:
        return EscalationRule.Trigger.FIRST_RESPONSE_BREACH
    return EscalationRule.Trigger.RESOLUTION_BREACH


def _active_rules() -> RuleIndex:
    index: RuleIndex = defaultdict(list)
    for rule in EscalationRule.objects.filter(is_active=True).select_related("team", "department"):
        index[rule.plan_id, rule.trigger].append(rule)
    return index


def _escalate(
    fired: list[tuple[Ticket, Trigger]],
    events: list[AuditEvent],
    rules: RuleIndex,
    report: SweepReport,
) -> list[PendingEscalation]:
    """Queue the rules' notifications in bulk; return the other actions, for the workers."""
    breached = {(ticket.pk, trigger.clock) for ticket, trigger in fired if trigger.is_breach}
    mail: list[tuple[AuditEvent, str, list[Agent]]] = []
    deferred: list[PendingEscalation] = []
    for (ticket, trigger), event in zip(fired, events, strict=True):
        report.breached += trigger.is_breach
        report.warned += not trigger.is_breach
        if not trigger.is_breach and (ticket.pk, trigger.clock) in breached:
            continue  # a warning caught up with by its breach: the breach speaks for both
        if not ticket.sla_plan.alerts_enabled:
            continue
        template = "sla_breached" if trigger.is_breach else "sla_warning"
        for rule in rules.get((ticket.sla_plan_id, _rule_trigger(trigger)), []):
            report.escalations += 1
            if rule.action in EscalationRule.NOTIFY_ACTIONS:
                mail.append((event, template, _recipients(ticket, rule.action)))
            else:
                deferred.append(PendingEscalation(ticket=ticket, rule=rule, why=event.note))
    notifications.queue_to(mail)
    return deferred


def _recipients(ticket: Ticket, action: str) -> list[Agent]:
    if action == Action.NOTIFY_ASSIGNEE:
        return [ticket.assignee] if ticket.assignee else []
    if action == Action.NOTIFY_MANAGER:
        manager = ticket.department.manager
        return [manager] if manager else []
    if ticket.team_id is None:
        return []
    return list(ticket.team.members.select_related("user"))


# ---------------------------------------------------------------------------------------------
# Escalation actions, carried out by the workers


def enqueue_escalations(ids: list[int]) -> None:
    for start in range(0, len(ids), ESCALATIONS_PER_TASK):
        tasks.run_escalations_task.delay(ids[start : start + ESCALATIONS_PER_TASK])


def requeue_escalations(*, now: datetime) -> int:
    """Queue again the pending escalations whose task never ran; returns how many."""
    ids = list(
        PendingEscalation.objects.filter(
            created_at__lt=now - REQUEUE_ESCALATIONS_AFTER
        ).values_list("pk", flat=True)[:10_000]
    )
    enqueue_escalations(ids)
    return len(ids)


def run_escalations(ids: list[int]) -> int:
    """Carry out these pending escalations, each exactly once whatever the number of workers
    given the same ids; returns how many this call carried out. One that fails is tried
    again on its next requeue, and given up (with an audit event) after MAX_ATTEMPTS."""
    done = 0
    for pk in ids:
        try:
            done += _run_escalation(pk)
        except Exception:
            logger.exception("SLA escalation %s failed; it will be tried again", pk)
            PendingEscalation.objects.filter(pk=pk).update(attempts=F("attempts") + 1)
    return done


@transaction.atomic
def _run_escalation(pk: int) -> bool:
    pending = (
        PendingEscalation.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("rule__team", "rule__department")
        .filter(pk=pk)
        .first()
    )
    if pending is None:
        return False  # carried out already, or right now by another worker
    rule = pending.rule
    ticket = Ticket.objects.select_related("priority", "sla_plan", "department").get(
        pk=pending.ticket_id
    )
    if pending.attempts >= PendingEscalation.MAX_ATTEMPTS:
        outcome = f"Gave up after {pending.attempts} failed attempts; see the worker's log."
    else:
        try:
            outcome = _act(ticket, rule, pending.why)
        except TicketError as error:  # e.g. the team was deactivated: say so, go on
            outcome = f"could not {rule.describe()}: {error}"
    AuditEvent.objects.create(
        ticket=ticket,
        kind=AuditEvent.Kind.SLA_ESCALATED,
        actor_name=ops.SYSTEM_ACTOR_NAME,
        new_value=rule.describe()[:255],
        note=f"{pending.why} {outcome}",
        # After the operation's own change: the version it left.
        ticket_version=Ticket.objects.values_list("version", flat=True).get(pk=ticket.pk),
    )
    pending.delete()
    return True


def _act(ticket: Ticket, rule: EscalationRule, why: str) -> str:
    """Apply one escalation action through the ticket operations; returns what happened."""
    if rule.action == Action.RAISE_PRIORITY:
        higher = (
            Priority.objects.filter(urgency__lt=ticket.priority.urgency)
            .order_by("-urgency")
            .first()
        )
        if higher is None:
            return f"Already at the most urgent priority ({ticket.priority})."
        ops.triage(ticket, by=None, priority=higher)
        return f"Priority raised from {ticket.priority} to {higher}."
    if rule.action == Action.REASSIGN_TEAM:
        ops.assign_team(ticket, by=None, team=rule.team)
        return f"Reassigned to the team {rule.team}."
    if rule.action == Action.REASSIGN_DEPARTMENT:
        if ticket.department_id == rule.department_id:
            return f"Already in {rule.department}."
        ops.transfer(ticket, by=None, department=rule.department, reason=f"SLA escalation: {why}")
        return f"Transferred to {rule.department}."
    page = paging.trigger(ticket, reason=why)
    if page is None:
        return "No on-call webhook is set up for this plan or department."
    return f"On-call paged through {page.webhook}."


# ---------------------------------------------------------------------------------------------
# Auto-close


def auto_close_resolved(*, now: datetime, days: int, batch_size: int = 200) -> int:
    """Close tickets resolved more than `days` days ago (the requester gets the closing notice);
    returns how many were closed. `days` 0 turns it off."""
    if days <= 0:
        return 0
    cutoff = now - timedelta(days=days)
    reason = f"Closed automatically {days} days after it was resolved."
    closed, skipped = 0, set()
    while True:
        ids = list(
            Ticket.objects.filter(status=Ticket.Status.RESOLVED, resolved_at__lte=cutoff)
            .exclude(pk__in=skipped)
            .order_by("resolved_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return closed
        for ticket_id in ids:
            try:
                ops.close(Ticket(pk=ticket_id), by=None, reason=reason)
                closed += 1
            except InvalidTransition:  # reopened meanwhile
                skipped.add(ticket_id)
            except Exception:
                logger.exception("auto-close of ticket %s failed", ticket_id)
                skipped.add(ticket_id)
