"""The generator's table-driven business clock gives the very instants `sla.deadlines` does."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sla import deadlines
from sla.deadlines import Calendar
from tests.unit.sla.test_deadline_properties import calendars
from tickets.generator import DAY, MINUTE, BusinessClock, from_us, to_us

SINCE = to_us(datetime(2025, 1, 1, tzinfo=UTC))
UNTIL = SINCE + 400 * DAY


@settings(max_examples=150, deadline=None)
@given(
    calendar=calendars(),
    # Starts before, inside and after the table: the clock must fall back to walking.
    start=st.integers(SINCE - 20 * DAY, UNTIL + 60 * DAY),
    amount=st.integers(0, 30 * 24 * 60).map(lambda minutes: minutes * MINUTE),
    seconds=st.integers(0, 59),
)
def test_it_adds_business_time_like_the_deadline_arithmetic(
    calendar: Calendar, start: int, amount: int, seconds: int
) -> None:
    clock = BusinessClock(calendar, SINCE, UNTIL)
    start += seconds * 1_000_000

    expected = deadlines.add(calendar, from_us(start), timedelta(microseconds=amount))

    assert from_us(clock.add(start, amount)) == expected
