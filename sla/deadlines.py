"""Deadline arithmetic: pure functions on aware datetimes. No ORM, no clock.

Plans are measured round the clock for now; business-hours schedules will plug in here
without the callers changing, since they only ever ask "what is `start` plus N minutes".
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class DueTimes:
    """When the first response and the resolution are due."""

    first_response: datetime
    resolution: datetime


def add_minutes(start: datetime, minutes: int) -> datetime:
    """`start` plus `minutes` of SLA time, in UTC.

    Python adds to an aware datetime on its wall clock (01:30 + 1 h is 02:30 even on the night
    02:00 does not exist), so the sum is taken in UTC: a DST change never moves a deadline.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("deadlines need an aware datetime")
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    return start.astimezone(UTC) + timedelta(minutes=minutes)


def due_times(start: datetime, *, first_response_minutes: int, resolution_minutes: int) -> DueTimes:
    """Both deadlines of a ticket opened (or restarted) at `start`."""
    return DueTimes(
        first_response=add_minutes(start, first_response_minutes),
        resolution=add_minutes(start, resolution_minutes),
    )
