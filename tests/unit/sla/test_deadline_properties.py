"""Properties of the deadline arithmetic on random calendars, starts and amounts (hypothesis)."""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sla import deadlines
from sla.deadlines import Calendar, Window

ZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
MINUTE = timedelta(minutes=1)


@st.composite
def windows(draw: st.DrawFn) -> tuple[Window, ...]:
    chosen: list[Window] = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, 24 * 60 - 1))
        length = draw(st.integers(60, 24 * 60))  # sparse enough to find DST edges, not decades
        end = start + length
        window = Window(
            weekday=draw(st.integers(0, 6)),
            start=time(start // 60, start % 60),
            end=time((end // 60) % 24, end % 60),
            ends_next_day=end >= 24 * 60,
        )
        if deadlines.first_overlap([*chosen, window]) is None:
            chosen.append(window)
    return tuple(chosen)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    if draw(st.integers(0, 9)) == 0:
        return deadlines.ALWAYS_OPEN
    holidays = draw(st.sets(st.dates(date(2025, 1, 1), date(2027, 12, 31)), max_size=20))
    return Calendar(
        name="random",
        time_zone=draw(st.sampled_from(ZONES)),
        windows=draw(windows()),
        holidays=dict.fromkeys(holidays, "holiday"),
    )


# Naive bounds, made aware in UTC: hypothesis draws naive datetimes between naive bounds.
starts = st.one_of(
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31)),  # noqa: DTZ001 - the holidays' years
    st.datetimes(datetime(2090, 1, 1), datetime(2099, 12, 31)),  # noqa: DTZ001 - far future
).map(lambda moment: moment.replace(tzinfo=UTC))
amounts = st.integers(0, 20 * 24 * 60 * 60).map(lambda seconds: timedelta(seconds=seconds))


def in_business_hours(calendar: Calendar, moment: datetime) -> bool:
    """Open at `moment`, or at the boundary of an opening (a due time can be closing time)."""
    before = deadlines.between(calendar, moment - MINUTE, moment)
    after = deadlines.between(calendar, moment, moment + MINUTE)
    return before > timedelta(0) or after > timedelta(0)


@settings(max_examples=300, deadline=None)
@given(calendars(), starts, amounts)
def test_a_due_time_never_falls_outside_business_hours(
    calendar: Calendar, start: datetime, amount: timedelta
) -> None:
    due = deadlines.add(calendar, start, amount)

    assert due >= start
    assert in_business_hours(calendar, due)


@settings(max_examples=300, deadline=None)
@given(calendars(), starts, amounts, amounts)
def test_adding_a_then_b_equals_adding_a_plus_b(
    calendar: Calendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    halfway = deadlines.add(calendar, start, a)

    assert deadlines.add(calendar, halfway, b) == deadlines.add(calendar, start, a + b)


@settings(max_examples=300, deadline=None)
@given(calendars(), starts, amounts)
def test_counting_inverts_adding(calendar: Calendar, start: datetime, amount: timedelta) -> None:
    due = deadlines.add(calendar, start, amount)

    assert deadlines.between(calendar, start, due) == amount


@settings(max_examples=200, deadline=None)
@given(calendars(), starts, amounts, amounts)
def test_counting_adds_up_over_consecutive_spans(
    calendar: Calendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    middle, end = start + a, start + a + b

    whole = deadlines.between(calendar, start, end)

    assert whole == deadlines.between(calendar, start, middle) + deadlines.between(
        calendar, middle, end
    )
    assert whole <= end - start


@settings(max_examples=200, deadline=None)
@given(calendars(), starts, amounts)
def test_the_explanation_ends_at_the_same_due_time(
    calendar: Calendar, start: datetime, amount: timedelta
) -> None:
    explanation = deadlines.explain(calendar, start, amount)

    assert explanation.due == deadlines.add(calendar, start, amount)
    assert explanation.lines[-1].startswith("Due ")
