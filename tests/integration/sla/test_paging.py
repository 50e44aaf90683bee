"""On-call paging through a real worker to a local HTTP receiver standing in for PagerDuty."""

import logging

import pytest
from django.utils import timezone

from sla import jobs
from sla.models import OnCallWebhook
from tests.conftest import Cast, wait_until
from tests.integration.sla.conftest import ROUTING_KEY, Action, Receiver, Trigger, add_rule
from tickets import operations as ops
from tickets import paging
from tickets.models import Page, Ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


@pytest.fixture
def paged_outage(cast: Cast, open_breached, sev_a_webhook) -> Ticket:
    """A Sev A outage past its resolution target, whose plan pages on-call at breach."""
    add_rule(cast.sev_a, Trigger.RESOLUTION_BREACH, Action.PAGE_ON_CALL)
    return open_breached(hours_ago=5, topic=cast.outage)


def sent(ticket: Ticket) -> bool:
    return ticket.pages.filter(status=Page.Status.SENT).exists()


def test_the_receiver_gets_a_pagerduty_style_trigger(
    paged_outage: Ticket, page_receiver: Receiver, celery_worker: None
) -> None:
    jobs.sweep(now=timezone.now())

    wait_until(lambda: sent(paged_outage))
    (body,) = page_receiver.bodies
    assert body["routing_key"] == ROUTING_KEY
    assert body["event_action"] == "trigger"
    assert body["dedup_key"] == paged_outage.number
    assert body["payload"]["severity"] == "critical"
    assert body["payload"]["summary"].startswith(f"[#{paged_outage.number}] Online and mobile")
    assert "Resolution was due" in body["payload"]["summary"]
    assert body["payload"]["source"] == "IT Help Desk"
    assert body["links"][0]["text"] == f"Ticket #{paged_outage.number}"
    # The on-call engineer lands on the ticket in the agent panel.
    assert body["links"][0]["href"].endswith(f"/agents/tickets/{paged_outage.number}/")
    attempt = paged_outage.pages.get().attempt_log.get()
    assert (attempt.status_code, attempt.succeeded) == (202, True)


def test_a_failing_receiver_is_retried_until_it_accepts(
    paged_outage: Ticket, page_receiver: Receiver, celery_worker: None
) -> None:
    page_receiver.failures = 2

    jobs.sweep(now=timezone.now())

    wait_until(lambda: sent(paged_outage), timeout=30)
    page = paged_outage.pages.get()
    assert page.attempts == 3
    codes = list(page.attempt_log.values_list("status_code", "succeeded"))
    assert codes == [(500, False), (500, False), (202, True)]
    assert len(page_receiver.bodies) == 1


def test_a_receiver_that_times_out_is_retried(
    paged_outage: Ticket, page_receiver: Receiver, celery_worker: None, settings
) -> None:
    settings.HELPDESK_PAGING_TIMEOUT = 1
    page_receiver.stalls, page_receiver.stall_seconds = 1, 2.5

    jobs.sweep(now=timezone.now())

    wait_until(lambda: sent(paged_outage), timeout=30)
    first, second = paged_outage.pages.get().attempt_log.all()
    assert first.status_code is None and "Timeout" in first.outcome
    assert second.succeeded


def test_resolving_a_paged_ticket_sends_the_resolve_event(
    cast: Cast, paged_outage: Ticket, page_receiver: Receiver, celery_worker: None
) -> None:
    jobs.sweep(now=timezone.now())
    wait_until(lambda: sent(paged_outage))

    ops.resolve(
        paged_outage,
        by=cast.sysadmin_agent,
        root_cause="Pool",
        resolution="Fixed",
        category="incident",
    )

    wait_until(lambda: len(page_receiver.bodies) == 2)
    resolve = page_receiver.bodies[1]
    assert (resolve["event_action"], resolve["dedup_key"]) == ("resolve", paged_outage.number)
    assert "payload" not in resolve


def test_the_routing_key_never_reaches_logs_or_recorded_outcomes(
    paged_outage: Ticket,
    page_receiver: Receiver,
    celery_worker: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    page_receiver.failures = 1  # its error answer echoes the routing key back
    caplog.set_level(logging.DEBUG)

    jobs.sweep(now=timezone.now())

    wait_until(lambda: sent(paged_outage), timeout=30)
    failed = paged_outage.pages.get().attempt_log.first()
    assert "[routing key]" in failed.outcome
    assert all(
        ROUTING_KEY not in attempt.outcome for attempt in paged_outage.pages.get().attempt_log.all()
    )
    assert ROUTING_KEY not in caplog.text


@pytest.mark.parametrize("webhook_on", ["plan", "department"])
def test_the_plans_webhook_wins_over_the_departments(
    cast: Cast, open_breached, page_receiver: Receiver, webhook_on: str
) -> None:
    department_hook = OnCallWebhook.objects.create(
        name="SysAdmin department",
        url=page_receiver.url,
        routing_key="dept",
        department=cast.sysadmin,
    )
    ticket = open_breached(hours_ago=0, topic=cast.outage)
    if webhook_on == "plan":
        plan_hook = OnCallWebhook.objects.create(
            name="Sev A", url=page_receiver.url, routing_key="plan", plan=cast.sev_a
        )
        assert paging.webhook_for(ticket) == plan_hook
    else:
        assert paging.webhook_for(ticket) == department_hook
