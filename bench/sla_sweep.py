"""Benchmark: one SLA sweep over a million open tickets, with 1 % of them breaching, then 0 %.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_sla_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/sla_sweep.py

The database named in DATABASE_URL is dropped and created afresh (so give it a name of its
own), filled with INSERT … SELECT generate_series, swept, and dropped again (--keep keeps it).
Each breaching ticket's plan notifies the department manager, so every breach writes its claim,
a clock event, an audit event and an email to the outbox, and queues that email on the broker
(purged afterwards). Prints wall time, statements sent and peak Python memory (tracemalloc).
Targets: under 10 s at 1 %, under 50 ms at 0 %, memory flat in the number of tickets.
"""

import argparse
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import dj_database_url  # noqa: E402
import django  # noqa: E402

from bench import databases  # noqa: E402


def recreate_database(url: str) -> str:
    name = dj_database_url.parse(url)["NAME"]
    if not name or name in ("postgres", "helpdesk", "template0", "template1"):
        raise SystemExit(f"Refusing to drop the database {name!r}: give the benchmark its own.")
    databases.recreate(url)
    return name


FILL = """
INSERT INTO tickets_ticket (
    number, subject, requester_id, department_id, priority_id, sla_plan_id, status, source,
    is_overdue, created_at, updated_at, first_responded_at, first_response_due, resolution_due,
    resolution_warn_at, resolution_warned_at, sla_started_at, sla_paused_for, sla_next_check_at,
    root_cause, resolution, category, version, access_generation
)
SELECT
    lpad((g + %(offset)s)::text, 10, '0'), 'Benchmark ticket ' || g, %(requester)s, %(department)s,
    %(priority)s, %(plan)s, 'open', 'web', false,
    opened, opened, opened + interval '5 minutes', opened + interval '4 hours', due,
    due - interval '18 hours', CASE WHEN breaching THEN due - interval '18 hours' END, opened,
    interval '0', CASE WHEN breaching THEN due ELSE due - interval '18 hours' END,
    '', '', '', 1, 1
FROM (
    SELECT g, breaching,
           CASE WHEN breaching THEN %(now)s - interval '1 hour'
                ELSE %(now)s + (19 + g %% 2000) * interval '1 hour' END AS due,
           %(now)s - interval '3 days' AS opened
    FROM (SELECT g, (g %% %(every)s = 0) AS breaching
          FROM generate_series(1, %(count)s) AS g) AS numbered
) AS tickets
"""


def configure(*, with_actions: bool) -> dict[str, int]:
    """A plan whose resolution breach notifies the department's manager (and, `with_actions`,
    also raises the priority and pages on-call, as the demo's Sev A does), and who is who."""
    from django.contrib.auth import get_user_model

    from sla.models import EscalationRule, SLAPlan
    from tickets.models import Agent, Contact, Department, Priority

    plan = SLAPlan.objects.create(name="Sev C", first_response_minutes=240, resolution_minutes=4320)
    actions = ["notify_manager", *(["raise_priority", "page_on_call"] if with_actions else [])]
    for action in actions:
        EscalationRule.objects.create(plan=plan, trigger="resolution_breach", action=action)
    user = get_user_model().objects.create_user("sam", email="sam@helpdesk.example")
    manager = Agent.objects.create(user=user, is_manager=True)
    department = Department.objects.create(name="Service Desk", manager=manager)
    manager.departments.set([department])
    priority = Priority.objects.create(code="P3", name="Normal", urgency=3, is_default=True)
    requester = Contact.objects.create(email="jordan@northbank.example", name="Jordan Blake")
    return {
        "requester": requester.pk,
        "department": department.pk,
        "priority": priority.pk,
        "plan": plan.pk,
    }


def fill(config: dict[str, int], *, offset: int, count: int, breaching_percent: float) -> int:
    """Insert `count` open tickets, every (100 / percent)-th one past its resolution target."""
    from django.db import connection
    from django.utils import timezone

    every = max(1, round(100 / breaching_percent)) if breaching_percent else count + 1
    parameters = {**config, "now": timezone.now(), "every": every, "count": count}
    with connection.cursor() as cursor:
        cursor.execute(FILL, {**parameters, "offset": offset})
        cursor.execute("ANALYZE tickets_ticket")
    return count // every


REARM = """
UPDATE tickets_ticket SET resolution_breached_at = NULL, is_overdue = false,
       sla_next_check_at = resolution_due
WHERE resolution_breached_at IS NOT NULL AND number >= %s
"""


def rearm(first_number: str) -> None:
    """Make the swept breaches due again (benchmark only), to measure memory on a second run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(REARM, [first_number])


def measure(label: str, run: Callable[[], object], *, memory: bool = False) -> None:
    """Print wall time and statements; with `memory`, the peak of Python allocations instead
    (tracemalloc slows Python down several times, so time and memory come from separate runs)."""
    from django.db import connection

    statements = 0

    def count(execute, sql, params, many, context):  # noqa: ANN001, ANN202 - Django's hook
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        result = run()
    elapsed = time.perf_counter() - started
    figure = f"{elapsed * 1000:>10.1f} ms"
    if memory:
        figure = f"{tracemalloc.get_traced_memory()[1] / 1024 / 1024:>10.1f} MiB peak"
        tracemalloc.stop()
    print(f"{label:<40} {figure} {statements:>7} statements   {result}")


WARM_UP = 1000


def run_pending_escalations() -> int:
    """What the workers do after a sweep, here in one process, one after the other."""
    from sla import jobs
    from sla.models import PendingEscalation

    return jobs.run_escalations(list(PendingEscalation.objects.values_list("pk", flat=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--breaching-percent", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--with-actions",
        action="store_true",
        help="the plan also raises the priority and pages on-call at the breach",
    )
    arguments = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of the benchmark's own.")
    name = recreate_database(url)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from helpdesk.celery import app
    from sla import jobs

    settings.DEBUG = False  # no query log: it would grow with the sweep
    call_command("migrate", verbosity=0)
    try:
        config = configure(with_actions=arguments.with_actions)

        def sweep() -> object:
            return jobs.sweep(now=timezone.now(), batch_size=settings.HELPDESK_SLA_BATCH_SIZE)

        # Warm up as a running worker is: modules imported, templates compiled, broker connected.
        fill(config, offset=0, count=WARM_UP, breaching_percent=1)
        measure("warm-up sweep (not a figure)", sweep)
        started = time.perf_counter()
        breaching = fill(
            config,
            offset=WARM_UP,
            count=arguments.tickets,
            breaching_percent=arguments.breaching_percent,
        )
        print(
            f"{name}: {arguments.tickets:,} open tickets, {breaching:,} breaching, "
            f"filled in {time.perf_counter() - started:.1f} s"
        )
        measure(f"sweep, {breaching:,} breaching", sweep)
        measure("sweep, 0 breaching", sweep)
        if arguments.with_actions:
            measure("their actions, run by one worker", run_pending_escalations)
        rearm(f"{WARM_UP + 1:010d}")
        measure(f"sweep, {breaching:,} breaching again", sweep, memory=True)
        measure("sweep, 0 breaching", sweep, memory=True)
    finally:
        app.control.purge()
        if not arguments.keep:
            from django.db import connections

            connections.close_all()
            databases.drop(url)


if __name__ == "__main__":
    main()
