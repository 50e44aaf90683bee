"""SLA fixtures: a UK office-hours schedule under the cast's Sev C plan."""

from datetime import date, time

import pytest

from sla.models import BusinessSchedule, SLAPlan
from tests.conftest import Cast


@pytest.fixture
def office_hours(cast: Cast) -> SLAPlan:
    """Sev C (4 h first response, 72 h resolution) on Mon–Fri 08:00–18:00 London, minus
    Christmas; pauses while awaiting the customer."""
    schedule = BusinessSchedule.objects.create(name="UK office hours", time_zone="Europe/London")
    for weekday in range(5):
        schedule.windows.create(weekday=weekday, start=time(8), end=time(18))
    schedule.holidays.create(date=date(2026, 12, 25), name="Christmas Day")
    cast.sev_c.schedule = schedule
    cast.sev_c.save()
    return cast.sev_c
