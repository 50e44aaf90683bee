"""Reading tickets in bulk for staff: search, the queue views, keyset pages, capped counts.

Built for a million tickets: no OFFSET (a page is "the rows after this one"), no exact
COUNT(*) of a big list (counts stop at a cap), and search through GIN indexes on PostgreSQL
(see migration 0004 for the index expressions, which must match `_document` here).
"""

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Expression, F, Func, Q, QuerySet, Sum
from django.db.models.functions import Left

from helpdesk.db import BIGINT, AnyOf
from tickets.models import Agent, Contact, ThreadEntry, Ticket, TicketQuerySet, normalize_email

# 'simple' keeps words as typed, without stemming or stop words: an IT desk searches error
# codes, host names and product names, which an English stemmer would mangle.
SEARCH_CONFIG = "simple"
# How much of one message is indexed; keeps every vector far below PostgreSQL's 1 MB limit.
ENTRY_SEARCH_CHARS = 100_000
MAX_SEARCH_TERMS = 8
# A search lists at most this many tickets; past it the agent is asked for more words.
SEARCH_CAP = 2000
TICKET_NUMBER = re.compile(r"#?(\d{8})")


def _document(*columns: Expression | str) -> Func:
    """`to_tsvector('simple', a || ' ' || b)`, written exactly as the GIN indexes' expressions."""
    return Func(
        *columns,
        template=f"to_tsvector('{SEARCH_CONFIG}'::regconfig, %(expressions)s)",
        arg_joiner=" || ' ' || ",
        output_field=SearchVectorField(),
    )


def search_terms(text: str) -> list[str]:
    """The words of a search box: letters and digits only, so the query syntax cannot leak in."""
    return re.findall(r"\w+", text.lower())[:MAX_SEARCH_TERMS]


def _query(text: str, terms: list[str]) -> SearchQuery:
    # Every word must match; words of two or more characters match as prefixes ("outl" finds
    # "outlook"). One-letter prefixes would match half the index, so they match exactly.
    raw = " & ".join(f"{term}:*" if len(term) > 1 else term for term in terms)
    prefixes = SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)
    # Or the words as PostgreSQL's own parser splits them: "CR-1042" is stored as "cr" and
    # "-1042", which the word-by-word prefixes above would miss.
    return prefixes | SearchQuery(text[:200], search_type="plain", config=SEARCH_CONFIG)


@dataclass(frozen=True)
class Matches:
    """The ids of the tickets a search matches, at most `SEARCH_CAP` of them."""

    ids: list[int]
    complete: bool


def find(text: str) -> Matches:
    """Tickets matching a ticket number, or words in the subject, the requester's name or
    email, or any message, reply or note of the thread (visibility is the caller's).

    The ids are read first, from the search indexes alone, and capped: joined with the
    visibility rule and a sort in one statement, PostgreSQL misjudges how few rows match
    and scans every ticket the agent may see.
    """
    text = text.strip()
    number = TICKET_NUMBER.fullmatch(text)
    parts = [Ticket.objects.filter(number=number[1]).values_list("pk")] if number else []
    terms = search_terms(text)
    if terms:
        parts += _text_matches(text, terms)
    if not parts:
        return Matches([], complete=True)
    first, *rest = (part.order_by() for part in parts)
    # UNION ALL streams, so the limit stops the reading early; duplicates go in Python.
    found = first.union(*rest, all=True) if rest else first
    ids = list(dict.fromkeys(pk for (pk,) in found[: SEARCH_CAP * 3]))
    return Matches(ids[:SEARCH_CAP], complete=len(ids) <= SEARCH_CAP)


def search(tickets: TicketQuerySet, text: str) -> TicketQuerySet:
    """`tickets` narrowed to those `find` matches."""
    return tickets.filter(AnyOf(F("pk"), find(text).ids))


def _text_matches(text: str, terms: list[str]) -> list[QuerySet[Any]]:
    if connection.vendor != "postgresql":
        # SQLite (`make run`): a plain substring scan, fine for a demo's few tickets.
        return [
            Ticket.objects.filter(
                Q(subject__icontains=text)
                | Q(requester__name__icontains=text)
                | Q(requester__email__icontains=text)
            ).values_list("pk"),
            ThreadEntry.objects.filter(body__icontains=text).values_list("ticket_id"),
        ]
    query = _query(text, terms)
    requesters = Contact.objects.alias(document=_document("name", "email")).filter(document=query)
    if "@" in text:
        requesters = requesters | Contact.objects.filter(email=normalize_email(text))
    return [
        Ticket.objects.alias(document=_document("subject"))
        .filter(document=query)
        .values_list("pk"),
        ThreadEntry.objects.alias(document=_document(Left("body", ENTRY_SEARCH_CHARS)))
        .filter(document=query)
        .values_list("ticket_id"),
        Ticket.objects.filter(requester__in=requesters.values("pk")).values_list("pk"),
    ]


# ---------------------------------------------------------------------------------------------
# Queue views


@dataclass(frozen=True)
class QueueView:
    """A named slice of the tickets an agent can see ("My tickets", "Overdue"…)."""

    key: str
    label: str
    narrow: Callable[[TicketQuerySet, Agent], TicketQuerySet]


def _active(tickets: TicketQuerySet) -> TicketQuerySet:
    return tickets.filter(status__in=Ticket.ACTIVE_STATUSES)


Status = Ticket.Status
QUEUE_VIEWS = {
    view.key: view
    for view in [
        QueueView("open", "Open", lambda rows, agent: rows.filter(status=Status.OPEN)),
        QueueView("mine", "My tickets", lambda rows, agent: _active(rows).filter(assignee=agent)),
        QueueView(
            "team",
            "My team's",
            lambda rows, agent: _active(rows).filter(team__in=agent.teams.values("pk")),
        ),
        QueueView(
            "unassigned", "Unassigned", lambda rows, agent: _active(rows).filter(assignee=None)
        ),
        QueueView("overdue", "Overdue", lambda rows, agent: _active(rows).filter(is_overdue=True)),
        QueueView(
            "awaiting",
            "Awaiting customer",
            lambda rows, agent: rows.filter(status=Status.AWAITING_CUSTOMER),
        ),
        QueueView("resolved", "Resolved", lambda rows, agent: rows.filter(status=Status.RESOLVED)),
        QueueView("closed", "Closed", lambda rows, agent: rows.filter(status=Status.CLOSED)),
        QueueView("all", "All", lambda rows, agent: rows),
    ]
}

# Tab counts stop here: counting a million rows exactly on every page view costs seconds,
# and "1000+" tells an agent all they need.
COUNT_CAP = 1000


def capped_count(tickets: TicketQuerySet, cap: int = COUNT_CAP) -> int:
    """How many rows, counting no further than `cap` (shown as "cap+")."""
    return tickets.order_by()[:cap].count()


def time_spent(ticket: Ticket) -> int:
    """Minutes logged on the ticket so far."""
    return ticket.time_entries.aggregate(total=Sum("minutes"))["total"] or 0


# ---------------------------------------------------------------------------------------------
# Keyset pages


@dataclass(frozen=True)
class Sort:
    """A queue order; ties are broken by primary key so every row has one place."""

    key: str
    label: str
    field: str
    kind: type  # of the field's values, as a cursor carries them
    descending: bool
    nullable: bool = False

    def position(self, cursor: str) -> tuple[Any, int] | None:
        """Where `cursor` points in this order: None (the first page) for no cursor, or for
        one tampered with or made for another order, whose value the database would refuse
        to compare with this order's column."""
        position = decode_cursor(cursor)
        if position is None:
            return None
        value, pk = position
        if value is None:
            return position if self.nullable else None
        fits = isinstance(value, self.kind) and not isinstance(value, bool)
        if isinstance(value, datetime):
            fits = fits and value.tzinfo is not None
        elif isinstance(value, int):
            fits = fits and -BIGINT <= value < BIGINT
        elif isinstance(value, str):
            fits = fits and "\x00" not in value
        return position if fits else None

    def ordering(self) -> list[Any]:
        # NULLS LAST only where NULLs can occur: on a NOT NULL column it would still stop
        # PostgreSQL from reading the rows in index order.
        nulls_last = True if self.nullable else None
        column = F(self.field)
        first = column.desc(nulls_last=nulls_last) if self.descending else column.asc()
        return [first, "-pk" if self.descending else "pk"]

    def after(self, value: Any, pk: int) -> Q:
        """The rows that come after (`value`, `pk`) in this order (NULLs last)."""
        further = "lt" if self.descending else "gt"
        if value is None:
            return Q(**{f"{self.field}__isnull": True, f"pk__{further}": pk})
        beyond = Q(**{f"{self.field}__{further}": value})
        rows = beyond | Q(**{self.field: value, f"pk__{further}": pk})
        # Implied by the OR above, but only a plain bound lets PostgreSQL start the index scan
        # at the cursor; without it a page 300 deep read (and dropped) 21,000 rows first.
        rows &= Q(**{f"{self.field}__{further[0]}te": value})
        if self.nullable:
            rows |= Q(**{f"{self.field}__isnull": True})
        return rows


SORTS = {
    sort.key: sort
    for sort in [
        Sort("updated", "Last activity", "updated_at", datetime, descending=True),
        Sort("due", "Due soonest", "resolution_due", datetime, descending=False, nullable=True),
        Sort("priority", "Most urgent", "priority__urgency", int, descending=False),
        Sort("created", "Newest", "created_at", datetime, descending=True),
        Sort("oldest", "Oldest", "created_at", datetime, descending=False),
        Sort("number", "Number", "number", str, descending=False),
    ]
}


@dataclass(frozen=True)
class Page:
    """One page of rows and the cursor of the next one (None on the last page)."""

    rows: list[Ticket]
    next_cursor: str | None


def keyset_page(
    tickets: TicketQuerySet, sort: Sort, cursor: str, size: int, *, few: bool = False
) -> Page:
    """The `size` rows after `cursor` in `sort` order: as fast on page 10,000 as on page 1.
    `few`: see `keyset_heads`."""
    return page_of(tickets, keyset_heads(tickets, sort, cursor, size, few=few))


@dataclass(frozen=True)
class Heads:
    """What the query that finds a keyset page finds: for each row its id, its version, when
    it last changed and its requester (everything a queue row shows is the ticket's own, or
    configuration, or the requester's name), the further columns asked for, and where the
    next page starts."""

    rows: list[tuple[int, int, datetime, int]]
    next_cursor: str | None
    # For each row, the further columns the caller asked for (`shown`), if any.
    shown: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [row[0] for row in self.rows]


def keyset_heads(
    tickets: TicketQuerySet,
    sort: Sort,
    cursor: str,
    size: int,
    *,
    few: bool = False,
    shown: Sequence[str] = (),
) -> Heads:
    """The first query of a page: from the ticket table and its indexes alone, never joining
    the other tables for every candidate row.

    `few`: `tickets` are at most a search's matches (`SEARCH_CAP`), found by id. They are
    then all read and the page is cut here: told it needs only a page of them, PostgreSQL
    walks the sort's index from the newest ticket, testing each against the ids, and the
    matches of a common word are mostly old tickets (125 ms for 44,000 rows at a million
    tickets, against 10 ms for reading all 2,000 by id and sorting them).

    `shown`: further columns each row is read with (see `heads_query`); with `few`, read
    for the page's rows only, by id, in a second query.
    """
    if not few:
        return heads_of(list(heads_query(tickets, sort, cursor, shown, size + 1)), size)
    heads = heads_of(list(heads_query(tickets, sort, cursor)), size)
    # What the page's rows show is read for them only, not for all the matches.
    return _with_shown(heads, shown) if shown else heads


def heads_query(
    tickets: TicketQuerySet,
    sort: Sort,
    cursor: str,
    shown: Sequence[str] = (),
    limit: int | None = None,
) -> QuerySet[Any]:
    """`keyset_heads`' query: the rows from `cursor` on in `sort` order (the first `limit`),
    as tuples for `heads_of`, with the columns `shown` (fields of the ticket, or of the few
    rows it points at, which PostgreSQL joins only for the rows it returns).

    With a `limit`, the page's ids are found first, in a subquery that names only the sort's
    and the filters' columns: the sort's index holds those (`QUEUE_FILTERED`), so PostgreSQL
    walks the index alone past the tickets filtered out, instead of reading each from the
    table: for a filtered "All" view by due time (2,160 index entries for a page), 1.0 ms
    reading the table, 0.35 ms reading the index alone.
    """
    position = sort.position(cursor)
    if position is not None:
        tickets = tickets.filter(sort.after(*position))
    found = tickets.order_by(*sort.ordering())
    if limit is not None:
        found = Ticket.objects.filter(pk__in=found.values("pk")[:limit]).order_by(*sort.ordering())
    columns = ("pk", "version", "updated_at", "requester_id", sort.field, *shown)
    return found.values_list(*columns)


def heads_of(found: Sequence[tuple[Any, ...]], size: int) -> Heads:
    """The page `heads_query`'s first rows make (`size` of them, and the next cursor if
    there are more)."""
    page = found[:size]
    rows = [row[:4] for row in page]
    shown = [row[5:] for row in page]
    if len(found) <= size:
        return Heads(rows, None, shown)
    last = found[size - 1]
    return Heads(rows, encode_cursor(last[4], last[0]), shown)


def _with_shown(heads: Heads, shown: Sequence[str]) -> Heads:
    """`heads` with the columns `shown`, read by id (one deleted meanwhile is left out)."""
    read = Ticket.objects.filter(AnyOf(F("pk"), heads.ids)).values_list("pk", *shown)
    found = {values[0]: values[1:] for values in read}
    rows = [row for row in heads.rows if row[0] in found]
    return Heads(rows, heads.next_cursor, [found[row[0]] for row in rows])


def page_of(tickets: TicketQuerySet, heads: Heads) -> Page:
    """The second query: the rows `heads` found, with everything a row shows. Joining the
    requester, assignee… for every candidate row before sorting would cost far more."""
    by_id = {ticket.pk: ticket for ticket in tickets.filter(AnyOf(F("pk"), heads.ids)).fetch()}
    # One deleted between the two queries is left out.
    return Page([by_id[pk] for pk in heads.ids if pk in by_id], heads.next_cursor)


def encode_cursor(value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = {"t": value.isoformat()}
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, int] | None:
    """The position a cursor names; None for no cursor or one that was tampered with."""
    if not cursor:
        return None
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["t"])
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None
    if not isinstance(pk, int) or not 0 < pk < BIGINT:
        return None
    if not isinstance(value, str | int | datetime | None):
        return None
    return value, pk
