"""Deadline arithmetic: pure functions on aware datetimes and business-hours calendars.

No ORM, no clock: callers pass the calendar and every instant. A calendar is 24×7 or a set of
weekly windows in a time zone, minus holidays. Business time is walked window by window in
UTC, so DST changes, windows that cross midnight and far-future dates need no special case:

* a window is placed on its local date with its local times, then turned into UTC instants;
  a local time that does not exist (the hour skipped in spring) becomes the moment the clock
  jumps, an ambiguous one (the hour repeated in autumn) its first occurrence;
* a window belongs to the day it starts on: a holiday on that day closes it, even the part
  after midnight;
* "adding" returns the instant the last minute of business time is used up, so a due time can
  be a closing time (18:00 on Friday), never a moment the desk is closed.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY = timedelta(days=1)
WEEK_MINUTES = 7 * 24 * 60
# How far ahead a walk may look before giving up: a calendar this sparse cannot meet a target.
SEARCH_LIMIT = timedelta(days=366 * 30)
FOREVER = datetime.max.replace(tzinfo=UTC)


def require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("deadlines need an aware datetime")


def zone(name: str) -> ZoneInfo:
    """The time zone called `name`; ValueError with a message for an admin if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"Unknown time zone “{name}”: use a name like Europe/London or America/New_York."
        ) from None


@dataclass(frozen=True)
class Window:
    """Business hours on one weekday (0 is Monday), in the calendar's local time.

    `ends_next_day` marks a window that crosses midnight (22:00 → 06:00); 00:00 → 00:00 with
    it set is the whole day.
    """

    weekday: int
    start: time
    end: time
    ends_next_day: bool = False

    @property
    def minutes(self) -> int:
        """Its length on the wall clock (a DST night may make it an hour shorter or longer)."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute + (24 * 60 if self.ends_next_day else 0)
        return end - start

    def problem(self) -> str | None:
        """Why this window makes no sense on its own, in words for an admin; None if it does."""
        start, end = f"{self.start:%H:%M}", f"{self.end:%H:%M}"
        if self.start.second or self.end.second or self.start.microsecond or self.end.microsecond:
            return "Business hours are set to the minute."
        if self.ends_next_day and self.minutes > 24 * 60:
            return f"A window lasts at most 24 hours; {start} to {end} the next day is longer."
        if self.minutes == 0:
            return f"The window {start}–{end} is empty: it ends when it starts."
        if self.minutes < 0:
            return (
                f"The window ends ({end}) before it starts ({start}). For hours that run past "
                "midnight, tick “ends next day”."
            )
        return None

    def label(self) -> str:
        suffix = " (next day)" if self.ends_next_day else ""
        return f"{WEEKDAY_NAMES[self.weekday]} {self.start:%H:%M}–{self.end:%H:%M}{suffix}"


def first_overlap(windows: Iterable[Window]) -> tuple[Window, Window] | None:
    """Two windows that share some minute of the week (Sunday night wraps into Monday)."""
    spans: list[tuple[int, int, Window]] = []
    for window in windows:
        begin = window.weekday * 24 * 60 + window.start.hour * 60 + window.start.minute
        end = begin + window.minutes
        spans.append((begin, min(end, WEEK_MINUTES), window))
        if end > WEEK_MINUTES:  # the part of a Sunday-night window that falls on Monday
            spans.append((0, end - WEEK_MINUTES, window))
    spans.sort(key=lambda span: (span[0], span[1]))
    for (_begin, end, window), (next_begin, _end, other) in zip(spans, spans[1:], strict=False):
        if next_begin < end and window is not other:
            return window, other
    return None


def calendar_label(name: str, time_zone: str, *, always_open: bool) -> str:
    """How a calendar is named in clock events and explanations."""
    return "24×7" if always_open else f"{name} ({time_zone})"


@dataclass(frozen=True)
class Calendar:
    """When SLA time runs: round the clock, or weekly windows in a time zone minus holidays."""

    name: str = "24×7"
    time_zone: str = "UTC"
    windows: tuple[Window, ...] = ()
    holidays: Mapping[date, str] = field(default_factory=dict)
    always_open: bool = False

    def __post_init__(self) -> None:
        zone(self.time_zone)
        if self.always_open:
            return
        if not self.windows:
            raise ValueError(f"The calendar “{self.name}” has no business hours at all.")
        for window in self.windows:
            if problem := window.problem():
                raise ValueError(f"{window.label()}: {problem}")

    @property
    def label(self) -> str:
        return calendar_label(self.name, self.time_zone, always_open=self.always_open)


ALWAYS_OPEN = Calendar(always_open=True)


def _instant(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The UTC instant the local clock shows `clock` on `day` (see the module docstring)."""
    local = datetime.combine(day, clock, tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # Skipped by a spring-forward jump: the transition lies between the readings with the
    # offsets before and after it; find it to the second.
    low, high = sorted((local.replace(fold=1).astimezone(UTC), instant))
    before = low.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def _intervals(calendar: Calendar, after: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Business intervals in UTC, in order, never overlapping, that end at or after `after`;
    the first is clipped to begin no earlier than `after`."""
    require_aware(after)
    after = after.astimezone(UTC)
    if calendar.always_open:
        yield after, FOREVER
        return
    tz = zone(calendar.time_zone)
    by_weekday: dict[int, list[Window]] = {}
    for window in sorted(calendar.windows, key=lambda window: window.start):
        by_weekday.setdefault(window.weekday, []).append(window)
    day = after.astimezone(tz).date() - DAY  # yesterday's night window may still be open
    last_day = (after + SEARCH_LIMIT).astimezone(tz).date()
    cursor = after
    while day <= last_day:
        if day not in calendar.holidays:
            for window in by_weekday.get(day.weekday(), ()):
                end = _instant(day + DAY if window.ends_next_day else day, window.end, tz)
                if end < cursor:
                    continue
                yield max(_instant(day, window.start, tz), cursor), end
                cursor = end
        day += DAY
    raise ValueError(
        f"The calendar “{calendar.name}” has too few business hours: none left within "
        f"{SEARCH_LIMIT.days // 366} years of {after:%Y-%m-%d}."
    )


@dataclass(frozen=True)
class Stretch:
    """A piece of business time used on the way to a due time (UTC instants)."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def add(
    calendar: Calendar, start: datetime, amount: timedelta, *, trace: list[Stretch] | None = None
) -> datetime:
    """The instant (UTC) `amount` of business time after `start`; `trace` collects the
    stretches used, for explanations."""
    if amount < timedelta(0):
        raise ValueError(f"business time must not be negative, got {amount}")
    remaining = amount
    for begin, end in _intervals(calendar, start):
        if remaining <= end - begin:
            if trace is not None:
                trace.append(Stretch(begin, begin + remaining))
            return begin + remaining
        remaining -= end - begin
        if trace is not None and end > begin:
            trace.append(Stretch(begin, end))
    # Only an always-open calendar's one interval ends: at the last instant a clock shows.
    raise OverflowError(f"{amount} of business time from {start:%Y-%m-%d} ends after {FOREVER:%Y}")


def between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """How much business time lies between `start` and `end` (zero if `end` is not later)."""
    require_aware(end)
    total = timedelta(0)
    if end <= start:
        return total
    for begin, finish in _intervals(calendar, start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total


def add_minutes(start: datetime, minutes: int, calendar: Calendar = ALWAYS_OPEN) -> datetime:
    """`start` plus `minutes` of business time, in UTC."""
    require_aware(start)
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    return add(calendar, start, timedelta(minutes=minutes))


def minutes_between(start: datetime, end: datetime, calendar: Calendar = ALWAYS_OPEN) -> int:
    """Whole minutes of business time between `start` and `end`."""
    return int(between(calendar, start, end) // timedelta(minutes=1))


@dataclass(frozen=True)
class DueTimes:
    """When the first response and the resolution are due."""

    first_response: datetime
    resolution: datetime


def due_times(
    start: datetime,
    *,
    first_response_minutes: int,
    resolution_minutes: int,
    calendar: Calendar = ALWAYS_OPEN,
) -> DueTimes:
    """Both deadlines of a ticket opened (or restarted) at `start`."""
    return DueTimes(
        first_response=add_minutes(start, first_response_minutes, calendar),
        resolution=add_minutes(start, resolution_minutes, calendar),
    )


# ---------------------------------------------------------------------------------------------
# Explanations: the same walk, told in words.


@dataclass(frozen=True)
class Explanation:
    """A due time and the calendar reasoning that led to it, one line per step."""

    due: datetime
    calendar: str
    lines: tuple[str, ...]


def duration_text(amount: timedelta) -> str:
    """timedelta(minutes=90) → "1 h 30 min". No days: a business day is not 24 hours."""
    hours, minutes = divmod(int(amount // timedelta(minutes=1)), 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part) or "0 min"


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%a %d %b %Y %H:%M %Z}"


def _closed_days(calendar: Calendar, tz: ZoneInfo, begin: datetime, end: datetime) -> str:
    """Why the desk was closed between two stretches: the whole local days skipped."""
    first, last = begin.astimezone(tz).date() + DAY, end.astimezone(tz).date() - DAY
    if first > last:
        return f"closed until {_local(end, tz)}"
    holidays = [
        f"{day:%a %d %b} ({calendar.holidays[day]})"
        for day in (first + DAY * offset for offset in range((last - first).days + 1))
        if day in calendar.holidays
    ]
    reason = f"; holidays: {', '.join(holidays)}" if holidays else ""
    return f"closed {first:%a %d %b} – {last:%a %d %b}{reason}; reopens {_local(end, tz)}"


def explain(calendar: Calendar, start: datetime, amount: timedelta) -> Explanation:
    """`add(calendar, start, amount)` with the reasoning: each stretch of business time used,
    each closure skipped, each change of UTC offset on the way."""
    trace: list[Stretch] = []
    due = add(calendar, start, amount, trace=trace)
    tz = zone(calendar.time_zone)
    lines = [f"Start {_local(start, tz)} with {duration_text(amount)} of business time to use."]
    if calendar.always_open:
        lines.append(
            f"The clock runs round the clock ({calendar.label}): due {duration_text(amount)} later."
        )
    used = timedelta(0)
    previous: Stretch | None = None
    for stretch in trace if not calendar.always_open else ():
        if previous is not None and stretch.start > previous.end:
            lines.append(_closed_days(calendar, tz, previous.end, stretch.start))
        offset_before = (previous.end if previous else start).astimezone(tz).tzname()
        offset_now = stretch.start.astimezone(tz).tzname()
        if offset_before != offset_now:
            lines.append(f"clocks change: {offset_before} → {offset_now}")
        used += stretch.length
        lines.append(
            f"{_local(stretch.start, tz)} → {stretch.end.astimezone(tz):%H:%M}: "
            f"{duration_text(stretch.length)} used, {duration_text(amount - used)} left"
        )
        previous = stretch
    lines.append(f"Due {_local(due, tz)}.")
    return Explanation(due=due, calendar=calendar.label, lines=tuple(lines))
