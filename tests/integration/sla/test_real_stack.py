"""The SLA engine on the real stack: Celery worker and beat processes on Redis, against the
PostgreSQL test database, mailing through a real SMTP server started by the test."""

import pytest
from django_celery_beat.models import PeriodicTask

from sla.tasks import sweep_sla_task
from tests.conftest import Cast, SmtpSink, plain_text
from tests.integration.sla.conftest import (
    Action,
    CeleryProcesses,
    OwnRedis,
    Trigger,
    add_rule,
    wait_for,
)
from tickets.models import AuditEvent, ClockEvent, Notification, Ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def smtp_env(sink: SmtpSink) -> dict[str, str]:
    return {"EMAIL_HOST": sink.host, "EMAIL_PORT": str(sink.port), "EMAIL_USE_TLS": "false"}


def swept(logs: str) -> bool:
    return "sla.tasks.sweep_sla_task" in logs and "succeeded" in logs


def breaches(ticket: Ticket) -> int:
    return ticket.events.filter(
        kind=AuditEvent.Kind.SLA_BREACHED, note__startswith="Resolution"
    ).count()


def manager_mail(sink: SmtpSink, cast: Cast, ticket: Ticket) -> list[object]:
    return [
        message
        for message in sink.messages
        if cast.manager.email in message["To"]
        and message["Subject"].startswith(f"[#{ticket.number}] Overdue")
    ]


def test_beat_and_a_worker_mark_a_breach_overdue_escalate_and_mail_the_manager(
    cast: Cast, open_breached, smtp_server: SmtpSink, celery_processes: CeleryProcesses
) -> None:
    add_rule(cast.sev_c, Trigger.RESOLUTION_BREACH, Action.NOTIFY_MANAGER)
    add_rule(cast.sev_c, Trigger.RESOLUTION_BREACH, Action.RAISE_PRIORITY)
    ticket = open_breached(hours_ago=80)

    celery_processes.start(beat=True, **smtp_env(smtp_server))

    # The mail and the raised priority are separate tasks (the escalation outbox): wait for both.
    raised = Ticket.objects.filter(pk=ticket.pk, priority=cast.p2)
    wait_for(
        lambda: len(manager_mail(smtp_server, cast, ticket)) == 1 and raised.exists(),
        timeout=60,
        logs=celery_processes.logs,
    )
    ticket.refresh_from_db()
    assert ticket.is_overdue
    assert ticket.priority == cast.p2
    assert breaches(ticket) == 1
    (mail,) = manager_mail(smtp_server, cast, ticket)
    assert "Resolution was due" in plain_text(mail)
    # Beat's schedule came from settings into the database, where admins can change it.
    assert PeriodicTask.objects.get(name="sla-sweep").task == "sla.tasks.sweep_sla_task"


def test_two_workers_sweeping_at_once_record_one_breach_per_ticket(
    cast: Cast, open_breached, celery_processes: CeleryProcesses
) -> None:
    tickets = [open_breached(hours_ago=80, subject=f"Branch {n} is down") for n in range(40)]
    for _worker in range(2):
        celery_processes.start(HELPDESK_SLA_BATCH_SIZE="4")
    celery_processes.wait_until_ready()  # else the first up may take every sweep alone
    for _tick in range(8):  # several beat ticks' worth of sweeps, queued at once
        sweep_sla_task.delay()

    overdue = Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets], is_overdue=True)
    wait_for(lambda: overdue.count() == 40, timeout=60, logs=celery_processes.logs)
    wait_for(
        lambda: celery_processes.logs().count("sweep_sla_task") >= 16,  # received, succeeded
        timeout=60,
        logs=celery_processes.logs,
    )
    for worker in range(2):  # both took part
        assert "sweep_sla_task" in celery_processes.log_of(worker)
    for ticket in tickets:
        assert breaches(ticket) == 1
        assert (
            ticket.clock_events.filter(clock="resolution", kind=ClockEvent.Kind.BREACHED).count()
            == 1
        )


def test_a_broker_outage_during_the_breach_loses_nothing(
    cast: Cast,
    open_breached,
    smtp_server: SmtpSink,
    celery_processes: CeleryProcesses,
    own_redis: OwnRedis,
) -> None:
    add_rule(cast.sev_c, Trigger.RESOLUTION_BREACH, Action.NOTIFY_MANAGER)
    celery_processes.start(beat=True, broker=own_redis.url, **smtp_env(smtp_server))
    wait_for(lambda: swept(celery_processes.logs()), timeout=60, logs=celery_processes.logs)

    own_redis.stop()
    ticket = open_breached(hours_ago=80)  # breaches while the broker is down
    wait_for(
        lambda: "Cannot connect to redis" in celery_processes.logs(),
        timeout=30,
        logs=celery_processes.logs,
    )
    ticket.refresh_from_db()
    assert not ticket.is_overdue  # nothing could run

    own_redis.start()

    wait_for(
        lambda: len(manager_mail(smtp_server, cast, ticket)) == 1,
        timeout=90,
        logs=celery_processes.logs,
    )
    ticket.refresh_from_db()
    assert ticket.is_overdue
    assert breaches(ticket) == 1
    assert ticket.notifications.get(template="sla_breached").status == Notification.Status.SENT
