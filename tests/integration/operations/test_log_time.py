from datetime import date, timedelta

import pytest
import time_machine

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import TicketError
from tickets.models import AuditEvent
from tickets.queues import time_spent

TODAY = date(2026, 3, 2)


@time_machine.travel("2026-03-02 12:00Z", tick=False)
def test_time_is_recorded_audited_and_totalled(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    entry = ops.log_time(ticket, by=cast.tier1, minutes=35, note="  Remote\nsession ")
    ops.log_time(ticket, by=cast.manager, minutes=10, worked_on=TODAY - timedelta(days=1))

    assert (entry.agent, entry.minutes, entry.note, entry.worked_on) == (
        cast.tier1,
        35,
        "Remote session",
        TODAY,
    )
    event = ticket.events.filter(kind=AuditEvent.Kind.TIME_LOGGED).first()
    assert (event.actor_agent, event.new_value, event.note) == (
        cast.tier1,
        "35 min on 2026-03-02",
        "Remote session",
    )
    assert time_spent(ticket) == 45


@time_machine.travel("2026-03-02 12:00Z", tick=False)
@pytest.mark.parametrize(
    ("minutes", "worked_on", "message"),
    [
        (0, TODAY, "from 1 minute to 24 hours"),
        (24 * 60 + 1, TODAY, "from 1 minute to 24 hours"),
        (10, TODAY + timedelta(days=1), "has not come yet"),
        (10, TODAY - timedelta(days=400), "more than a year old"),
    ],
)
def test_time_outside_sane_bounds_is_refused(
    cast: Cast, open_ticket: OpenTicket, minutes: int, worked_on: date, message: str
) -> None:
    ticket = open_ticket()

    with pytest.raises(TicketError, match=message):
        ops.log_time(ticket, by=cast.tier1, minutes=minutes, worked_on=worked_on)

    assert time_spent(ticket) == 0
    assert ticket.events.count() == 1
