"""The demo desk's SLA set-up: office hours for everyday plans, 24×7 for outages, rules."""

from io import StringIO

import pytest
from django.core.management import call_command

from sla.models import EscalationRule, SLAPlan
from tickets import clocks
from tickets.models import ClockEvent, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    call_command("load_demo", "--force", stdout=StringIO())


def test_everyday_plans_run_on_office_hours_and_outages_round_the_clock(demo: None) -> None:
    plans = {plan.name: plan for plan in SLAPlan.objects.select_related("schedule")}

    assert plans["Sev A"].schedule is None and plans["Sev B"].schedule is None
    office = plans["Sev C"].schedule
    assert office == plans["Sev D"].schedule
    assert (office.name, office.time_zone) == ("UK office hours", "Europe/London")
    assert [str(window) for window in office.windows.all()][0] == "Monday 08:00–18:00"
    assert office.windows.count() == 5
    assert office.holidays.filter(name="Christmas Day").exists()
    assert EscalationRule.objects.filter(
        plan=plans["Sev A"], trigger="resolution_breach", action="page_on_call"
    ).exists()


def test_demo_tickets_carry_their_sla_timeline(demo: None) -> None:
    outlook = Ticket.objects.get(subject="Outlook keeps asking for my password")
    outage = Ticket.objects.get(subject="Online and mobile banking are down")

    started = clocks.timeline(outlook)[0]
    assert started.calendar == "UK office hours (Europe/London)"
    assert outlook.sla_next_check_at is not None
    kinds = [(event.clock, event.kind) for event in clocks.timeline(outage)]
    assert ("first_response", ClockEvent.Kind.MET) in kinds
    assert ("resolution", ClockEvent.Kind.PAUSED) in kinds
    assert kinds[-1] == ("resolution", ClockEvent.Kind.MET)
    assert outage.sla_next_check_at is None
