from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.deadlines import add_minutes, due_times


def test_due_times_count_from_the_start() -> None:
    start = datetime(2026, 3, 2, 8, 40, tzinfo=UTC)

    due = due_times(start, first_response_minutes=15, resolution_minutes=240)

    assert due.first_response == datetime(2026, 3, 2, 8, 55, tzinfo=UTC)
    assert due.resolution == datetime(2026, 3, 2, 12, 40, tzinfo=UTC)


def test_a_dst_change_does_not_shift_a_deadline() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 01:30 local on the night clocks jump from 02:00 to 03:00.
    start = datetime(2026, 3, 29, 1, 30, tzinfo=berlin)

    due = add_minutes(start, 60)

    assert due - start == timedelta(minutes=60)
    assert due.astimezone(berlin).hour == 3


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_minutes(datetime(2026, 3, 2, 8, 40), 15)  # noqa: DTZ001 - the point of the test


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        add_minutes(datetime(2026, 3, 2, tzinfo=UTC), -1)
