"""Inbound email's Celery task, run by beat (see settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.utils import timezone

from mail import imap


@shared_task
def poll_mailboxes_task() -> None:
    """Fetch and receive the unseen messages of every active IMAP mailbox."""
    imap.poll_all(now=timezone.now())
