"""Time the agent panel's queue queries on a large synthetic desk; prints figures.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \\
        .venv/bin/python bench/agent_queue.py --tickets 1000000

It migrates the database, loads the demo desk, then adds synthetic tickets (one message
each) with SQL, so only use a throw-away database: its name must end in "_bench".
Figures are the median of five runs of each query, in milliseconds.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from agents.views_queue import PAGE_SIZE  # noqa: E402
from tickets.models import Agent, Contact, Ticket, TicketQuerySet  # noqa: E402
from tickets.queues import QUEUE_VIEWS, SORTS, capped_count, keyset_page, search  # noqa: E402

FILL = """
INSERT INTO tickets_contact (email, name, phone, created_at)
SELECT 'user' || g || '@bench.example', 'Bench User ' || g, '', now()
FROM generate_series(1, %(contacts)s) g
ON CONFLICT DO NOTHING;

WITH d AS (SELECT array_agg(id ORDER BY id) ids FROM tickets_department),
     p AS (SELECT array_agg(id ORDER BY id) ids FROM tickets_priority),
     a AS (SELECT array_agg(id ORDER BY id) ids FROM tickets_agent),
     c AS (SELECT min(id) lo FROM tickets_contact WHERE email LIKE '%%@bench.example')
INSERT INTO tickets_ticket (number, subject, requester_id, department_id, priority_id, status,
    assignee_id, source, resolution_due, is_overdue, created_at, updated_at, resolved_at,
    closed_at, root_cause, resolution, category, version)
SELECT (20000000 + g)::text,
       'Bench ticket ' || g || ' ' || (ARRAY['printer','vpn','outlook','password','banking',
           'laptop'])[1 + g %% 6],
       c.lo + g %% %(contacts)s,
       d.ids[1 + g %% array_length(d.ids, 1)],
       p.ids[1 + (g / 7) %% array_length(p.ids, 1)],
       s.status,
       CASE WHEN g %% 3 = 0 THEN NULL ELSE a.ids[1 + g %% array_length(a.ids, 1)] END,
       'web',
       now() + ((g %% 500) - 100) * interval '1 hour',
       s.status IN ('open', 'awaiting_customer') AND g %% 50 = 0,
       now() - g * interval '30 seconds',
       now() - g * interval '20 seconds',
       CASE WHEN s.status IN ('resolved', 'closed') THEN now() END,
       CASE WHEN s.status = 'closed' THEN now() END,
       '', '', '', 1
FROM generate_series(1, %(tickets)s) g, d, p, a, c,
     LATERAL (SELECT CASE WHEN g %% 20 < 14 THEN 'closed' WHEN g %% 20 < 16 THEN 'resolved'
                          WHEN g %% 20 < 19 THEN 'open' ELSE 'awaiting_customer' END) s(status);

INSERT INTO tickets_threadentry (ticket_id, kind, author_name, body, body_format, created_at)
SELECT id, 'message', 'Bench User',
       'The ' || split_part(subject, ' ', 4) || ' fails with error ' || (id %% 997) ||
       ' since this morning; reference ' || md5(id::text), 'text', created_at
FROM tickets_ticket WHERE number::bigint > 20000000;
ANALYZE;
"""


def timed(label: str, query: Callable[[], object]) -> None:
    runs = []
    for _run in range(5):
        start = time.perf_counter()
        query()
        runs.append((time.perf_counter() - start) * 1000)
    print(f"  {label:<52} {statistics.median(runs):8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    options = parser.parse_args()
    if connection.vendor != "postgresql" or not connection.settings_dict["NAME"].endswith("_bench"):
        sys.exit("Use a PostgreSQL database whose name ends in _bench: it gets synthetic data.")
    call_command("migrate", verbosity=0)
    call_command("load_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115, PTH123
    if not Contact.objects.filter(email__endswith="@bench.example").exists():
        print(f"Adding {options.tickets:,} synthetic tickets…")
        with connection.cursor() as cursor:
            cursor.execute(FILL, {"tickets": options.tickets, "contacts": options.tickets // 10})
    print(f"{Ticket.objects.count():,} tickets")
    for username in ("alex", "sam", "admin"):
        measure(Agent.objects.select_related("user").get(user__username=username))


def first_page(
    rows: TicketQuerySet, sort: str = "updated", cursor: str = ""
) -> Callable[[], object]:
    return lambda: keyset_page(rows, SORTS[sort], cursor, PAGE_SIZE)


def measure(agent: Agent) -> None:
    """The queries behind one agent's queue: each view's page and count, deep pages, search."""
    print(f"{agent.user.get_username()}:")
    visible = Ticket.objects.visible_to(agent)
    for key in ("open", "mine", "overdue", "all"):
        rows = QUEUE_VIEWS[key].narrow(visible, agent)
        timed(f"{key}: first page", first_page(rows))
        timed(f"{key}: capped count", lambda rows=rows: capped_count(rows))
    rows = QUEUE_VIEWS["all"].narrow(visible, agent)
    deep = keyset_page(rows, SORTS["updated"], "", 10_000).next_cursor or ""
    timed("all: the page after row 10,000", first_page(rows, cursor=deep))
    timed("all: sorted by due time", first_page(rows, "due"))
    timed("all: sorted by priority", first_page(rows, "priority"))
    for text in ("outlook error 42", "20012345", "user77@bench.example"):
        timed(f"search {text!r}", first_page(search(rows, text)))


if __name__ == "__main__":
    main()
