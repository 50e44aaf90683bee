"""SLA configuration in Django admin: bad input refused with a clear message; the simulator."""

from datetime import time

import pytest
from django.test import Client
from django.urls import reverse

from sla.models import BusinessSchedule, EscalationRule, OnCallWebhook
from tests.conftest import Cast, OpenTicket
from tests.integration.sla.conftest import ROUTING_KEY

pytestmark = pytest.mark.django_db


def inline(prefix: str, rows: list[dict[str, object]]) -> dict[str, object]:
    data: dict[str, object] = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def schedule_form(windows: list[tuple[int, str, str, bool]], **fields: object) -> dict[str, object]:
    rows = [
        {"weekday": day, "start": start, "end": end, **({"ends_next_day": "on"} if night else {})}
        for day, start, end, night in windows
    ]
    return {
        "name": "Office",
        "time_zone": "Europe/London",
        **fields,
        **inline("windows", rows),
        **inline("holidays", []),
    }


def post_schedule(client: Client, data: dict[str, object]) -> str:
    response = client.post(reverse("admin:sla_businessschedule_add"), data)
    return response.content.decode() if response.status_code == 200 else ""


def test_a_schedule_with_good_windows_is_saved(admin_client: Client) -> None:
    data = schedule_form([(0, "08:00", "18:00", False), (0, "22:00", "06:00", True)])

    response = admin_client.post(reverse("admin:sla_businessschedule_add"), data)

    assert response.status_code == 302
    schedule = BusinessSchedule.objects.get(name="Office")
    assert [w.ends_next_day for w in schedule.windows.all()] == [False, True]


@pytest.mark.parametrize(
    ("windows", "fields", "message"),
    [
        ([(0, "08:00", "12:00", False), (0, "11:00", "18:00", False)], {}, "overlap"),
        ([(6, "22:00", "06:00", True), (0, "05:00", "09:00", False)], {}, "overlap"),
        ([(0, "17:00", "08:00", False)], {}, "ends (08:00) before it starts (17:00)"),
        ([(0, "09:00", "09:00", False)], {}, "is empty"),
        ([(0, "08:00", "09:00", True)], {}, "at most 24 hours"),
        ([], {}, "no business hours at all"),
        ([(0, "08:00", "18:00", False)], {"time_zone": "Europe/Lodnon"}, "Unknown time zone"),
        ([(0, "08:00", "18:00", False)], {"is_24x7": "on"}, "A 24×7 schedule has no windows"),
    ],
)
def test_a_schedule_that_makes_no_sense_is_refused_with_a_reason(
    admin_client: Client, windows: list, fields: dict, message: str
) -> None:
    page = post_schedule(admin_client, schedule_form(windows, **fields))

    assert message in page.replace("&quot;", '"').replace("&#x27;", "'")
    assert not BusinessSchedule.objects.filter(name="Office").exists()


def plan_form(**fields: object) -> dict[str, object]:
    return {
        "name": "Sev X",
        "first_response_minutes": 60,
        "resolution_minutes": 480,
        "warning_percent": 75,
        "is_active": "on",
        **fields,
        **inline("priority_targets", fields.pop("targets", [])),
        **inline("escalation_rules", fields.pop("rules", [])),
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"warning_percent": 0}, "greater than or equal to 1"),
        ({"warning_percent": 100}, "less than or equal to 99"),
        ({"first_response_minutes": -5}, "greater than or equal to"),
        ({"rules": [{"trigger": "warning", "action": "reassign_team"}]}, "Choose the team"),
        (
            {"targets": [{"priority": "P1", "first_response_minutes": 0, "resolution_minutes": 5}]},
            "greater than or equal to 1",
        ),
    ],
)
def test_a_plan_that_makes_no_sense_is_refused_with_a_reason(
    admin_client: Client, cast: Cast, fields: dict, message: str
) -> None:
    for row in fields.get("targets", []):
        row["priority"] = cast.p1.pk

    response = admin_client.post(reverse("admin:sla_slaplan_add"), plan_form(**fields))

    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_target_the_schedule_cannot_meet_is_refused(admin_client: Client) -> None:
    sparse = BusinessSchedule.objects.create(name="Sundays 09–10", time_zone="UTC")
    sparse.windows.create(weekday=6, start=time(9), end=time(10))

    response = admin_client.post(
        reverse("admin:sla_slaplan_add"),
        plan_form(schedule=sparse.pk, first_response_minutes=60, resolution_minutes=500_000),
    )

    assert "too few business hours" in response.content.decode()


def test_a_plan_with_rules_and_targets_is_saved(admin_client: Client, cast: Cast) -> None:
    data = plan_form(
        targets=[{"priority": cast.p1.pk, "first_response_minutes": 15, "resolution_minutes": 60}],
        rules=[
            {
                "trigger": "resolution_breach",
                "action": "reassign_team",
                "team": cast.major_incident.pk,
                "is_active": "on",
            }
        ],
    )

    response = admin_client.post(reverse("admin:sla_slaplan_add"), data)

    assert response.status_code == 302
    rule = EscalationRule.objects.get(plan__name="Sev X")
    assert rule.describe() == "reassign to the team Major Incident Team"


def test_the_simulator_shows_due_times_and_the_calendar_reasoning(
    admin_client: Client, cast: Cast
) -> None:
    office = BusinessSchedule.objects.create(name="UK office hours", time_zone="Europe/London")
    for weekday in range(5):
        office.windows.create(weekday=weekday, start=time(8), end=time(18))
    office.holidays.create(date="2026-12-25", name="Christmas Day")
    cast.sev_c.schedule = office
    cast.sev_c.save()
    url = reverse("admin:sla_slaplan_simulate")

    page = admin_client.get(
        url, {"plan": cast.sev_c.pk, "priority": cast.p3.pk, "start": "2026-12-24T17:00"}
    ).content.decode()

    assert "First response: target 4 h" in page
    assert "Christmas Day" in page
    assert "Due Mon 28 Dec 2026 11:00 GMT." in page  # 1 h on the 24th, 3 h on the 28th
    assert admin_client.get(url).status_code == 200  # the empty form
    assert url in admin_client.get(reverse("admin:sla_slaplan_changelist")).content.decode()


@pytest.mark.parametrize("office_hours", [False, True])
def test_a_start_too_close_to_the_year_9999_is_the_forms_error(
    admin_client: Client, cast: Cast, office_hours: bool
) -> None:
    if office_hours:  # the calendar is searched for decades ahead: past the last date
        office = BusinessSchedule.objects.create(name="Office", time_zone="Europe/London")
        office.windows.create(weekday=0, start=time(8), end=time(18))
        cast.sev_c.schedule = office
        cast.sev_c.save()
    query = {"plan": cast.sev_c.pk, "priority": cast.p3.pk, "start": "9999-12-31T23:00"}

    response = admin_client.get(reverse("admin:sla_slaplan_simulate"), query)

    assert response.status_code == 200
    assert "The due times would fall after the year 9999" in response.content.decode()


def test_the_simulator_needs_permission_to_see_plans(cast: Cast, client: Client) -> None:
    cast.tier1.user.is_staff = True
    cast.tier1.user.save()
    client.force_login(cast.tier1.user)

    response = client.get(reverse("admin:sla_slaplan_simulate"))

    assert response.status_code == 403


def test_the_routing_key_is_never_shown_and_a_blank_keeps_it(
    admin_client: Client, cast: Cast
) -> None:
    webhook = OnCallWebhook.objects.create(
        name="On-call",
        url="https://events.example/v2/enqueue",
        routing_key=ROUTING_KEY,
        plan=cast.sev_a,
    )
    url = reverse("admin:sla_oncallwebhook_change", args=[webhook.pk])

    assert ROUTING_KEY not in admin_client.get(url).content.decode()
    response = admin_client.post(
        url,
        {
            "name": "On-call",
            "url": webhook.url,
            "routing_key": "",
            "plan": cast.sev_a.pk,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    webhook.refresh_from_db()
    assert webhook.routing_key == ROUTING_KEY


def test_a_webhook_needs_a_plan_or_a_department_and_a_key(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:sla_oncallwebhook_add"),
        {
            "name": "Lost",
            "url": "https://events.example/v2/enqueue",
            "routing_key": "",
            "is_active": "on",
        },
    )

    page = response.content.decode()
    assert "Enter the routing key" in page
    assert "to an SLA plan or to a department" in page


def test_the_ticket_page_shows_its_sla_timeline(
    admin_client: Client, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket()

    page = admin_client.get(
        reverse("admin:tickets_ticket_change", args=[ticket.pk])
    ).content.decode()

    assert "SLA timeline" in page
    assert "Opened under Sev C at P3 Normal" in page
