"""Celery tasks of the core: thin wrappers that take ids and call plain functions."""

from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from tickets import notifications, paging
from tickets.errors import PageNotDelivered
from tickets.models import Notification, Page


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    # The notification's own attempt counter decides when to give up; this only has to be
    # at least as generous.
    max_retries=Notification.MAX_ATTEMPTS,
)
def deliver_notification_task(notification_id: int) -> None:
    """Send one notification from the outbox."""
    notifications.deliver(notification_id)


@shared_task
def enqueue_notifications_task(notification_ids: list[int]) -> None:
    """Queue one delivery per notification: a job that wrote many sends one message here."""
    notifications.enqueue(notification_ids)


@shared_task
def requeue_stalled_notifications_task() -> None:
    """Pick up notifications whose delivery was lost to a broker outage or a dead worker."""
    notifications.requeue_stalled(now=timezone.now())


@shared_task(
    autoretry_for=(PageNotDelivered,),
    retry_backoff=True,
    retry_backoff_max=600,
    # The page's own attempt counter decides when to give up; this only has to be at least
    # as generous.
    max_retries=Page.MAX_ATTEMPTS,
)
def deliver_page_task(page_id: int) -> None:
    """Post one on-call page to its webhook."""
    paging.deliver(page_id)
