"""A ticket's SLA clocks through its life, with time frozen (time-machine)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.models import PriorityTarget, SLAPlan
from tests.conftest import Cast, OpenTicket
from tickets import clocks
from tickets import operations as ops
from tickets.models import ClockEvent, Ticket

LONDON = ZoneInfo("Europe/London")
Kind = ClockEvent.Kind
FIRST, RESOLUTION = ClockEvent.Clock.FIRST_RESPONSE, ClockEvent.Clock.RESOLUTION

pytestmark = pytest.mark.django_db


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def events(ticket: Ticket) -> list[tuple[str, str]]:
    return [(event.clock, event.kind) for event in clocks.timeline(ticket)]


def test_opening_starts_both_clocks_on_the_plans_calendar(
    office_hours: SLAPlan, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(at(2026, 3, 6, 17, 0), tick=False):  # Friday, an hour to closing
        ticket = open_ticket()

    assert ticket.first_response_due == at(2026, 3, 9, 11, 0)  # 4 business hours
    assert ticket.first_response_warn_at == at(2026, 3, 9, 10, 0)  # 75 % of them
    assert ticket.resolution_due == at(2026, 3, 18, 9, 0)  # 72 business hours
    assert ticket.sla_next_check_at == ticket.first_response_warn_at
    assert events(ticket) == [(FIRST, Kind.STARTED), (RESOLUTION, Kind.STARTED)]
    started = clocks.timeline(ticket)[0]
    assert started.calendar == "UK office hours (Europe/London)"
    assert started.due == ticket.first_response_due


def test_the_first_public_reply_meets_the_first_response_clock(
    cast: Cast, office_hours: SLAPlan, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        ticket = open_ticket()
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=False):
        ops.add_note(ticket, by=cast.tier1, body="Looking.")  # internal: no answer yet
        ticket.refresh_from_db()
        assert ticket.first_responded_at is None
        ops.reply(ticket, by=cast.tier1, body="We are on it.")

    ticket.refresh_from_db()
    assert ticket.first_responded_at == at(2026, 3, 9, 10, 0)
    assert events(ticket)[-1] == (FIRST, Kind.MET)
    assert ticket.sla_next_check_at == ticket.resolution_warn_at


def test_a_late_first_reply_is_recorded_as_missed(
    cast: Cast, office_hours: SLAPlan, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        ticket = open_ticket()
    with time_machine.travel(at(2026, 3, 10, 9, 0), tick=False):
        ops.reply(ticket, by=cast.tier1, body="Sorry for the wait.")

    assert events(ticket)[-1] == (FIRST, Kind.MISSED)


def test_awaiting_the_customer_pauses_and_their_answer_resumes_with_the_time_added(
    cast: Cast, office_hours: SLAPlan, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        ticket = open_ticket()
    due_before = ticket.resolution_due
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=False):
        ops.reply(ticket, by=cast.tier1, body="Which browser?", status="awaiting_customer")
    ticket.refresh_from_db()
    assert ticket.sla_paused_at == at(2026, 3, 9, 10, 0)
    assert ticket.sla_next_check_at is None  # nothing can breach while paused

    # Answered the next morning: 08:00 on the 10th; 10:00–18:00 and 08:00–09:30 were paused.
    with time_machine.travel(at(2026, 3, 10, 9, 30), tick=False):
        ops.add_customer_message(ticket, by=cast.requester, body="Edge.")

    ticket.refresh_from_db()
    assert ticket.sla_paused_at is None
    assert ticket.sla_paused_for == timedelta(hours=9, minutes=30)
    assert ticket.resolution_due == due_before + timedelta(hours=9, minutes=30) + timedelta(
        hours=14
    )  # the 9.5 business hours push it across one more night
    assert events(ticket)[-2:] == [(RESOLUTION, Kind.PAUSED), (RESOLUTION, Kind.RESUMED)]
    assert clocks.timeline(ticket)[-1].due == ticket.resolution_due


def test_a_plan_that_keeps_counting_does_not_pause(
    cast: Cast, office_hours: SLAPlan, open_ticket: OpenTicket
) -> None:
    office_hours.pause_while_awaiting_customer = False
    office_hours.save()
    ticket = open_ticket()

    ops.reply(ticket, by=cast.tier1, body="Which browser?", status="awaiting_customer")

    ticket.refresh_from_db()
    assert ticket.sla_paused_at is None
    assert ticket.sla_next_check_at is not None


def test_raising_the_priority_recomputes_from_the_opening_with_its_own_targets(
    cast: Cast, office_hours: SLAPlan, open_ticket: OpenTicket
) -> None:
    PriorityTarget.objects.create(
        plan=office_hours, priority=cast.p1, first_response_minutes=30, resolution_minutes=120
    )
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        ticket = open_ticket()
    with time_machine.travel(at(2026, 3, 9, 9, 10), tick=False):
        ticket = ops.triage(ticket, by=cast.tier1, priority=cast.p1)

    assert ticket.first_response_due == at(2026, 3, 9, 9, 30)
    assert ticket.resolution_due == at(2026, 3, 9, 11, 0)
    recomputed = clocks.timeline(ticket)[-1]
    assert (recomputed.kind, recomputed.reason) == (Kind.RECOMPUTED, "P3 Normal → P1 Emergency")


def test_a_later_due_time_rearms_a_breach(
    cast: Cast, office_hours: SLAPlan, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        ticket = open_ticket(topic=cast.outage)  # Sev A, 24×7: first response in 15 min
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_breached_at=at(2026, 3, 9, 9, 15), is_overdue=True
    )
    with time_machine.travel(at(2026, 3, 9, 9, 20), tick=False):
        ticket = ops.triage(ticket, by=cast.tier1, sla_plan=office_hours)

    assert ticket.first_response_due == at(2026, 3, 9, 13, 0)
    assert ticket.first_response_breached_at is None
    assert not ticket.is_overdue
    assert ticket.sla_next_check_at == at(2026, 3, 9, 12, 0)


def test_resolving_stops_both_clocks_and_reopening_restarts_resolution(
    cast: Cast, office_hours: SLAPlan, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        ticket = open_ticket()
    with time_machine.travel(at(2026, 3, 9, 12, 0), tick=False):
        ticket = ops.resolve(
            ticket, by=cast.tier1, root_cause="Cache", resolution="Cleared", category="incident"
        )
    assert ticket.sla_next_check_at is None
    assert ticket.first_responded_at == at(2026, 3, 9, 12, 0)  # the notice answered them
    assert events(ticket)[-2:] == [(FIRST, Kind.MET), (RESOLUTION, Kind.MET)]

    with time_machine.travel(at(2026, 3, 11, 10, 0), tick=False):
        ticket = ops.reopen(ticket, by=cast.requester, reason="Back again.")

    assert ticket.sla_started_at == at(2026, 3, 11, 10, 0)
    assert ticket.resolution_due == at(2026, 3, 20, 12, 0)  # 72 business hours from reopening
    assert events(ticket)[-1] == (RESOLUTION, Kind.STARTED)
    assert ticket.sla_next_check_at == ticket.resolution_warn_at


def test_explaining_a_due_time_walks_the_calendar_with_the_pause(
    cast: Cast, office_hours: SLAPlan, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(at(2026, 12, 24, 9, 0), tick=False):
        ticket = open_ticket()
    with time_machine.travel(at(2026, 12, 24, 10, 0), tick=False):
        ops.reply(ticket, by=cast.tier1, body="Which branch?", status="awaiting_customer")
    with time_machine.travel(at(2026, 12, 24, 11, 0), tick=False):
        ops.add_customer_message(ticket, by=cast.requester, body="All of them.")
    ticket.refresh_from_db()

    explanation = clocks.explain_due(ticket, RESOLUTION)

    assert explanation.due == ticket.resolution_due
    text = "\n".join(explanation.lines)
    assert "Resolution target under Sev C at P3 Normal: 72 h." in text
    assert "Paused while awaiting the customer: 1 h" in text
    assert "Christmas Day" in text
    assert explanation.calendar == "UK office hours (Europe/London)"


def test_a_ticket_without_a_plan_has_no_clocks(cast: Cast, open_ticket: OpenTicket) -> None:
    cast.service_desk.default_sla_plan = None
    cast.service_desk.save()

    ticket = open_ticket()

    assert ticket.resolution_due is None
    assert ticket.sla_next_check_at is None
    assert clocks.timeline(ticket) == []
    assert clocks.explain_due(ticket, RESOLUTION) is None


def test_a_ticket_from_before_the_clocks_is_measured_from_its_opening(
    cast: Cast, office_hours: SLAPlan, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(at(2026, 3, 9, 9, 0), tick=False):
        ticket = open_ticket()
    # What a ticket opened before this migration looks like: no clock start, no check.
    Ticket.objects.filter(pk=ticket.pk).update(sla_started_at=None, sla_next_check_at=None)

    with time_machine.travel(at(2026, 3, 9, 9, 30), tick=False):
        ticket = ops.triage(ticket, by=cast.tier1, sla_plan=cast.sev_a)

    assert ticket.resolution_due == at(2026, 3, 9, 13, 0)  # Sev A: 4 h round the clock
    assert ticket.sla_next_check_at == ticket.first_response_warn_at
