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
from tickets.models import Agent, Contact, Ticket  # noqa: E402
from tickets.queries import QUEUE_VIEWS, SORTS, capped_count, keyset_page, search  # noqa: E402

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
    total = Ticket.objects.count()
    print(f"{total:,} tickets")
    for username in ("alex", "sam", "admin"):
        agent = Agent.objects.select_related("user").get(user__username=username)
        visible = Ticket.objects.visible_to(agent)
        print(f"{username}:")
        for key in ("open", "mine", "overdue", "all"):
            rows = QUEUE_VIEWS[key].narrow(visible, agent)
            timed(f"{key}: first page", lambda rows=rows: keyset_page(rows, SORTS["updated"], "", PAGE_SIZE))
            timed(f"{key}: capped count", lambda rows=rows: capped_count(rows))
        rows = QUEUE_VIEWS["all"].narrow(visible, agent)
        page = keyset_page(rows, SORTS["updated"], "", 10_000)
        cursor = keyset_page(rows, SORTS["updated"], "", 9_999).next_cursor or ""
        timed("all: page after row 10,000", lambda: keyset_page(rows, SORTS["updated"], cursor, PAGE_SIZE))
        timed("all: sorted by due time", lambda: keyset_page(rows, SORTS["due"], "", PAGE_SIZE))
        timed("all: sorted by priority", lambda: keyset_page(rows, SORTS["priority"], "", PAGE_SIZE))
        timed("search 'outlook error 42'", lambda: keyset_page(search(rows, "outlook error 42"), SORTS["updated"], "", PAGE_SIZE))
        timed("search a ticket number", lambda: keyset_page(search(rows, "20012345"), SORTS["updated"], "", PAGE_SIZE))
        timed("search a requester email", lambda: keyset_page(search(rows, "user77@bench.example"), SORTS["updated"], "", PAGE_SIZE))
        del page


if __name__ == "__main__":
    main()
