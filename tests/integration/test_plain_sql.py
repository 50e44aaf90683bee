"""`helpdesk.db.plain_sql` and `rows_of`: a query compiled once and run again as SQL gives
the rows the ORM would; queries whose values the ORM must convert are not compiled so."""

from helpdesk.db import plain_sql, rows_of
from tests.conftest import Cast, OpenTicket
from tickets.models import Notification, Ticket


def test_the_compiled_query_reads_what_the_orm_reads(cast: Cast, open_ticket: OpenTicket) -> None:
    tickets = [open_ticket(subject=f"Printer {n} jams") for n in range(3)]
    query = Ticket.objects.filter(subject__endswith="jams").order_by("-pk")
    query = query.values_list("pk", "version", "updated_at", "requester_id")[:2]

    compiled = plain_sql(query)

    assert compiled is not None
    assert rows_of(compiled) == list(query)
    assert [row[0] for row in rows_of(compiled)] == [tickets[2].pk, tickets[1].pk]


def test_the_compiled_query_reads_the_rows_as_they_are_now(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    compiled = plain_sql(Ticket.objects.values_list("subject").order_by("pk"))
    assert compiled is not None and rows_of(compiled) == []

    open_ticket(subject="VPN drops every hour")

    assert rows_of(compiled) == [("VPN drops every hour",)]


def test_values_the_orm_converts_are_left_to_it() -> None:
    # A JSON column's values are decoded by the ORM, not by the database driver.
    assert plain_sql(Notification.objects.values_list("values")) is None


def test_a_query_that_can_match_nothing_has_no_sql() -> None:
    assert plain_sql(Ticket.objects.filter(pk__in=[]).values_list("pk")) is None
