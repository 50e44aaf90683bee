"""Queue pages remembered by what they show (agents.drawn): a reload of an unchanged page is
served without drawing it, and any change to what it shows draws it afresh."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import update_last_login
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import Settings

from agents import drawn, views_queue
from agents.forms import QueueForm
from agents.rows import QueueRow, queue_rows
from helpdesk import remembered
from tests.conftest import Cast
from tests.integration.agents.conftest import client_for
from tickets import operations as ops
from tickets import queues
from tickets.models import Ticket

QUEUE = reverse("agents:queue")
CSRF_TOKENS = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def page(client: Client, params: dict[str, str] | None = None) -> str:
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return response.content.decode()


def without_tokens(html: str) -> str:
    return CSRF_TOKENS.sub("", html)


def ticket_reads(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries if "tickets_ticket" in query["sql"]]


@pytest.fixture
def drawings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows each drawing of a queue page read, one entry a drawing."""
    drawn_rows: list[int] = []

    def rows(heads: queues.Heads) -> list[QueueRow]:
        drawn_rows.append(len(heads.rows))
        return queue_rows(heads)

    monkeypatch.setattr(views_queue, "queue_rows", rows)
    return drawn_rows


def test_a_reload_of_an_unchanged_page_is_served_without_drawing_it(
    alex: Client, desk_ticket: Ticket, drawings: list[int]
) -> None:
    first = page(alex)
    with CaptureQueriesContext(connection) as reload:
        again = page(alex)

    assert without_tokens(again) == without_tokens(first)
    assert drawings == [1]
    # Only the query that finds the page's rows (with what they show).
    (finding,) = ticket_reads(reload)
    assert "tickets_priority" not in finding


def test_with_prepared_statements_a_reload_runs_the_prepared_query(
    cast: Cast, alex: Client, desk_ticket: Ticket, settings: Settings
) -> None:
    settings.HELPDESK_PREPARED_STATEMENTS = True
    page(alex)
    with CaptureQueriesContext(connection) as reload:
        page(alex)
    assert [query["sql"] for query in reload if query["sql"].startswith("EXECUTE")]
    assert not ticket_reads(reload)  # nothing else read a ticket

    ops.claim(desk_ticket, by=cast.tier1)

    assert "Alex Rivera" in page(alex).split('class="queue-row', 1)[1]


def test_a_changed_ticket_is_shown_at_once(cast: Cast, alex: Client, desk_ticket: Ticket) -> None:
    assert "unassigned" in page(alex)

    ops.claim(desk_ticket, by=cast.tier1)

    row = page(alex).split('class="queue-row', 1)[1]
    assert "Alex Rivera" in row and "unassigned" not in row


def test_a_renamed_requester_is_shown_at_once(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    assert "Jordan Blake" in page(alex)

    ops.update_contact(cast.requester, name="Jordan Blake-Okafor", phone="")

    assert "Jordan Blake-Okafor" in page(alex)


def test_new_contacts_and_linked_accounts_keep_what_is_remembered(
    cast: Cast, customer_user: object
) -> None:
    before = remembered.version()

    ops.find_or_create_contact(email="new.caller@northbank.test", name="New Caller")
    cast.requester.save(update_fields=["user"])

    assert remembered.version() == before


def test_a_renamed_department_is_shown_at_once(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    assert "Service Desk" in page(alex)

    cast.general.department.name = "IT Service Desk"
    cast.general.department.save()

    assert "IT Service Desk" in page(alex)


def test_each_answer_carries_its_own_browsers_token(cast: Cast, desk_ticket: Ticket) -> None:
    first_browser, second_browser = client_for(cast.tier1), client_for(cast.tier1)
    first, second = page(first_browser), page(second_browser)

    first_tokens, second_tokens = CSRF_TOKENS.findall(first), CSRF_TOKENS.findall(second)
    assert len(first_tokens) == 2 and len(second_tokens) == 2  # sign-out and bulk forms
    assert first_browser.cookies["csrftoken"].value != second_browser.cookies["csrftoken"].value
    assert drawn.CSRF_PLACEHOLDER not in first + second
    # Each token is the browser's own: the bulk form posts with it.
    token = second_tokens[1]
    answer = second_browser.post(
        reverse("agents:bulk"),
        {"csrfmiddlewaretoken": token, "action": "priority", "priority": cast.p1.pk},
    )
    assert answer.status_code != 403


@pytest.fixture
def outage(cast: Cast) -> Ticket:
    """A ticket of the Payments department, which Alex (tier 1) does not serve."""
    return ops.open_ticket(
        requester=cast.requester,
        subject="Card payments declined",
        body="Every card payment fails.",
        topic=cast.outage,
        source=Ticket.Source.WEB,
        by=cast.requester,
    )


def test_agents_who_see_differently_never_share_a_page(
    cast: Cast, desk_ticket: Ticket, outage: Ticket
) -> None:
    admins = page(client_for(cast.admin), {"view": "all"})
    alexs = page(client_for(cast.tier1), {"view": "all"})

    assert outage.number in admins
    assert outage.number not in alexs and desk_ticket.number in alexs


def test_a_reload_runs_the_query_that_finds_its_rows_without_building_it(
    alex: Client, desk_ticket: Ticket, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []

    def heads_query(*args: Any) -> Any:
        built.append("heads")
        return queues.heads_query(*args)

    def queue_form(*args: Any) -> QueueForm:
        built.append("form")
        return QueueForm(*args)

    monkeypatch.setattr(views_queue, "heads_query", heads_query)
    monkeypatch.setattr(views_queue, "QueueForm", queue_form)
    page(alex, {"view": "all"})
    assert built == ["form", "heads"]

    page(alex, {"view": "all"})
    assert built == ["form", "heads"]

    # A parameter the queue does not read: another address, so the page is put together
    # afresh, but from the same frame (tabs, filter form…) and the same query for its rows.
    page(alex, {"view": "all", "from": "mail"})
    assert built == ["form", "heads"]
    page(alex, {"view": "open"})
    assert built == ["form", "heads", "form", "heads"]


def test_an_agent_made_admin_sees_every_ticket_at_once(
    cast: Cast, alex: Client, desk_ticket: Ticket, outage: Ticket
) -> None:
    assert outage.number not in page(alex, {"view": "all"})

    cast.tier1.user.is_superuser = True
    cast.tier1.user.save()

    assert outage.number in page(alex, {"view": "all"})


def test_a_notice_is_shown_once_and_not_remembered(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    page(alex)
    alex.post(
        reverse("agents:bulk"),
        {
            "action": "priority",
            "priority": cast.p1.pk,
            "tickets": f"{desk_ticket.pk}:{desk_ticket.version}",
            "next": "",
        },
    )

    assert "Done: " in page(alex)
    assert "Done: " not in page(alex)


def test_signing_in_elsewhere_keeps_the_remembered_pages(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    page(alex)
    update_last_login(None, cast.tier1.user)

    with CaptureQueriesContext(connection) as reload:
        page(alex)

    assert len(ticket_reads(reload)) == 1


def test_only_a_few_pages_are_kept(alex: Client, desk_ticket: Ticket, settings: Settings) -> None:
    for number in range(drawn.PAGES_KEPT + 5):
        page(alex, {"q": f"word{number}"})

    assert len(drawn._pages) == drawn.PAGES_KEPT


def test_without_a_shared_cache_every_page_is_drawn(
    alex: Client, desk_ticket: Ticket, settings: Settings, drawings: list[int]
) -> None:
    settings.HELPDESK_REMEMBER_CONFIGURATION = False
    page(alex)
    page(alex)

    assert drawings == [1, 1]
    assert not drawn._pages


def test_the_frame_around_the_rows_shows_a_configuration_change_at_once(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    page(alex)
    cast.general.department.name = "IT Service Desk"
    cast.general.department.save()

    # Another address with the same rows and frame: the filter's options are the frame's.
    html = page(alex, {"from": "mail"})

    assert re.search(r"<option [^>]*>IT Service Desk</option>", html)


def test_links_keep_the_parameters_the_queue_reads_and_only_those(
    alex: Client, desk_ticket: Ticket
) -> None:
    html = page(alex, {"view": "all", "sort": "due", "from": "mail"})

    tabs = re.findall(r'class="nav-link py-1 px-2[^"]*" href="([^"]+)"', html)
    assert "/agents/?sort=due&amp;view=open" in tabs
    assert not any("from" in tab for tab in tabs)
    assert 'name="next" value="view=all&amp;sort=due"' in html
