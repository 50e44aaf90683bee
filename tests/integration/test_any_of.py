"""`helpdesk.db.AnyOf`: a long list of ids as one array parameter on PostgreSQL, an IN list
elsewhere, with the same rows either way."""

import copy

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.db.models import F

from helpdesk.db import AnyOf
from tests.conftest import Cast, OpenTicket
from tickets.models import Ticket


@pytest.fixture
def tickets(open_ticket: OpenTicket) -> list[Ticket]:
    return [open_ticket(subject=f"Printer {n} jams") for n in range(4)]


def test_it_finds_exactly_the_listed_rows(cast: Cast, tickets: list[Ticket]) -> None:
    wanted = [tickets[0].pk, tickets[2].pk, 10**12]  # an id that does not exist is no match

    found = Ticket.objects.filter(AnyOf(F("pk"), wanted))

    assert sorted(found.values_list("pk", flat=True)) == sorted(wanted[:2])
    assert not Ticket.objects.filter(AnyOf(F("pk"), []))


def test_the_list_is_one_parameter_on_postgresql(cast: Cast) -> None:
    ids = list(range(1, 2001))

    sql, params = (
        Ticket.objects.filter(AnyOf(F("pk"), ids))
        .query.get_compiler(connection=connection)
        .as_sql()
    )

    assert connection.vendor == "postgresql"
    assert "= ANY(%s::bigint[])" in sql
    assert params == (ids,)


def test_other_databases_get_an_in_list() -> None:
    sqlite = DatabaseWrapper({**copy.deepcopy(settings.DATABASES["default"]), "NAME": ":memory:"})
    compiler = Ticket.objects.filter(AnyOf(F("pk"), ["3", 5])).query.get_compiler(connection=sqlite)

    sql, params = compiler.as_sql()

    assert '"tickets_ticket"."id" IN (%s, %s)' in sql
    assert params == (3, 5)
