"""Paging the on-call engineer through a webhook in the shape of PagerDuty's Events API v2.

Like the email outbox: a `Page` row is written in the transaction that decides to page, a
worker posts it after commit, failures (timeouts, 5xx, 429) are retried with backoff and every
attempt is kept as a `PageAttempt`. A page whose enqueue was lost to a broker outage is picked
up again by `requeue_stalled`. The routing key is a secret: it goes in the request body only,
and never into a log line or a recorded outcome.
"""

import logging
import time
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from sla.models import OnCallWebhook
from tickets import tasks
from tickets.errors import PageNotDelivered
from tickets.models import Page, PageAttempt, Ticket

logger = logging.getLogger(__name__)

# PagerDuty's severities, from our priorities' urgency (1 is the most urgent).
SEVERITY_BY_URGENCY = {1: "critical", 2: "error", 3: "warning"}
STALLED_AFTER = timedelta(minutes=15)
LOST_AFTER = timedelta(minutes=1)
REQUEUE_BATCH = 200


def webhook_for(ticket: Ticket) -> OnCallWebhook | None:
    """The plan's webhook, else the department's; None if neither has an active one."""
    candidates = OnCallWebhook.objects.filter(is_active=True).filter(
        Q(plan_id=ticket.sla_plan_id) | Q(department_id=ticket.department_id)
    )
    return candidates.order_by(F("plan_id").asc(nulls_last=True)).first()


def trigger(ticket: Ticket, *, reason: str) -> Page | None:
    """Page on-call about the ticket (deduplicated by its number); None without a webhook."""
    webhook = webhook_for(ticket)
    if webhook is None:
        return None
    summary = f"[#{ticket.number}] {ticket.subject} — {reason}"
    severity = SEVERITY_BY_URGENCY.get(ticket.priority.urgency, "info")
    return _store(ticket, webhook, Page.Action.TRIGGER, summary, severity)


def resolve_incident(ticket: Ticket) -> Page | None:
    """Tell the webhook the incident is over, if the ticket was paged."""
    paged = ticket.pages.filter(action=Page.Action.TRIGGER).select_related("webhook").last()
    if paged is None or paged.webhook is None:
        return None
    summary = f"[#{ticket.number}] resolved"
    return _store(ticket, paged.webhook, Page.Action.RESOLVE, summary, paged.severity)


def _store(
    ticket: Ticket, webhook: OnCallWebhook, action: str, summary: str, severity: str
) -> Page:
    page = Page.objects.create(
        ticket=ticket, webhook=webhook, action=action, summary=summary[:1024], severity=severity
    )
    # robust: the page is stored; a broker outage only delays it (see requeue_stalled).
    transaction.on_commit(lambda: tasks.deliver_page_task.delay(page.pk), robust=True)
    return page


def payload(page: Page) -> dict[str, Any]:
    """The Events API v2 body for `page`."""
    ticket = page.ticket
    body: dict[str, Any] = {
        "routing_key": page.webhook.routing_key,
        "event_action": page.action,
        "dedup_key": ticket.number,
    }
    if page.action == Page.Action.TRIGGER:
        link = settings.SITE_URL + reverse("agents:ticket", args=[ticket.number])
        body["payload"] = {
            "summary": page.summary,
            "severity": page.severity,
            "source": settings.HELPDESK_NAME,
            "component": ticket.department.name,
            "group": ticket.sla_plan.name if ticket.sla_plan else "",
            "class": str(ticket.priority),
            "custom_details": {"ticket": ticket.number, "subject": ticket.subject},
        }
        body["links"] = [{"href": link, "text": f"Ticket #{ticket.number}"}]
    return body


def deliver(page_id: int) -> None:
    """Post one queued page. Safe to call twice: only one caller claims it."""
    claimed = Page.objects.filter(pk=page_id, status=Page.Status.QUEUED).update(
        status=Page.Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return
    page = Page.objects.select_related("webhook", "ticket__department", "ticket__priority").get(
        pk=page_id
    )
    if page.webhook is None:  # deleted meanwhile: nobody to page
        _finish(page, Page.Status.FAILED, "The webhook was deleted.")
        return
    started = time.monotonic()
    retry, status_code, outcome = _post(page)
    elapsed = int((time.monotonic() - started) * 1000)
    succeeded = status_code is not None and 200 <= status_code < 300
    PageAttempt.objects.create(
        page=page,
        status_code=status_code,
        outcome=outcome[:500],
        succeeded=succeeded,
        duration_ms=elapsed,
    )
    if succeeded:
        _finish(page, Page.Status.SENT, "", sent_at=timezone.now())
        return
    gave_up = not retry or page.attempts >= Page.MAX_ATTEMPTS
    _finish(page, Page.Status.FAILED if gave_up else Page.Status.QUEUED, outcome)
    logger.warning(
        "page %s via %s attempt %s: %s", page.pk, page.webhook.name, page.attempts, outcome
    )
    if not gave_up:
        raise PageNotDelivered(outcome)


def _post(page: Page) -> tuple[bool, int | None, str]:
    """(worth retrying, HTTP status, what happened), with the routing key never in the text."""
    key = page.webhook.routing_key
    try:
        response = requests.post(
            page.webhook.url, json=payload(page), timeout=settings.HELPDESK_PAGING_TIMEOUT
        )
    except requests.RequestException as error:
        return True, None, _redact(f"{type(error).__name__}: {error}", key)
    text = _redact(f"HTTP {response.status_code}: {response.text[:200]}", key)
    retry = response.status_code == 429 or response.status_code >= 500
    return retry, response.status_code, text


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "[routing key]") if secret else text


def _finish(page: Page, status: str, error: str, **fields: datetime) -> None:
    Page.objects.filter(pk=page.pk).update(status=status, last_error=error[:2000], **fields)


def requeue_stalled(*, now: datetime) -> int:
    """Send again what a dead worker or a lost enqueue left behind; returns how many."""
    Page.objects.filter(status=Page.Status.SENDING, claimed_at__lt=now - STALLED_AFTER).update(
        status=Page.Status.QUEUED
    )
    ids = list(
        Page.objects.filter(status=Page.Status.QUEUED, created_at__lt=now - LOST_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    for page_id in ids:
        tasks.deliver_page_task.delay(page_id)
    return len(ids)
