"""The benchmark's database: filled, and the few rows each measurement needs.

Everything here runs after django.setup(), on the bench database (bench.databases creates
and drops it).
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from agents.views_queue import PAGE_SIZE
from sla import jobs
from tickets.generator import GENERATED_DOMAIN
from tickets.models import Agent, HelpTopic, ThreadEntry, Ticket, TicketQuerySet
from tickets.queues import QUEUE_VIEWS, SORTS, encode_cursor

THREAD_LENGTH = 50
# The deep page: this many pages into the agent's "All" view, or half-way for small desks.
DEEP_PAGES = 300


def ticket_count() -> int:
    return Ticket.objects.count()


# ---------------------------------------------------------------------------------------------
# What the pages are measured on


def agent(username: str) -> Agent:
    return Agent.objects.select_related("user").get(user__username=username)


def queue_paths(who: Agent, search: str) -> dict[str, str]:
    """The queue URLs measured, for this agent and desk."""
    visible = Ticket.objects.visible_to(who)
    priority = visible.values_list("priority", flat=True).order_by("-pk").first()
    return {
        "queue.default": "/agents/",
        "queue.drawn": "/agents/",  # with a new address each time: see wrk/fresh.lua
        "queue.filtered": f"/agents/?view=all&priority={priority}&sort=due",
        "queue.deep": f"/agents/?view=all&after={_deep_cursor(visible, who)}",
        "queue.search": f"/agents/?view=all&q={search.replace(' ', '+')}",
    }


def _deep_cursor(visible: TicketQuerySet, who: Agent) -> str:
    """The cursor a few hundred "next page" clicks away in the default sort, crafted
    directly (it is the same as following the links, without a few hundred requests)."""
    sort = SORTS["updated"]
    rows = QUEUE_VIEWS["all"].narrow(visible, who).order_by(*sort.ordering())
    keys = rows.values_list(sort.field, "pk")
    depth = DEEP_PAGES * PAGE_SIZE
    available = keys[: depth + 1].count()
    value, pk = keys[depth if available > depth else available // 2]
    return encode_cursor(value, pk)


def search_text(who: Agent) -> str:
    """Two words of the newest generated subject the agent can see: a search that finds
    something on any desk, and the same search in every run on one desk (the portal's load
    adds tickets whose subjects are all alike, newer than the generated ones)."""
    subjects = Ticket.objects.visible_to(who).order_by("-pk").values_list("subject", flat=True)
    generated = subjects.filter(requester__email__endswith=f".{GENERATED_DOMAIN}")
    subject = generated.first() or subjects.first()
    words = [word for word in (subject or "").split() if word.isalpha() and len(word) > 3]
    return " ".join(words[:2]) or "printer"


def thread_ticket(who: Agent) -> Ticket:
    """An open ticket of the agent's with a short thread: its page is counted as it is, then
    again once `top_up` gave it `THREAD_LENGTH` entries, to show the queries do not grow
    with the thread (a ticket an earlier run topped up is passed over)."""
    newest = QUEUE_VIEWS["open"].narrow(Ticket.objects.visible_to(who), who).order_by("-pk")
    ids = list(newest.values_list("pk", flat=True)[:20])
    candidates = list(Ticket.objects.filter(pk__in=ids).annotate(entry_count=Count("entries")))
    if not candidates:
        raise ValueError(f"{who} sees no open ticket")
    return min(candidates, key=lambda ticket: ticket.entry_count)


def top_up(ticket: Ticket, who: Agent) -> None:
    existing = ticket.entries.count()
    kinds = [ThreadEntry.Kind.REPLY, ThreadEntry.Kind.NOTE]
    ThreadEntry.objects.bulk_create(
        ThreadEntry(
            ticket=ticket,
            kind=kinds[number % 2],
            author_agent=who,
            author_name=who.user.get_full_name() or who.user.get_username(),
            body=f"Update {number}: checked the VPN concentrator logs again; the tunnel "
            "renegotiates every few minutes when the client roams between access points.",
        )
        for number in range(existing, THREAD_LENGTH)
    )


def portal_topic() -> HelpTopic:
    """A topic the portal offers that asks no required question (the load sends none)."""
    for topic in HelpTopic.objects.offered().order_by("pk"):
        if not topic.fields.filter(is_active=True, required=True).exists():
            return topic
    raise ValueError("Every help topic the portal offers asks a required question")


# ---------------------------------------------------------------------------------------------
# The SLA sweep


@dataclass(frozen=True)
class Sweep:
    milliseconds: float
    report: jobs.SweepReport


DEFER = """
UPDATE tickets_ticket SET sla_next_check_at = %(later)s
WHERE sla_next_check_at <= %(later)s
"""
# Every `every`-th running ticket (open, with a plan, not paused, not yet breached) gets a
# resolution due an hour ago, its warning already given and its first response made, so the
# sweep has exactly one breach to handle for it: claim, clock and audit events, escalation.
BREACH = """
WITH running AS (
    SELECT id, row_number() OVER (ORDER BY id) AS position FROM tickets_ticket
    WHERE status = 'open' AND sla_plan_id IS NOT NULL AND sla_paused_at IS NULL
      AND resolution_breached_at IS NULL
)
UPDATE tickets_ticket SET
    first_responded_at = COALESCE(first_responded_at, created_at),
    resolution_warn_at = %(now)s - interval '2 hours',
    resolution_warned_at = %(now)s - interval '2 hours',
    resolution_due = %(now)s - interval '1 hour',
    is_overdue = false,
    sla_next_check_at = %(now)s - interval '1 hour'
WHERE id IN (SELECT id FROM running WHERE position %% %(every)s = 0 LIMIT %(limit)s)
"""


def defer_due_checks() -> None:
    """Move every check due within a day a day later, so only the breaches made by
    `make_breaching` are due during the measurement (the generated desk has its own overdue
    tickets, which would otherwise make the first sweep's work depend on the generator)."""
    with connection.cursor() as cursor:
        cursor.execute(DEFER, {"later": timezone.now() + timedelta(days=1)})


def make_breaching(every: int, limit: int | None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(BREACH, {"now": timezone.now(), "every": every, "limit": limit})
        return cursor.rowcount


def open_count() -> int:
    return Ticket.objects.filter(status=Ticket.Status.OPEN).count()


def sweep() -> Sweep:
    started = time.perf_counter()
    report = jobs.sweep(now=timezone.now(), batch_size=settings.HELPDESK_SLA_BATCH_SIZE)
    return Sweep((time.perf_counter() - started) * 1000, report)
