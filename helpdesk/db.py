"""Database helpers that are about PostgreSQL's behaviour rather than about the desk."""

import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Lookup, QuerySet

# PostgreSQL's bigint: ids and integer columns hold less than this.
BIGINT = 2**63
# An id sent as text: ASCII digits that fit a bigint ("²" is a digit to str.isdigit, not to
# int(); a 30-digit id overflowed the column's type).
ID_DIGITS = re.compile(r"[0-9]{1,18}")


@contextmanager
def joins_in_written_order() -> Iterator[None]:
    """Inside, PostgreSQL joins tables in the order the query names them.

    A ticket row with everything a list shows joins seven small tables along its foreign
    keys; searching the best order of eight relations took the planner 5–12 ms, many times
    the 0.1–0.3 ms the query then ran. Starting from the ticket and following its foreign
    keys is already the best order, so the search is switched off for these reads only
    (SET LOCAL ends with the transaction). Elsewhere, e.g. SQLite, this does nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL join_collapse_limit = 1")
        yield


# A compiled query: its SQL and parameters, as the database cursor takes them.
Compiled = tuple[str, tuple[Any, ...]]


def plain_sql(queryset: QuerySet[Any]) -> Compiled | None:
    """`queryset` (of `values_list` tuples) compiled once, to be run again by `rows_of`
    without the ORM building and compiling it each time; None where its values need the
    ORM's converting (SQLite's dates), or where it can match nothing and has no SQL."""
    compiler = queryset.query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
    if compiler.get_converters(columns):
        return None
    return sql, tuple(params)


def rows_of(compiled: Compiled) -> list[tuple[Any, ...]]:
    """The rows of a query `plain_sql` compiled; with `HELPDESK_PREPARED_STATEMENTS`, run as a
    statement prepared on the connection (see `Prepared`)."""
    sql, params = compiled
    with connection.cursor() as cursor:
        if settings.HELPDESK_PREPARED_STATEMENTS and connection.vendor == "postgresql":
            Prepared.on(connection.connection).run(cursor, cursor.mogrify(sql, params))
        else:
            cursor.execute(sql, params)
        return cursor.fetchall()


class Prepared:
    """The statements prepared on one PostgreSQL connection, least recently run first.

    Planning a queue's query took PostgreSQL 0.2–0.4 ms, as long as running it; a prepared
    statement is planned once per connection (and again by PostgreSQL itself when the
    tables' statistics change). The values are written into the statement, so its plan is
    the one PostgreSQL would choose for them. Each statement holds a plan in the server
    process's memory: past `SIZE`, the least recently run is deallocated.

    PREPARE and DEALLOCATE are not undone by a rollback, and a failed round trip may have
    done some of its statements: after a failure the connection's statements are unknown,
    and the next round trip starts with DEALLOCATE ALL.
    """

    SIZE = 64
    _of: "WeakKeyDictionary[Any, Prepared]" = WeakKeyDictionary()
    _lock = threading.Lock()
    _numbers = itertools.count()

    def __init__(self) -> None:
        self.names: OrderedDict[bytes, str] = OrderedDict()
        self.known = True

    @classmethod
    def on(cls, raw_connection: Any) -> "Prepared":
        """The statements of `raw_connection` (the driver's: a new one has none)."""
        with cls._lock:
            return cls._of.setdefault(raw_connection, cls())

    def run(self, cursor: Any, query: bytes) -> None:
        """Execute `query` (SQL with its values written in): one round trip that prepares
        it first if it is not yet."""
        name = self.names.get(query)
        if name is not None:
            self.names.move_to_end(query)
            self._execute(cursor, f"EXECUTE {name}")
            return
        name = f"helpdesk_{next(self._numbers)}"
        dropped = list(self.names.values())[: max(len(self.names) + 1 - self.SIZE, 0)]
        steps = [] if self.known else ["DEALLOCATE ALL"]
        steps += [f"DEALLOCATE {old}" for old in dropped]
        steps += [f"PREPARE {name} AS {query.decode()}", f"EXECUTE {name}"]
        self._execute(cursor, "; ".join(steps))
        for _ in dropped:
            self.names.popitem(last=False)
        self.names[query] = name

    def _execute(self, cursor: Any, sql: str) -> None:
        try:
            cursor.execute(sql)
        except Exception:
            self.names.clear()
            self.known = False
            raise
        self.known = True


class AnyOf(Lookup):
    """`column = ANY(%s)`: a list of integer ids sent as one array parameter.

    `__in` compiles one placeholder per value; a search's 2,000 ticket ids cost 5 ms of
    Python a query that way. Use it as `queryset.filter(AnyOf(F("pk"), ids))`. Elsewhere
    (SQLite) it is the plain IN list.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*params, self._ids()]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        ids = self._ids()
        if not ids:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*params, *ids]

    def _ids(self) -> list[int]:
        return [int(value) for value in self.rhs]
