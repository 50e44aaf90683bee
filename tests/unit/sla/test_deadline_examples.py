from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla import deadlines
from sla.deadlines import Calendar, Window, add_minutes, due_times


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


# ---------------------------------------------------------------------------------------------
# Business-hours calendars

LONDON = ZoneInfo("Europe/London")
WEEKDAYS_8_TO_6 = tuple(Window(day, time(8), time(18)) for day in range(5))
OFFICE = Calendar(
    name="UK office",
    time_zone="Europe/London",
    windows=WEEKDAYS_8_TO_6,
    holidays={date(2026, 12, 25): "Christmas Day", date(2026, 12, 28): "Boxing Day (substitute)"},
)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_time_left_on_friday_evening_carries_over_the_weekend() -> None:
    due = deadlines.add(OFFICE, london(2026, 3, 6, 17, 0), timedelta(hours=2))

    assert due == london(2026, 3, 9, 9, 0)


def test_a_ticket_opened_at_night_starts_counting_at_opening_time() -> None:
    due = deadlines.add(OFFICE, london(2026, 3, 3, 22, 15), timedelta(minutes=15))

    assert due == london(2026, 3, 4, 8, 15)


def test_a_due_time_can_be_closing_time() -> None:
    due = deadlines.add(OFFICE, london(2026, 3, 6, 8, 0), timedelta(hours=10))

    assert due == london(2026, 3, 6, 18, 0)


def test_holidays_are_skipped() -> None:
    due = deadlines.add(OFFICE, london(2026, 12, 24, 17, 0), timedelta(hours=3))

    # Thu 24th 17:00–18:00, then Christmas, the weekend and the substitute Boxing Day.
    assert due == london(2026, 12, 29, 10, 0)


def test_counting_skips_nights_weekends_and_holidays() -> None:
    counted = deadlines.minutes_between(
        london(2026, 12, 24, 17, 0), london(2026, 12, 29, 10, 0), OFFICE
    )

    assert counted == 180


def test_a_window_crossing_midnight_counts_on_both_days() -> None:
    nights = Calendar(
        name="Night shift",
        time_zone="Europe/London",
        windows=(Window(0, time(22), time(6), ends_next_day=True),),
    )

    due = deadlines.add(nights, london(2026, 3, 2, 21, 0), timedelta(hours=3))

    assert due == london(2026, 3, 3, 1, 0)


def test_a_holiday_closes_the_night_window_that_starts_on_it() -> None:
    nights = Calendar(
        name="Night shift",
        time_zone="Europe/London",
        windows=tuple(Window(day, time(22), time(6), ends_next_day=True) for day in range(7)),
        holidays={date(2026, 3, 2): "Closed"},
    )

    due = deadlines.add(nights, london(2026, 3, 2, 21, 0), timedelta(hours=1))

    assert due == london(2026, 3, 3, 23, 0)


def test_a_night_window_across_the_spring_dst_jump_is_an_hour_shorter() -> None:
    nights = Calendar(
        name="Weekend nights",
        time_zone="Europe/London",
        windows=(Window(5, time(22), time(6), ends_next_day=True),),
    )
    start = london(2026, 3, 28, 22, 0)  # clocks go forward at 01:00 GMT on the 29th

    assert deadlines.between(nights, start, london(2026, 3, 29, 6, 0)) == timedelta(hours=7)
    assert deadlines.add(nights, start, timedelta(hours=7)) == london(2026, 3, 29, 6, 0)


def test_a_window_opening_in_the_skipped_hour_opens_when_the_clock_jumps() -> None:
    early = Calendar(
        name="Early",
        time_zone="Europe/London",
        windows=(Window(6, time(1, 30), time(3, 0)),),
    )

    due = deadlines.add(early, datetime(2026, 3, 29, 0, 0, tzinfo=UTC), timedelta(minutes=30))

    assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 BST


def test_far_future_dates_follow_the_zone_rules() -> None:
    due = deadlines.add(OFFICE, london(2099, 7, 3, 17, 30), timedelta(hours=1))

    assert due == london(2099, 7, 6, 8, 30)
    assert due.astimezone(LONDON).tzname() == "BST"


def test_the_explanation_names_the_holidays_and_the_clock_change() -> None:
    christmas = deadlines.explain(OFFICE, london(2026, 12, 24, 17, 0), timedelta(hours=3))
    spring = deadlines.explain(OFFICE, london(2026, 3, 27, 17, 0), timedelta(hours=2))

    text = "\n".join(christmas.lines)
    assert "Christmas Day" in text and "Boxing Day (substitute)" in text
    assert christmas.lines[-1] == "Due Tue 29 Dec 2026 10:00 GMT."
    assert any("GMT → BST" in line for line in spring.lines)
    assert christmas.calendar == "UK office (Europe/London)"


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (Window(0, time(9), time(9)), "is empty"),
        (Window(0, time(17), time(8)), "ends (08:00) before it starts (17:00)"),
        (Window(0, time(8), time(9), ends_next_day=True), "at most 24 hours"),
    ],
)
def test_windows_that_make_no_sense_are_refused(window: Window, message: str) -> None:
    assert message in (window.problem() or "")
    with pytest.raises(ValueError, match="Monday"):
        Calendar(name="Bad", windows=(window,))


def test_overlaps_are_found_across_midnight_and_the_end_of_the_week() -> None:
    sunday_night = Window(6, time(22), time(2), ends_next_day=True)
    monday_early = Window(0, time(1), time(5))

    assert deadlines.first_overlap([monday_early, sunday_night]) is not None
    assert (
        deadlines.first_overlap([Window(0, time(8), time(12)), Window(0, time(12), time(18))])
        is None
    )


def test_a_calendar_needs_business_hours_and_a_real_time_zone() -> None:
    with pytest.raises(ValueError, match="no business hours"):
        Calendar(name="Empty")
    with pytest.raises(ValueError, match="Unknown time zone “Europe/Lodnon”"):
        Calendar(name="Typo", time_zone="Europe/Lodnon", windows=WEEKDAYS_8_TO_6)


def test_a_target_the_calendar_can_never_meet_is_refused() -> None:
    with pytest.raises(ValueError, match="too few business hours"):
        deadlines.add(OFFICE, london(2026, 1, 1), timedelta(days=366 * 30))
