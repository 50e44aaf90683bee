"""The queue: views with counts, filters, sort and search in the URL, keyset pages, bulk actions."""

import secrets
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from agents.access import agent_required
from agents.drawn import CSRF_PLACEHOLDER, drawn, part
from agents.forms import BulkForm, QueueForm
from agents.rows import SHOWN, queue_rows
from helpdesk import remembered
from helpdesk.db import AnyOf, Compiled, plain_sql, rows_of
from helpdesk.kept import Kept
from tickets import operations as ops
from tickets.errors import TicketError
from tickets.models import Agent, Ticket, TicketQuerySet
from tickets.queues import (
    QUEUE_VIEWS,
    SEARCH_CAP,
    SORTS,
    Heads,
    Matches,
    QueueView,
    Sort,
    capped_count,
    find,
    heads_of,
    heads_query,
    keyset_heads,
)

PAGE_SIZE = 25
# Tab counts are a hint, not a ledger: counted at most once a minute per agent.
COUNTS_TTL = 60
# Queries that find a page's rows, kept compiled (see `Address.heads`): a few KB each.
FINDING_QUERIES_KEPT = 256

_finding_queries: Kept[tuple[Any, ...], Compiled] = Kept(FINDING_QUERIES_KEPT)
# Where a page's rows and page links go in its frame; random, so no typed text matches them.
ROWS_SLOT = f"rows-{secrets.token_hex(16)}"
PAGES_SLOT = f"pages-{secrets.token_hex(16)}"


@require_safe
@agent_required
def queue(request: HttpRequest) -> HttpResponse:
    """The ticket list an agent lives in."""
    return render_queue(request, request.GET)


class Address:
    """What a queue address asks for: a view, filters, a sort, a search and a page. Its
    form is read only when needed: a reload of an unchanged page needs none of it."""

    # The parameters that make a page: others (a tracking tag…) change nothing shown.
    PARAMETERS = (*QueueForm.base_fields, "after")

    def __init__(self, agent: Agent, query: QueryDict) -> None:
        self.agent = agent
        self.query = query

    @cached_property
    def key(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The address, as the parameters that make its page."""
        return tuple((name, tuple(self.query.getlist(name))) for name in self.PARAMETERS)

    @cached_property
    def known(self) -> QueryDict:
        """The address without the parameters the queue does not read (links keep only
        these)."""
        known = QueryDict(mutable=True)
        for name, values in self.key:
            if values:
                known.setlist(name, values)
        return known

    @cached_property
    def form(self) -> QueueForm:
        return QueueForm(self.query)

    @cached_property
    def view(self) -> QueueView:
        return QUEUE_VIEWS[self.form.cleaned_data.get("view") or "open"]

    @cached_property
    def sort(self) -> Sort:
        return SORTS[self.form.cleaned_data.get("sort") or "updated"]

    @cached_property
    def lookups(self) -> dict[str, Any]:
        return self.form.lookups()

    @cached_property
    def matches(self) -> Matches | None:
        if not self.query.get("q"):  # no search: no need to read the form
            return None
        text = self.form.cleaned_data.get("q")
        return find(text) if text else None

    @property
    def filtered(self) -> bool:
        return any(self.lookups.values()) or self.matches is not None

    @property
    def search_incomplete(self) -> bool:
        return self.matches is not None and not self.matches.complete

    def heads(self) -> Heads:
        """The page's rows (ids, versions…) and the next page's cursor. Unless searching
        (the matches change as tickets come in), the query that finds them is built and
        compiled once per agent, address and configuration version, then only run: the
        ORM took twice as long to build it as PostgreSQL to answer it."""
        if self.query.get("q") or not settings.HELPDESK_REMEMBER_CONFIGURATION:
            return self._find_heads()
        key = (self.agent.pk, remembered.version(), self.key)
        compiled = _finding_queries.get(key)
        if compiled is None:
            compiled = plain_sql(self._heads_query())
            if compiled is None:  # nothing to remember (SQLite's dates, no possible rows)
                return self._find_heads()
            _finding_queries.put(key, compiled)
        return heads_of(rows_of(compiled), PAGE_SIZE)

    def _find_heads(self) -> Heads:
        few = self.matches is not None
        return keyset_heads(
            self._tickets(), self.sort, self._cursor, PAGE_SIZE, few=few, shown=SHOWN
        )

    def _heads_query(self) -> QuerySet[Any]:
        return heads_query(self._tickets(), self.sort, self._cursor, SHOWN, PAGE_SIZE + 1)

    def _tickets(self) -> TicketQuerySet:
        rows = self.view.narrow(Ticket.objects.visible_to(self.agent), self.agent)
        rows = rows.filter(**self.lookups)
        if self.matches is not None:
            rows = rows.filter(AnyOf(F("pk"), self.matches.ids))
        return rows

    @property
    def _cursor(self) -> str:
        return self.query.get("after", "")


def render_queue(
    request: HttpRequest, query: QueryDict, refused: BulkForm | None = None, status: int = 200
) -> HttpResponse:
    """The queue page for `query`; with `refused`, a bulk action's form and its errors."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    address = Address(agent, query)
    heads = address.heads()
    counts = tab_counts(agent)
    tab_facts = tuple(sorted(counts.items()))

    def draw_frame(csrf_token: str) -> str:
        """The page around its rows and page links, which go where the slots are."""
        if refused is not None:
            bulk_form = refused
        else:
            bulk_form = BulkForm(initial={"next": address.known.urlencode()})
        context = {
            "form": address.form,
            "view": address.view,
            "sort": address.sort,
            "tabs": [
                (tab, counts[key], _queue_url(address.known, view=key, after=None))
                for key, tab in QUEUE_VIEWS.items()
            ],
            "bulk_form": bulk_form,
            "filtered": address.filtered,
            "search_incomplete": address.search_incomplete,
            "search_cap": SEARCH_CAP,
            "csrf_token": csrf_token,
            "rows_slot": ROWS_SLOT,
            "pages_slot": PAGES_SLOT,
        }
        return render_to_string("agents/queue.html", context, request)

    def draw(csrf_token: str) -> str:
        if csrf_token == CSRF_PLACEHOLDER:  # a page to be remembered (`drawn`): so is its frame
            # The frame shows nothing of the rows: while they change, it is drawn once.
            frame_facts = (
                "queue-frame",
                agent.pk,
                remembered.version(),
                tab_facts,
                address.key,
                address.search_incomplete,
            )
            frame = part(frame_facts, lambda: draw_frame(CSRF_PLACEHOLDER))
        else:
            frame = draw_frame(csrf_token)
        return frame.replace(ROWS_SLOT, draw_rows()).replace(PAGES_SLOT, draw_page_links())

    def draw_rows() -> str:
        # Found under the agent's sight by `heads`, with what a row shows.
        rows = queue_rows(heads)
        context = {
            "rows": rows,
            "selected": refused.selected_ids() if refused is not None else set(),
            "filtered": not rows and address.filtered,  # for "no tickets here"
        }
        return render_to_string("agents/queue_rows.html", context)

    def draw_page_links() -> str:
        known = address.known
        context = {
            "next_url": heads.next_cursor and _queue_url(known, after=heads.next_cursor),
            "first_url": known.get("after") and _queue_url(known, after=None),
        }
        return render_to_string("agents/queue_pages.html", context)

    if refused is not None:  # drawn with the action's errors, never remembered
        return HttpResponse(draw(get_token(request)), status=status)
    # Everything the page shows: the rows' own changes bump their version; names of
    # departments, agents, priorities… are configuration (its version), and a renamed
    # requester counts as a change of it (`forget_renamed_requester`).
    facts = (
        "queue",
        request.get_full_path(),
        agent.pk,
        remembered.version(),
        tab_facts,
        tuple(heads.rows),
        heads.next_cursor,
        address.search_incomplete,
    )
    return HttpResponse(drawn(request, facts, draw), status=status)


def forget_renamed_requester(
    *, created: bool, update_fields: frozenset[str] | None, **_signal: Any
) -> None:
    """A contact saved with a new name: remembered queue pages show it. Renames are rare and
    new contacts (a ticket from a new address) change no page, so only these count."""
    if not created and (update_fields is None or "name" in update_fields):
        remembered.forget()


def tab_counts(agent: Agent) -> dict[str, int]:
    """Each view's count for this agent, capped (see `capped_count`) and cached briefly."""
    key = f"agents:tab-counts:{agent.pk}"
    counts = cache.get(key)
    if counts is None:
        visible = Ticket.objects.visible_to(agent)
        counts = {
            name: capped_count(view.narrow(visible, agent)) for name, view in QUEUE_VIEWS.items()
        }
        cache.set(key, counts, COUNTS_TTL)
    return counts


def _queue_url(query: QueryDict, **changes: str | None) -> str:
    params = query.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value:
            params[name] = value
    encoded = params.urlencode()
    return reverse("agents:queue") + (f"?{encoded}" if encoded else "")


@require_POST
@agent_required
def bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the selected tickets: to all of them, or to none."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    form = BulkForm(request.POST)
    back = QueryDict(request.POST.get("next", ""))
    if not form.is_valid():
        return render_queue(request, back, form, status=400)
    selection = form.selection()
    tickets = list(Ticket.objects.visible_to(agent).filter(pk__in=selection).order_by("pk"))
    if len(tickets) != len(selection):
        # Someone else's ticket in the batch: as for any ticket one may not see, a 404.
        raise Http404("No such ticket.")
    try:
        ops.apply_to_all(
            [(ticket, selection[ticket.pk]) for ticket in tickets],
            _bulk_action(form.cleaned_data, agent),
        )
    except TicketError as error:
        form.add_error(None, str(error))
        return render_queue(request, back, form, status=409)
    cache.delete(f"agents:tab-counts:{agent.pk}")
    label = dict(BulkForm.ACTIONS)[form.cleaned_data["action"]].lower()
    messages.success(request, f"Done: {label} applied to {len(tickets)} ticket(s).")
    return redirect(_queue_url(back, after=None))


def _bulk_action(data: dict[str, Any], agent: Agent) -> Callable[[Ticket, int], object]:
    action = data["action"]
    if action == "assign":
        return lambda ticket, version: ops.assign(
            ticket, by=agent, agent=data["agent"], expected_version=version
        )
    if action == "transfer":
        return lambda ticket, version: ops.transfer(
            ticket,
            by=agent,
            department=data["department"],
            reason=data["reason"],
            expected_version=version,
        )
    if action == "priority":
        return lambda ticket, version: ops.triage(
            ticket, by=agent, priority=data["priority"], expected_version=version
        )
    return lambda ticket, version: ops.set_status(
        ticket, by=agent, status=data["status"], expected_version=version
    )
