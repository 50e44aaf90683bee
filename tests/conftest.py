"""The cast of the first seed story, shared by every test.

A bank's requester (Jordan), a Tier 1 agent (Alex) and their manager (Sam) in the Service
Desk, a SysAdmin (Priya) in another department, an admin (Ada), and outsiders who must see
nothing: another customer (Olive) and an agent of an unrelated department (Nico).
Configuration is created directly (admins do that in Django admin); tickets only through
the operations.
"""

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import TypeVar

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from celery.contrib.testing.worker import start_worker
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from pytest_django import Settings

from agents import drawn
from helpdesk import remembered
from helpdesk.celery import app as celery_app
from sla.models import SLAPlan
from tickets import operations as ops
from tickets import tasks
from tickets.models import Agent, Contact, Department, HelpTopic, Priority, Team, Ticket

User = get_user_model()

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# the live server's database access from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """PBKDF2 costs ~0.4 s a password by design; tests only need passwords to work."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def shared_cache(settings: Settings) -> None:
    """Configuration is remembered and sessions are read from the cache, as in production
    with CACHE_URL (one process here: the in-memory cache is shared by all it runs). Each
    test's database is rolled back, but the cache would keep what an earlier test read from
    it: every test starts with an empty cache, nothing remembered in this process
    (helpdesk.remembered) and no remembered pages (agents.drawn)."""
    settings.HELPDESK_REMEMBER_CONFIGURATION = True
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cache.clear()
    remembered.clear_process_memory()
    drawn.forget_all()


@dataclass
class Cast:
    sev_a: SLAPlan
    sev_c: SLAPlan
    p1: Priority
    p2: Priority
    p3: Priority
    service_desk: Department
    sysadmin: Department
    networking: Department
    tier1: Agent
    manager: Agent
    sysadmin_agent: Agent
    admin: Agent
    outsider_agent: Agent
    major_incident: Team
    general: HelpTopic
    outage: HelpTopic
    password: HelpTopic
    requester: Contact
    outsider: Contact


def make_agent(username: str, name: str, *departments: Department, **flags: bool) -> Agent:
    first, last = name.split(" ", 1)
    user = User.objects.create_user(
        username,
        email=f"{username}@helpdesk.test",
        password="test-password",
        first_name=first,
        last_name=last,
        is_superuser=flags.pop("superuser", False),
    )
    agent = Agent.objects.create(user=user, **flags)
    agent.departments.set(departments)
    return agent


@pytest.fixture
def cast(db: None) -> Cast:
    sev_a = SLAPlan.objects.create(name="Sev A", first_response_minutes=15, resolution_minutes=240)
    sev_c = SLAPlan.objects.create(
        name="Sev C", first_response_minutes=240, resolution_minutes=4320
    )
    p1 = Priority.objects.create(code="P1", name="Emergency", urgency=1)
    p2 = Priority.objects.create(code="P2", name="High", urgency=2)
    p3 = Priority.objects.create(code="P3", name="Normal", urgency=3, is_default=True)
    Priority.objects.create(code="P4", name="Low", urgency=4)
    service_desk = Department.objects.create(name="Service Desk", default_sla_plan=sev_c)
    sysadmin = Department.objects.create(name="SysAdmin", default_sla_plan=sev_c)
    networking = Department.objects.create(name="Networking")
    tier1 = make_agent("alex", "Alex Rivera", service_desk)
    manager = make_agent("sam", "Sam Okafor", service_desk, is_manager=True)
    service_desk.manager = manager
    service_desk.save(update_fields=["manager"])
    sysadmin_agent = make_agent("priya", "Priya Nair", sysadmin)
    admin = make_agent("ada", "Ada Admin", superuser=True)
    outsider_agent = make_agent("nico", "Nico Berg", networking)
    major_incident = Team.objects.create(name="Major Incident Team", lead=sysadmin_agent)
    major_incident.members.set([sysadmin_agent])
    return Cast(
        sev_a=sev_a,
        sev_c=sev_c,
        p1=p1,
        p2=p2,
        p3=p3,
        service_desk=service_desk,
        sysadmin=sysadmin,
        networking=networking,
        tier1=tier1,
        manager=manager,
        sysadmin_agent=sysadmin_agent,
        admin=admin,
        outsider_agent=outsider_agent,
        major_incident=major_incident,
        general=HelpTopic.objects.create(name="General Inquiry", department=service_desk),
        outage=HelpTopic.objects.create(
            name="Business Critical Outage",
            department=sysadmin,
            default_priority=p1,
            sla_plan=sev_a,
            auto_assign_team=major_incident,
        ),
        password=HelpTopic.objects.create(
            name="Password Reset / Account Access",
            department=service_desk,
            default_priority=p2,
            auto_assign_agent=tier1,
        ),
        requester=Contact.objects.create(
            email="jordan.blake@northbank.test", name="Jordan Blake", phone="+1 555 0100"
        ),
        outsider=Contact.objects.create(email="olive@elsewhere.test", name="Olive Outsider"),
    )


OpenTicket = Callable[..., Ticket]


@pytest.fixture
def open_ticket(cast: Cast) -> OpenTicket:
    """Open a ticket through the portal's operation; keyword arguments override the defaults."""

    def open_(**overrides: object) -> Ticket:
        arguments: dict[str, object] = {
            "requester": cast.requester,
            "subject": "Online and mobile banking are down",
            "body": 'Customers see "Service temporarily unavailable (error 503)".',
            "topic": cast.general,
            "source": Ticket.Source.WEB,
            "by": cast.requester,
        }
        arguments.update(overrides)
        return ops.open_ticket(**arguments)  # type: ignore[arg-type]

    return open_


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids of the notifications handed to the broker, one by one or in a batch (the broker
    itself is not touched)."""
    sent: list[int] = []
    monkeypatch.setattr(tasks.deliver_notification_task, "delay", sent.append)
    monkeypatch.setattr(tasks.enqueue_notifications_task, "delay", sent.extend)
    return sent


# ---------------------------------------------------------------------------------------------
# Real components: an SMTP server and a Celery worker.


@dataclass
class SmtpSink:
    """What a real SMTP server received; `refusals` makes it answer `refusal` (451, a
    temporary failure, unless changed) to that many messages."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    refusals: int = 0
    refusal: str = "451 4.3.0 Mailbox temporarily unavailable, try again later"


class _SinkHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.sink.refusals > 0:
            self.sink.refusals -= 1
            return self.sink.refusal
        content = envelope.content
        raw = content if isinstance(content, bytes) else content.encode()
        self.sink.messages.append(BytesParser(policy=email_policy.default).parsebytes(raw))
        return "250 Message accepted for delivery"


def plain_text(message: EmailMessage) -> str:
    """The plain-text part of a received email (notifications are text + HTML alternatives)."""
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[SmtpSink]:
    """A real SMTP server on a free port, and Django's mail settings pointing at it."""
    sink = SmtpSink(host="127.0.0.1", port=free_port())
    controller = Controller(_SinkHandler(sink), hostname=sink.host, port=sink.port)
    controller.start()
    # pytest-django swaps in the in-memory backend for every test; put SMTP back.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    yield sink
    controller.stop()


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[None]:
    """A real Celery worker on the configured broker (Redis under `make test`), in a thread.

    It reads committed data, hence the transactional database.
    """
    celery_app.control.purge()  # earlier tests' tasks must not run against this test's data
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        yield


T = TypeVar("T")


def race(*contenders: Callable[[], T], timeout: float = 60.0) -> list[T]:
    """Run each callable in a thread of its own, all released at the same instant; returns
    what they returned, in the order they finished (one that raised returns nothing, so
    a contender that must not fail records its error itself). Each thread closes the
    database connection Django opened for it."""
    start = threading.Barrier(len(contenders))
    finished: list[T] = []

    def run(contender: Callable[[], T]) -> None:
        try:
            start.wait()
            finished.append(contender())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(contender,)) for contender in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return finished


def wait_until(condition: Callable[[], bool], *, timeout: float = 20.0) -> None:
    """Poll until `condition()` holds; fail the test if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting after {timeout} s")
        time.sleep(0.1)


# ---------------------------------------------------------------------------------------------
# Browser tests: Debian's Chromium driven by Playwright (which cannot download browsers here).

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # The network here is closed: Chromium's background calls would only fail noisily.
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
