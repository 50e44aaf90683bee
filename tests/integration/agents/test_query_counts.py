"""The queue's query budget (issue 7: at most 10 per page) for every view, sort, filter and
search, and that it does not grow with the rows. Measured warm, as agents use the panel: the
tab counts and select options are cached between requests."""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents import views_queue
from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.queues import QUEUE_VIEWS, SORTS

QUERY_BUDGET = 10


def every_queue_page(cast: Cast) -> list[dict[str, str]]:
    pages = [{"view": view, "sort": sort} for view in QUEUE_VIEWS for sort in SORTS]
    filtered = {"view": "all", "priority": str(cast.p2.pk), "status": "open"}
    return [
        *pages,
        filtered,
        {**filtered, "department": str(cast.service_desk.pk), "assignee": str(cast.tier1.pk)},
        {"view": "all", "q": "banking"},
        {"view": "open", "q": "outage mobile", "sort": "due"},
    ]


def warm_queries(client: Client, params: dict[str, str]) -> int:
    url = reverse("agents:queue")
    assert client.get(url, params).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def open_desk_tickets(cast: Cast, open_ticket: OpenTicket, count: int) -> None:
    for number in range(count):
        ticket = open_ticket(subject=f"Banking outage {number}", priority=cast.p2)
        if number % 2:
            ops.claim(ticket, by=cast.tier1)
        else:
            ops.assign_team(ticket, by=cast.tier1, team=cast.major_incident)


def test_every_queue_page_stays_within_the_query_budget_however_many_rows(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    pages = every_queue_page(cast)
    open_desk_tickets(cast, open_ticket, 2)
    few = {str(page): warm_queries(alex, page) for page in pages}
    open_desk_tickets(cast, open_ticket, 30)
    many = {str(page): warm_queries(alex, page) for page in pages}

    assert many == few
    assert max(few.values()) <= QUERY_BUDGET, few


def test_a_later_page_costs_what_the_first_page_costs(
    cast: Cast, alex: Client, open_ticket: OpenTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views_queue, "PAGE_SIZE", 2)
    open_desk_tickets(cast, open_ticket, 5)
    first = alex.get(reverse("agents:queue"), {"view": "all"})
    cursor = QueryDict(urlsplit(first.context["next_url"]).query)["after"]
    assert cursor

    assert warm_queries(alex, {"view": "all", "after": cursor}) == warm_queries(
        alex, {"view": "all"}
    )
