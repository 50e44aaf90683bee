"""The benchmark's steps, in order: the database, the pages over HTTP, the portal's ticket
creation, the workers' memory, the SLA sweep, then the results table.

Imported by bench/run.py once Django is set up on the bench settings and database.
"""

import argparse
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.core.management import call_command
from django.db import connection, connections

from bench import data, databases, load
from bench.load import BenchError, Server
from bench.middleware import HEADER
from bench.report import PAGES, QUEUE_PAGES, Figures, write
from helpdesk.celery import app
from tickets.demo import DEMO_PASSWORD

# Requests before measuring a page: some reach each worker, and cached counts get filled.
WARM_UP = 2 * load.WORKERS
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def say(text: str) -> None:
    """Progress goes to stderr: stdout carries only the figures."""
    print(text, file=sys.stderr, flush=True)


def run(options: argparse.Namespace, env: dict[str, str], workdir: Path) -> Path:
    """Measure everything and write the results table; returns its path."""
    figures = Figures()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=load.ROOT, capture_output=True, text=True
    ).stdout.strip()
    try:
        prepare_database(options, env, figures)
        say("Collecting static files…")
        call_command("collectstatic", interactive=False, verbosity=0)
        measure_server(options, env, workdir, figures)
        measure_sweeps(figures)
    finally:
        app.control.purge()  # the notifications queued by the load: nobody will send them
    return write(figures, context(options, commit), options.results_dir, options.tickets)


# ---------------------------------------------------------------------------------------------
# The database


def prepare_database(options: argparse.Namespace, env: dict[str, str], figures: Figures) -> None:
    """Keep the database with --reuse if it holds enough tickets, else build it afresh."""
    url = env["DATABASE_URL"]
    if options.reuse and databases.exists(url):
        call_command("migrate", verbosity=0)
        held = data.ticket_count()
        if held >= options.tickets:
            say(f"Keeping {options.database}: {held:,} tickets (the generator is not measured).")
            return
    say(f"Creating {options.database}…")
    connections.close_all()
    databases.recreate(url)
    call_command("migrate", verbosity=0)
    call_command("load_demo", force=True, stdout=io.StringIO())
    generate(options.tickets, env, figures)


def generate(tickets: int, env: dict[str, str], figures: Figures) -> None:
    say(f"Generating {tickets:,} tickets…")
    started = time.perf_counter()
    command = [sys.executable, "manage.py", "generate_tickets", "--tickets", str(tickets)]
    if subprocess.run(command, cwd=load.ROOT, env=env, stdout=sys.stderr).returncode:
        raise BenchError("manage.py generate_tickets failed")
    seconds = time.perf_counter() - started
    figures.add("generator.seconds", seconds, "s")
    figures.add("generator.rate", tickets / seconds, "tickets/s")
    # As after any bulk load: the visibility map lets the queues' index-only scans skip the
    # table; autovacuum would set it too, but at a time of its choosing, during measuring.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) tickets_ticket")


# ---------------------------------------------------------------------------------------------
# Over HTTP


def measure_server(
    options: argparse.Namespace, env: dict[str, str], workdir: Path, figures: Figures
) -> None:
    who = data.agent(options.agent)
    ticket = data.thread_ticket(who)
    paths = {
        **data.queue_paths(who, data.search_text(who)),
        "ticket": f"/agents/tickets/{ticket.number}/",
        "ceiling.minimal": "/bench/minimal/",
        "ceiling.reference": "/bench/reference/",
    }
    topic = data.portal_topic().pk
    attachment = write_attachment(workdir)
    say("Starting gunicorn…")
    with load.gunicorn(env, workdir / "gunicorn.log") as server:
        session = sign_in(server.url, options.agent)
        cookie = "Cookie: " + "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        ticket_url = server.url + paths["ticket"]
        # Warm, as every measured page is (cached options): a worker that has not served the
        # page yet only adds reads, and serial requests may not reach every worker.
        short_thread = min(queries_of(session, ticket_url) for _ in range(WARM_UP))
        data.top_up(ticket, who)
        for page in PAGES:
            measure_page(options, server, session, cookie, page, paths[page], figures)
        compare(figures, short_thread)
        measure_portal(options, server, topic, None, "portal.created", figures)
        measure_portal(options, server, topic, attachment, "portal.created_with_file", figures)
        # After the loads, when every worker has read the configuration, as the pages are.
        figures.add("portal.queries", portal_queries(server.url, topic), "queries")
        agent_pages = [paths[page] for page in (*QUEUE_PAGES, "queue.search", "ticket")]
        measure_memory(options, server, session, agent_pages, figures)


def compare(figures: Figures, short_thread_queries: int) -> None:
    """The figures judged relative to others: the ticket page's queries against the same
    page before its thread grew, the queue's throughput against the reference view's."""
    growth = figures.value("ticket.queries") - short_thread_queries
    figures.add("ticket.queries_growth", growth, "queries")
    reference = figures.value("ceiling.reference.rps")
    for page in QUEUE_PAGES:
        figures.add(f"{page}.vs_reference", 100 * figures.value(f"{page}.rps") / reference, "%")


def sign_in(url: str, username: str) -> requests.Session:
    """An agent's session, signed in through the sign-in form like a browser."""
    session = requests.Session()
    token = csrf_token(session, f"{url}/agents/login/")
    answer = session.post(
        f"{url}/agents/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise BenchError(f"Could not sign {username} in: HTTP {answer.status_code}")
    return session


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    found = CSRF_FIELD.search(page.text)
    if page.status_code != 200 or not found:
        raise BenchError(f"No form with a CSRF token at {url}: HTTP {page.status_code}")
    return found[1]


def queries_of(session: requests.Session, url: str) -> int:
    """The SQL queries one request ran (the bench middleware's header); the page must be
    served, not refused or redirected."""
    answer = session.get(url, allow_redirects=False, timeout=60)
    if answer.status_code != 200:
        raise BenchError(f"{url} answered HTTP {answer.status_code}")
    return int(answer.headers[HEADER])


def measure_page(
    options: argparse.Namespace,
    server: Server,
    session: requests.Session,
    cookie: str,
    page: str,
    path: str,
    figures: Figures,
) -> None:
    """Latency percentiles serially, then throughput at the run's concurrency, after a few
    warm-up requests; the queries are those of one request after the load (warm, as in the
    measurement: the queue's tab counts are cached, and every worker has served the page,
    which serial warm-up requests do not ensure). Warming up first also lets the server
    finish the requests the previous page's load left queued."""
    url = server.url + path
    say(f"Measuring {page}: {path}")
    fresh = page == "queue.drawn"  # a new address each time, as wrk/fresh.lua asks

    def address(number: int | str) -> str:
        return f"{url}?fresh=warm-{time.time_ns()}-{number}" if fresh else url

    for number in range(WARM_UP):
        queries_of(session, address(number))
    script = "fresh.lua" if fresh else "report.lua"
    runs = {
        connections: load.wrk(
            url,
            connections=connections,
            duration=options.duration,
            script=script,
            headers=(cookie,),
            env={"BENCH_RUN": f"{page}-{connections}-{time.time_ns()}"},
        )
        for connections in (1, options.concurrency)
    }
    queries = queries_of(session, address("after"))
    serial, busy = runs[1], runs[options.concurrency]
    figures.add(f"{page}.rps", busy.rate, "req/s")
    figures.add(f"{page}.p50", serial.p50_us / 1000, "ms")
    figures.add(f"{page}.p99", serial.p99_us / 1000, "ms")
    figures.add(f"{page}.queries", queries, "queries")


def write_attachment(workdir: Path) -> Path:
    """A 32 KB VPN client log, the kind of file customers attach."""
    line = "2026-11-23 09:14:02 vpnclient[2231]: tunnel renegotiation failed, error 809\n"
    path = workdir / "vpn-client.log"
    path.write_text(line * (32 * 1024 // len(line)), encoding="utf-8")
    return path


def portal_queries(url: str, topic: int) -> int:
    """The queries of opening one ticket through the portal form, sent as portal.lua does."""
    session = requests.Session()
    token = csrf_token(session, f"{url}/tickets/new/")
    key = f"q{time.time_ns()}"
    form = {
        "csrfmiddlewaretoken": token,
        "name": "Bench Customer",
        "email": f"{key}@bench.example",
        "topic": str(topic),
        "subject": f"VPN drops every few minutes {key}",
        "body": "Since this morning the VPN client disconnects every few minutes.",
        "website": "",
        "form_key": key,
    }
    multipart = {field: (None, value) for field, value in form.items()}
    answer = session.post(f"{url}/tickets/new/", files=multipart, allow_redirects=False, timeout=60)
    if answer.status_code != 302:
        raise BenchError(f"The portal refused a new ticket: HTTP {answer.status_code}")
    return int(answer.headers[HEADER])


def measure_portal(
    options: argparse.Namespace,
    server: Server,
    topic: int,
    attachment: Path | None,
    name: str,
    figures: Figures,
) -> None:
    """Tickets opened per second through the portal form, counted in the database."""
    say(f"Measuring {name}…")
    session = requests.Session()
    token = csrf_token(session, f"{server.url}/tickets/new/")
    before = data.ticket_count()
    result = load.wrk(
        f"{server.url}/tickets/new/",
        connections=options.concurrency,
        duration=options.duration,
        script="portal.lua",
        env={
            "BENCH_RUN": f"b{time.time_ns() % 10**9:09d}",
            "BENCH_TOPIC": str(topic),
            "BENCH_CSRF_COOKIE": session.cookies["csrftoken"],
            "BENCH_CSRF_TOKEN": token,
            "BENCH_ATTACHMENT": str(attachment or ""),
        },
    )
    created = data.ticket_count() - before
    if created < result.requests:
        raise BenchError(f"{result.requests} tickets sent but only {created} created")
    figures.add(name, created / result.seconds, "tickets/s")


def measure_memory(
    options: argparse.Namespace,
    server: Server,
    session: requests.Session,
    paths: list[str],
    figures: Figures,
) -> None:
    """Each worker's resident memory before and after a fixed number of agent pages."""
    say(f"Measuring memory over {options.memory_requests:,} requests…")
    urls, cookies = [server.url + path for path in paths], session.cookies.get_dict()
    # Warm up as for the pages, which also lets the portal's queued POSTs finish first.
    load.fetch_all(urls, cookies, count=WARM_UP, concurrency=1)
    workers = server.worker_pids()
    before = {pid: load.Memory.of(pid) for pid in workers}
    load.fetch_all(urls, cookies, count=options.memory_requests, concurrency=options.concurrency)
    if server.worker_pids() != workers:
        raise BenchError("A gunicorn worker was replaced during the memory measurement")
    after = {pid: load.Memory.of(pid) for pid in workers}
    figures.add("memory.growth", max(after[pid].rss - before[pid].rss for pid in workers), "MB")
    figures.add("memory.peak", max(memory.peak for memory in after.values()), "MB")


# ---------------------------------------------------------------------------------------------
# The SLA sweep, in this process as a Celery worker runs it


def measure_sweeps(figures: Figures) -> None:
    say("Measuring the SLA sweep…")
    data.defer_due_checks()
    data.make_breaching(every=100, limit=5)
    data.sweep()  # warm-up, as in a running worker: modules, templates, broker connection
    breaching = data.make_breaching(every=100, limit=None)
    figures.add("sweep.breaching", breaching, "tickets")
    first = data.sweep()
    if first.report.breached < breaching:
        raise BenchError(f"The sweep handled {first.report.breached} of {breaching} breaches")
    figures.add("sweep.breach_1pct", first.milliseconds, "ms")
    figures.add("sweep.breach_0pct", data.sweep().milliseconds, "ms")


def context(options: argparse.Namespace, commit: str) -> dict[str, str]:
    """What the figures were measured on, for the table's header."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    return {
        "tickets": f"{data.ticket_count():,} in the database (--tickets {options.tickets:,})",
        "load": f"wrk, {options.concurrency} connections for throughput, 1 for latency, "
        f"{options.duration:g} s each; gunicorn {load.WORKERS} sync workers",
        "agent": options.agent,
        "search": data.search_text(data.agent(options.agent)),
        "machine": f"{os.cpu_count()} CPUs, PostgreSQL {postgres}",
        "commit": commit or "unknown",
    }
