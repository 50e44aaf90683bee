"""The queue: views with counts, filters and sort in the URL, search, keyset pages, and a
query count that does not grow with the rows."""

import re
from datetime import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents import views_queue
from agents.rows import SHOWN
from tests.conftest import Cast, OpenTicket
from tests.integration.agents.conftest import queries_for
from tickets import operations as ops
from tickets import queues
from tickets.models import Ticket

# The query that finds a page's rows (tickets.queues.heads_query) starts so.
HEADS = 'SELECT "tickets_ticket"."id" AS "pk", "tickets_ticket"."version" AS "version"'


def numbers(response: object) -> list[str]:
    return re.findall(
        r'class="ticket-link" href="/agents/tickets/(\d+)/"', response.content.decode()
    )


def test_each_row_shows_what_an_agent_scans_for(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    ops.claim(desk_ticket, by=cast.tier1)

    page = alex.get(reverse("agents:queue")).content.decode()

    for shown in (
        desk_ticket.number,
        "Online and mobile banking are down",
        "Jordan Blake",
        "P3 Normal",
        "Open",
        "Service Desk",
        "Alex Rivera",
        f'datetime="{desk_ticket.resolution_due.isoformat()}"',
    ):
        assert shown in page


def test_the_views_split_the_tickets_and_count_them(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    mine = ops.claim(open_ticket(subject="Mine"), by=cast.tier1)
    ops.set_status(open_ticket(subject="Waiting"), by=cast.tier1, status="awaiting_customer")
    open_ticket(subject="Nobody's")
    open_ticket(subject="Not ours", topic=cast.outage)  # SysAdmin: not in Alex's queues

    assert numbers(alex.get(reverse("agents:queue"), {"view": "mine"})) == [mine.number]
    unassigned = alex.get(reverse("agents:queue"), {"view": "unassigned"})
    assert len(numbers(unassigned)) == 2
    page = alex.get(reverse("agents:queue"), {"view": "all"}).content.decode()
    assert len(numbers_in(page)) == 3
    counts = dict(re.findall(r'>\s*([A-Za-z’\' ]+?)\s*<span class="badge[^>]*>(\d+\+?)<', page))
    assert counts["Open"] == "2"
    assert counts["My tickets"] == "1"
    assert counts["Awaiting customer"] == "1"
    assert counts["All"] == "3"


def numbers_in(page: str) -> list[str]:
    return re.findall(r'class="ticket-link" href="/agents/tickets/(\d+)/"', page)


def test_filters_and_sort_live_in_the_url(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    urgent = ops.triage(open_ticket(subject="Urgent"), by=cast.tier1, priority=cast.p1)
    normal = open_ticket(subject="Normal")
    phoned = open_ticket(subject="Phoned in", source=Ticket.Source.PHONE, by=cast.tier1)

    by_priority = alex.get(reverse("agents:queue"), {"view": "all", "priority": cast.p1.pk})
    by_source = alex.get(reverse("agents:queue"), {"view": "all", "source": "phone"})
    most_urgent = alex.get(reverse("agents:queue"), {"view": "all", "sort": "priority"})

    assert numbers(by_priority) == [urgent.number]
    assert numbers(by_source) == [phoned.number]
    assert numbers(most_urgent)[0] == urgent.number
    assert set(numbers(most_urgent)) == {urgent.number, normal.number, phoned.number}


def test_a_forged_filter_is_reported_and_ignored(alex: Client, desk_ticket: Ticket) -> None:
    response = alex.get(
        reverse("agents:queue"), {"view": "all", "department": "99999", "created_from": "soon"}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "Enter a valid date" in response.content.decode()
    assert numbers(response) == [desk_ticket.number]


@pytest.mark.parametrize(
    "query",
    ["Online and mobile", "bank", "jordan", "jordan.blake@northbank.test", "error 503", "{number}"],
)
def test_search_finds_by_number_subject_requester_and_message_text(
    cast: Cast, alex: Client, desk_ticket: Ticket, open_ticket: OpenTicket, query: str
) -> None:
    open_ticket(
        subject="Printer jam",
        body="Paper stuck in tray 2.",
        requester=cast.outsider,
        by=cast.outsider,
    )

    response = alex.get(
        reverse("agents:queue"), {"view": "all", "q": query.format(number=desk_ticket.number)}
    )

    assert numbers(response) == [desk_ticket.number]


def test_search_finds_words_in_internal_notes(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    ops.add_note(desk_ticket, by=cast.tier1, body="Connection pool exhausted on banking-api-01.")

    response = alex.get(reverse("agents:queue"), {"view": "all", "q": "exhausted"})

    assert numbers(response) == [desk_ticket.number]


def test_search_never_shows_tickets_outside_the_agents_sight(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    open_ticket(subject="Core banking outage", topic=cast.outage)

    response = alex.get(reverse("agents:queue"), {"view": "all", "q": "outage"})

    assert numbers(response) == []


# A search's pages are cut in Python, the others' by the database (`keyset_heads`).
@pytest.mark.parametrize("search", ["", "&q=ticket"])
def test_pages_follow_each_other_without_gaps_or_repeats(
    alex: Client, open_ticket: OpenTicket, monkeypatch: pytest.MonkeyPatch, search: str
) -> None:
    monkeypatch.setattr(views_queue, "PAGE_SIZE", 2)
    opened = {open_ticket(subject=f"Ticket {n}").number for n in range(5)}
    other = open_ticket(subject="Something else").number
    listed = opened if search else {*opened, other}

    seen: list[str] = []
    url = reverse("agents:queue") + "?view=all&sort=number" + search
    for _page in range(3):
        response = alex.get(url)
        seen += numbers(response)
        match = re.search(r'href="([^"]+)" rel="next"', response.content.decode())
        if match is None:
            break
        url = match[1].replace("&amp;", "&")

    assert seen == sorted(listed)
    assert match is None


@pytest.mark.parametrize("few", [False, True])
def test_only_a_searchs_matches_are_read_whole_and_their_page_cut_in_python(
    desk_ticket: Ticket, few: bool
) -> None:
    # Given a LIMIT, PostgreSQL walks the sort's index through the whole desk looking for a
    # search's matches (125 ms at a million tickets); a queue view needs the LIMIT.
    with CaptureQueriesContext(connection) as queries:
        heads = queues.keyset_heads(Ticket.objects.all(), queues.SORTS["updated"], "", 25, few=few)

    assert heads.ids == [desk_ticket.pk]
    assert ("LIMIT" in queries[0]["sql"]) is not few


def test_a_search_reads_what_rows_show_for_its_page_only(desk_ticket: Ticket) -> None:
    shown = ("subject", "requester__name")
    with CaptureQueriesContext(connection) as queries:
        heads = queues.keyset_heads(
            Ticket.objects.all(), queues.SORTS["updated"], "", 25, few=True, shown=shown
        )

    assert heads.ids == [desk_ticket.pk]
    assert heads.shown == [(desk_ticket.subject, desk_ticket.requester.name)]
    matches, page = (query["sql"] for query in queries)
    assert "tickets_contact" not in matches and "tickets_contact" in page


def test_the_queue_reads_only_a_searchs_matches_whole(alex: Client, desk_ticket: Ticket) -> None:
    def finding_query(params: dict[str, str]) -> str:
        with CaptureQueriesContext(connection) as queries:
            response = alex.get(reverse("agents:queue"), {"view": "all", **params})
        assert numbers(response) == [desk_ticket.number]
        (finding,) = [query["sql"] for query in queries if query["sql"].startswith(HEADS)]
        return finding

    assert "LIMIT" in finding_query({})
    assert "LIMIT" not in finding_query({"q": "banking"})


# A cursor's value must be one the database compares with the sort's column: a string, a
# number or a naive time for a time, a NUL in a number, a huge id were server errors.
@pytest.mark.parametrize(
    ("sort", "cursor"),
    [
        ("updated", "not-a-cursor"),
        ("updated", queues.encode_cursor("x", 1)),
        ("updated", queues.encode_cursor(10**30, 5)),
        ("updated", queues.encode_cursor(datetime(2026, 1, 1), 5)),  # noqa: DTZ001 - naive
        ("updated", queues.encode_cursor(None, 5)),
        ("due", queues.encode_cursor("not-a-date", 5)),
        ("priority", queues.encode_cursor("abc", 5)),
        ("priority", queues.encode_cursor(10**30, 5)),
        ("number", queues.encode_cursor("1\x002", 5)),
        ("number", queues.encode_cursor("10000000", 10**30)),
    ],
)
def test_a_tampered_page_cursor_starts_again_at_the_first_page(
    alex: Client, desk_ticket: Ticket, sort: str, cursor: str
) -> None:
    response = alex.get(reverse("agents:queue"), {"view": "all", "sort": sort, "after": cursor})

    assert response.status_code == 200
    assert numbers(response) == [desk_ticket.number]


@pytest.mark.parametrize(
    ("dates", "listed"),
    [
        ({"created_to": "9999-12-31"}, True),  # its next midnight is past the last date
        ({"updated_to": "9999-12-31", "created_from": "0001-01-01"}, True),
        ({"created_from": "9999-12-31"}, False),
    ],
)
def test_dates_at_the_ends_of_the_calendar_filter_as_any_other(
    alex: Client, desk_ticket: Ticket, dates: dict[str, str], listed: bool
) -> None:
    response = alex.get(reverse("agents:queue"), {"view": "all", **dates})

    assert response.status_code == 200
    assert numbers(response) == ([desk_ticket.number] if listed else [])


def test_the_queue_query_count_does_not_grow_with_rows(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    url = reverse("agents:queue")
    for number in range(3):
        ops.claim(open_ticket(subject=f"Few {number}"), by=cast.tier1)
    few = queries_for(alex, url, {"view": "all"})
    for number in range(30):
        ticket = open_ticket(subject=f"Many {number}", priority=cast.p2)
        ops.assign_team(ticket, by=cast.tier1, team=cast.major_incident)

    assert queries_for(alex, url, {"view": "all"}) == few
    # Sessions, the agent, nine capped counts, the page, the filter choices and the names
    # rows show: read once, then remembered.
    assert few <= 28


def test_a_search_matching_too_many_tickets_says_so(
    alex: Client, open_ticket: OpenTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queues, "SEARCH_CAP", 1)
    open_ticket(subject="Printer jam on floor 1")
    open_ticket(subject="Printer jam on floor 2")

    response = alex.get(reverse("agents:queue"), {"view": "all", "q": "printer"})

    assert len(numbers(response)) == 1
    page = response.content.decode()
    assert "only some of them are listed, and the view and filters apply to those" in page
    assert "Add words to narrow the search." in page


@pytest.mark.parametrize(
    ("view", "sort", "index"),
    [
        ("all", "due", "ticket_due"),
        ("all", "updated", "ticket_recent_activity"),
        ("open", "updated", "ticket_status_updated"),
        ("mine", "due", "ticket_active_resolution_due"),
        ("team", "updated", "ticket_recent_activity"),
        ("overdue", "due", "ticket_active_resolution_due"),
    ],
)
@pytest.mark.parametrize("who", ["tier1", "manager"])
def test_a_filtered_page_is_found_from_the_sorts_index_alone(
    cast: Cast, desk_ticket: Ticket, view: str, sort: str, index: str, who: str
) -> None:
    # The sort's index holds every column the agent's sight, the view and the priority
    # filter test: PostgreSQL can walk it past the tickets filtered out without reading the
    # table (the test desk is too small for the planner to prefer that, so the other ways
    # are switched off).
    agent = getattr(cast, who)
    tickets = Ticket.objects.visible_to(agent).filter(priority=desk_ticket.priority)
    tickets = queues.QUEUE_VIEWS[view].narrow(tickets, agent)
    found = queues.heads_query(tickets, queues.SORTS[sort], "", SHOWN, 26)
    sql, params = found.query.sql_with_params()
    with connection.cursor() as cursor:
        for way in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{way} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())

    assert f"Index Only Scan using {index} on tickets_ticket" in plan, plan
