"""The SLA sweep, called as beat's task calls it: warnings, breaches, escalation, exactly once."""

import threading
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sla import jobs
from sla.models import PendingEscalation
from sla.tasks import auto_close_resolved_task
from tests.conftest import Cast, race
from tests.integration.sla.conftest import Action, Trigger, add_rule
from tickets import operations as ops
from tickets import tasks
from tickets.models import AuditEvent, ClockEvent, Page, Ticket
from tickets.notifications import compose

Kind = AuditEvent.Kind


def breach_events(ticket: Ticket) -> list[AuditEvent]:
    return list(ticket.events.filter(kind=Kind.SLA_BREACHED))


def sweep_and_escalate(now: datetime) -> None:
    """A sweep, then what the workers do with the escalations it recorded."""
    jobs.sweep(now=now)
    jobs.run_escalations(list(PendingEscalation.objects.values_list("pk", flat=True)))


@pytest.mark.django_db
def test_a_breached_ticket_is_marked_overdue_once(cast: Cast, open_breached) -> None:
    ticket = open_breached(hours_ago=5, topic=cast.outage)  # Sev A: 15 min / 4 h, 24×7

    report = jobs.sweep(now=timezone.now())
    jobs.sweep(now=timezone.now())

    ticket.refresh_from_db()
    assert ticket.is_overdue
    assert ticket.first_response_breached_at is not None
    assert ticket.resolution_breached_at is not None
    assert ticket.sla_next_check_at is None  # nothing left to watch
    assert (report.breached, report.warned) == (2, 2)
    events = breach_events(ticket)
    assert [event.actor_name for event in events] == ["System", "System"]
    assert "Resolution was due" in events[1].note
    kinds = list(ticket.clock_events.values_list("clock", "kind"))
    assert kinds.count(("resolution", ClockEvent.Kind.BREACHED)) == 1
    assert ticket.events.filter(kind=Kind.SLA_WARNING).count() == 2


@pytest.mark.django_db
def test_nothing_happens_before_the_warning_threshold(cast: Cast, open_breached) -> None:
    ticket = open_breached(hours_ago=0.1, topic=cast.outage)  # 6 of 15 minutes used

    report = jobs.sweep(now=timezone.now())

    assert report.checked == 0
    ticket.refresh_from_db()
    assert not ticket.is_overdue
    assert ticket.sla_next_check_at == ticket.first_response_warn_at


@pytest.mark.django_db
def test_the_warning_notifies_the_assignee_after_commit(
    cast: Cast, open_breached, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    handed_over: list[object] = []  # broker messages: an id, or a batch a worker fans out
    monkeypatch.setattr(tasks.enqueue_notifications_task, "delay", handed_over.append)
    monkeypatch.setattr(tasks.deliver_notification_task, "delay", handed_over.append)
    add_rule(cast.sev_a, Trigger.WARNING, Action.NOTIFY_ASSIGNEE)
    ticket = ops.assign(
        open_breached(hours_ago=0.2, topic=cast.outage), by=cast.tier1, agent=cast.sysadmin_agent
    )

    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep(now=timezone.now())
        assert handed_over == []

    ticket.refresh_from_db()
    assert ticket.first_response_warned_at is not None
    assert not ticket.is_overdue
    warning = ticket.notifications.get(template="sla_warning")
    assert warning.recipient_email == cast.sysadmin_agent.email
    assert "75 % of the target used" in compose(warning).body
    assert handed_over == [warning.pk]


@pytest.mark.django_db
def test_a_breach_runs_the_plans_escalation_through_the_operations(
    cast: Cast, open_breached
) -> None:
    add_rule(cast.sev_c, Trigger.RESOLUTION_BREACH, Action.NOTIFY_MANAGER)
    add_rule(cast.sev_c, Trigger.RESOLUTION_BREACH, Action.RAISE_PRIORITY)
    add_rule(cast.sev_c, Trigger.RESOLUTION_BREACH, Action.REASSIGN_TEAM, team=cast.major_incident)
    ticket = open_breached(hours_ago=80)  # Sev C: 3 days to resolve, 24×7 in the cast

    sweep_and_escalate(timezone.now())

    ticket.refresh_from_db()
    assert ticket.priority == cast.p2  # P3 → P2, one level
    assert ticket.team == cast.major_incident
    alert = ticket.notifications.get(template="sla_breached")
    assert alert.recipient_email == cast.manager.email
    raised = ticket.events.get(kind=Kind.PRIORITY_CHANGED)
    assert (raised.actor_name, raised.old_value, raised.new_value) == (
        "System",
        "P3 Normal",
        "P2 High",
    )
    escalations = list(
        ticket.events.filter(kind=Kind.SLA_ESCALATED).values_list("new_value", flat=True)
    )
    assert escalations == [
        "raise the priority one level",
        "reassign to the team Major Incident Team",
    ]
    # Raising the priority recomputed the due times; the breach stays recorded once.
    assert ticket.clock_events.filter(kind=ClockEvent.Kind.RECOMPUTED).exists()
    assert len(breach_events(ticket)) == 2  # first response and resolution


@pytest.mark.django_db
def test_transfer_escalation_says_why(cast: Cast, open_breached) -> None:
    add_rule(
        cast.sev_c,
        Trigger.FIRST_RESPONSE_BREACH,
        Action.REASSIGN_DEPARTMENT,
        department=cast.sysadmin,
    )
    ticket = open_breached(hours_ago=5)

    sweep_and_escalate(timezone.now())

    ticket.refresh_from_db()
    assert ticket.department == cast.sysadmin
    transfer = ticket.events.get(kind=Kind.TRANSFERRED)
    assert transfer.note.startswith("SLA escalation: First response was due")


@pytest.mark.django_db
def test_alerts_off_marks_overdue_without_escalating(cast: Cast, open_breached) -> None:
    cast.sev_c.alerts_enabled = False
    cast.sev_c.save()
    add_rule(cast.sev_c, Trigger.RESOLUTION_BREACH, Action.NOTIFY_MANAGER)
    ticket = open_breached(hours_ago=80)

    jobs.sweep(now=timezone.now())

    ticket.refresh_from_db()
    assert ticket.is_overdue
    assert not ticket.notifications.filter(template="sla_breached").exists()


@pytest.mark.django_db
def test_a_paused_ticket_does_not_breach(cast: Cast, open_breached) -> None:
    ticket = open_breached(hours_ago=0.05)
    ops.reply(ticket, by=cast.tier1, body="Which branch?", status="awaiting_customer")
    Ticket.objects.filter(pk=ticket.pk).update(sla_next_check_at=timezone.now())  # a stale check

    jobs.sweep(now=timezone.now() + timedelta(days=30))

    ticket.refresh_from_db()
    assert not ticket.is_overdue
    assert ticket.resolution_breached_at is None
    assert ticket.sla_next_check_at is None


@pytest.mark.django_db
def test_paging_escalation_stores_a_page_for_the_plans_webhook(
    cast: Cast, open_breached, sev_a_webhook, enqueued: list[int]
) -> None:
    add_rule(cast.sev_a, Trigger.RESOLUTION_BREACH, Action.PAGE_ON_CALL)
    ticket = open_breached(hours_ago=5, topic=cast.outage)

    sweep_and_escalate(timezone.now())

    page = ticket.pages.get()
    assert (page.action, page.severity, page.webhook) == (
        Page.Action.TRIGGER,
        "critical",
        sev_a_webhook,
    )
    assert ticket.events.filter(kind=Kind.SLA_ESCALATED, note__contains="On-call paged").exists()


@pytest.mark.django_db
def test_one_failing_ticket_is_postponed_and_the_others_are_handled(
    cast: Cast, open_breached, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, bad = open_breached(hours_ago=80), open_breached(hours_ago=80, subject="Poison")
    record = jobs._record

    def fail_for_bad(fired, now):  # noqa: ANN001, ANN202 - a stand-in for the real one
        if any(ticket.pk == bad.pk for ticket, _trigger in fired):
            raise RuntimeError("bad row")
        return record(fired, now)

    monkeypatch.setattr(jobs, "_record", fail_for_bad)
    now = timezone.now()

    with pytest.raises(jobs.SweepFailed, match=str(bad.pk)):
        jobs.sweep(now=now)

    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.is_overdue
    assert not bad.is_overdue
    assert bad.sla_next_check_at == now + jobs.RETRY_FAILED_AFTER
    assert not breach_events(bad)


def _sweep_queries(now: datetime) -> int:
    """Statements sent, savepoints aside (the test's transaction turns atomic() into them)."""
    with CaptureQueriesContext(connection) as queries:
        jobs.sweep(now=now)
    return sum("SAVEPOINT" not in query["sql"] for query in queries)


@pytest.mark.django_db
def test_a_sweeps_queries_grow_with_breaching_tickets_not_open_ones(
    cast: Cast, open_breached
) -> None:
    add_rule(cast.sev_c, Trigger.RESOLUTION_BREACH, Action.NOTIFY_MANAGER)
    now = timezone.now()
    assert _sweep_queries(now) == 1  # the index probe alone

    for _ in range(3):
        open_breached(hours_ago=80)
    _sweep_queries(now)  # reads what is remembered from then on: calendar, email wording
    for _ in range(3):
        open_breached(hours_ago=80)
    with_three = _sweep_queries(now)
    for _ in range(3):
        open_breached(hours_ago=80)
    for _ in range(30):
        open_breached(hours_ago=1)  # open, nothing due
    with_three_more_and_thirty_quiet = _sweep_queries(now)

    assert with_three_more_and_thirty_quiet == with_three  # batched: per batch, not per row
    assert _sweep_queries(now) == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_handle_each_breach_exactly_once(
    cast: Cast, open_breached, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = [open_breached(hours_ago=80, subject=f"Outage {n}") for n in range(12)]
    claim = jobs._claim

    def slow_claim(*args: object, **kwargs: object) -> None:
        claim(*args, **kwargs)
        threading.Event().wait(0.05)  # hold the batch's locks while the other sweep runs

    monkeypatch.setattr(jobs, "_claim", slow_claim)

    def sweep() -> jobs.SweepReport:
        return jobs.sweep(now=timezone.now(), batch_size=3)

    reports = race(sweep, sweep)

    assert sorted(report.breached > 0 for report in reports) == [True, True]  # both worked
    assert sum(report.breached for report in reports) == 24
    for ticket in tickets:
        assert len(breach_events(ticket)) == 2
        assert ticket.clock_events.filter(kind=ClockEvent.Kind.BREACHED).count() == 2


@pytest.mark.django_db
def test_resolved_tickets_close_after_the_configured_days_with_a_notice(
    cast: Cast, open_breached, settings
) -> None:
    settings.HELPDESK_AUTO_CLOSE_DAYS = 7
    old, recent = open_breached(hours_ago=1), open_breached(hours_ago=1, subject="Recent")
    with time_machine.travel(timezone.now() - timedelta(days=8), tick=False):
        ops.resolve(
            old, by=cast.tier1, root_cause="Cache", resolution="Cleared", category="incident"
        )
    ops.resolve(
        recent, by=cast.tier1, root_cause="Cache", resolution="Cleared", category="incident"
    )

    auto_close_resolved_task()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == Ticket.Status.CLOSED
    assert recent.status == Ticket.Status.RESOLVED
    closed = old.events.get(kind=Kind.CLOSED)
    assert (closed.actor_name, closed.note) == (
        "System",
        "Closed automatically 7 days after it was resolved.",
    )
    notice = old.notifications.get(template="ticket_auto_closed")
    assert notice.recipient_email == cast.requester.email
    assert "Closed automatically" in compose(notice).body
