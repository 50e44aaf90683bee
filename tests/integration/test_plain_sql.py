"""`helpdesk.db.plain_sql` and `rows_of`: a query compiled once and run again as SQL gives
the rows the ORM would; queries whose values the ORM must convert are not compiled so."""

import pytest
from django.db import DataError, connection, transaction
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from pytest_django import Settings

from helpdesk.db import Compiled, Prepared, plain_sql, rows_of
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


# ---------------------------------------------------------------------------------------------
# Run as prepared statements


@pytest.fixture
def prepared(settings: Settings) -> None:
    settings.HELPDESK_PREPARED_STATEMENTS = True


def statements_prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'helpdesk\\_%'"
        )
        return [statement for (statement,) in cursor.fetchall()]


def subjects_ending(text: str) -> Compiled:
    query = Ticket.objects.filter(subject__endswith=text).values_list("subject").order_by("pk")
    compiled = plain_sql(query)
    assert compiled is not None
    return compiled


def test_a_prepared_query_is_prepared_once_and_reads_the_rows_as_they_are_now(
    prepared: None, cast: Cast, open_ticket: OpenTicket
) -> None:
    compiled = subjects_ending("jams")
    assert rows_of(compiled) == []
    open_ticket(subject="Printer jams")

    with CaptureQueriesContext(connection) as queries:
        assert rows_of(compiled) == [("Printer jams",)]

    # One round trip, running what was prepared; the value is written into the statement.
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["EXECUTE"]
    assert sum("'%jams'" in statement for statement in statements_prepared()) == 1


def test_past_the_bound_the_least_recently_run_statement_is_deallocated(
    prepared: None, monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    monkeypatch.setattr(Prepared, "SIZE", 2)
    first, second, third = (subjects_ending(text) for text in ("jams", "drops", "fails"))
    rows_of(first)
    rows_of(second)
    rows_of(first)  # now the most recently run

    rows_of(third)

    kept = statements_prepared()
    assert len(kept) == 2
    assert [
        text for text in ("'%jams'", "'%drops'", "'%fails'") if any(text in s for s in kept)
    ] == [
        "'%jams'",
        "'%fails'",
    ]


def test_after_a_failed_round_trip_the_statements_are_prepared_afresh(
    prepared: None, monkeypatch: pytest.MonkeyPatch, cast: Cast, open_ticket: OpenTicket
) -> None:
    monkeypatch.setattr(Prepared, "SIZE", 1)
    open_ticket(subject="Printer jams")
    compiled = subjects_ending("jams")
    rows_of(compiled)
    division_by_zero = RawSQL('1 / ("tickets_ticket"."id" - "tickets_ticket"."id")', ())
    failing = plain_sql(Ticket.objects.filter(pk__gt=division_by_zero).values_list("pk"))
    assert failing is not None

    # Its round trip deallocates the first statement before the division fails.
    with pytest.raises(DataError), transaction.atomic():
        rows_of(failing)

    assert rows_of(compiled) == [("Printer jams",)]
    assert len(statements_prepared()) == 1
