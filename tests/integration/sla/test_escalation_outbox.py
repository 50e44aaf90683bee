"""Escalation actions leave the sweep as pending rows in its transaction; workers carry each
out exactly once, retry failures, give up audibly, and pick up rows whose task was lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sla import jobs, tasks
from sla.models import PendingEscalation
from tests.conftest import Cast, race
from tests.integration.sla.conftest import Action, Trigger, add_rule
from tickets.models import AuditEvent, Ticket

Kind = AuditEvent.Kind


def pending_ids() -> list[int]:
    return list(PendingEscalation.objects.values_list("pk", flat=True))


@pytest.fixture
def raised_on_breach(cast: Cast, open_breached) -> Ticket:
    """A Sev C ticket past its resolution target, whose plan raises the priority at breach."""
    add_rule(cast.sev_c, Trigger.RESOLUTION_BREACH, Action.RAISE_PRIORITY)
    return open_breached(hours_ago=80)


@pytest.mark.django_db
def test_the_sweep_records_the_action_and_a_worker_carries_it_out(
    cast: Cast, raised_on_breach: Ticket, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    queued: list[list[int]] = []
    monkeypatch.setattr(tasks.run_escalations_task, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep(now=timezone.now())

    raised_on_breach.refresh_from_db()
    assert raised_on_breach.is_overdue
    assert raised_on_breach.priority == cast.p3  # not yet: that is the worker's job
    assert queued == [pending_ids()] and len(queued[0]) == 1

    assert jobs.run_escalations(queued[0]) == 1

    raised_on_breach.refresh_from_db()
    assert raised_on_breach.priority == cast.p2
    assert not PendingEscalation.objects.exists()
    assert raised_on_breach.events.filter(kind=Kind.SLA_ESCALATED).count() == 1


@pytest.mark.django_db
def test_running_the_same_escalations_again_changes_nothing(
    cast: Cast, raised_on_breach: Ticket
) -> None:
    jobs.sweep(now=timezone.now())
    ids = pending_ids()

    assert jobs.run_escalations(ids) == 1
    assert jobs.run_escalations(ids) == 0

    raised_on_breach.refresh_from_db()
    assert raised_on_breach.priority == cast.p2  # one level, once
    assert raised_on_breach.events.filter(kind=Kind.PRIORITY_CHANGED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_escalations_carry_out_each_once(
    cast: Cast, open_breached
) -> None:
    add_rule(cast.sev_c, Trigger.RESOLUTION_BREACH, Action.RAISE_PRIORITY)
    tickets = [open_breached(hours_ago=80, subject=f"Outage {n}") for n in range(8)]
    jobs.sweep(now=timezone.now())
    ids = pending_ids()

    done = race(lambda: jobs.run_escalations(ids), lambda: jobs.run_escalations(ids))

    assert sum(done) == 8
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.priority == cast.p2
        assert ticket.events.filter(kind=Kind.SLA_ESCALATED).count() == 1


@pytest.mark.django_db
def test_a_failing_action_is_kept_for_a_retry_then_given_up_audibly(
    cast: Cast, raised_on_breach: Ticket, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs.sweep(now=timezone.now())
    ids = pending_ids()

    def broken(*args: object) -> str:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(jobs, "_act", broken)
    for _ in range(PendingEscalation.MAX_ATTEMPTS):
        assert jobs.run_escalations(ids) == 0
    assert PendingEscalation.objects.get().attempts == PendingEscalation.MAX_ATTEMPTS
    assert not raised_on_breach.events.filter(kind=Kind.SLA_ESCALATED).exists()

    assert jobs.run_escalations(ids) == 1

    given_up = raised_on_breach.events.get(kind=Kind.SLA_ESCALATED)
    assert "Gave up after 5 failed attempts" in given_up.note
    assert not PendingEscalation.objects.exists()


@pytest.mark.django_db
def test_escalations_whose_task_was_lost_are_queued_again(
    raised_on_breach: Ticket, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[list[int]] = []
    monkeypatch.setattr(tasks.run_escalations_task, "delay", queued.append)
    jobs.sweep(now=timezone.now())  # its on-commit enqueue never runs here: "lost"
    now = timezone.now()

    assert jobs.requeue_escalations(now=now) == 0  # too young to be called lost
    assert jobs.requeue_escalations(now=now + timedelta(minutes=3)) == 1
    assert queued == [pending_ids()]
