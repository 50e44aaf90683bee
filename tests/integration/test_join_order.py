"""Reads of a few known tickets join their related rows in the written order (planning an
eight-table join cost more than running it), and only for that read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import Cast, OpenTicket
from tickets.models import Ticket


def join_collapse_limit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return cursor.fetchone()[0]


def test_fetch_reads_the_rows_with_the_planners_search_off(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket()

    with CaptureQueriesContext(connection) as captured:
        rows = Ticket.objects.visible_to(cast.tier1).filter(pk=ticket.pk).fetch()

    assert rows == [ticket]
    assert rows[0].department.name == "Service Desk"  # joined, not fetched later
    statements = [query["sql"] for query in captured.captured_queries]
    setting = statements.index("SET LOCAL join_collapse_limit = 1")
    assert statements[setting + 1].startswith('SELECT "tickets_ticket"."id"')


@pytest.mark.django_db(transaction=True)
def test_the_setting_ends_with_the_read(cast: Cast, open_ticket: OpenTicket) -> None:
    open_ticket()
    default = join_collapse_limit()

    Ticket.objects.visible_to(cast.admin).fetch()

    assert join_collapse_limit() == default == "8"
