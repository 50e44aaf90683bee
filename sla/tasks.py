"""The SLA engine's Celery tasks, run by beat (see settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from sla import jobs
from tickets import paging


@shared_task
def sweep_sla_task() -> None:
    """Warn, mark overdue and escalate what is due; pick up pages a broker outage held back."""
    now = timezone.now()
    paging.requeue_stalled(now=now)
    jobs.requeue_escalations(now=now)
    jobs.sweep(now=now, batch_size=settings.HELPDESK_SLA_BATCH_SIZE)


@shared_task
def run_escalations_task(pending_ids: list[int]) -> int:
    """Carry out escalation actions a sweep recorded (raise priority, reassign, page)."""
    return jobs.run_escalations(pending_ids)


@shared_task
def auto_close_resolved_task() -> None:
    """Close tickets resolved more than HELPDESK_AUTO_CLOSE_DAYS days ago."""
    jobs.auto_close_resolved(now=timezone.now(), days=settings.HELPDESK_AUTO_CLOSE_DAYS)
