"""Fill a PostgreSQL desk with a large, realistic history fast: the benchmark's data.

`manage.py generate_tickets` drives it. Tickets, their requesters, threads and audit trails
are drafted in Python from the desk's own configuration (help topics, departments, agents,
priorities, SLA plans) and written with COPY, one transaction per batch, so an interrupted
run leaves whole batches and can be resumed. Nothing goes through the ORM row by row: a
million tickets would take hours that way.

The data keeps the invariants the application relies on: statuses and their timestamps
match the check constraints; SLA due and warning times are those `tickets.clocks` computes;
every warning or breach whose time has passed is already claimed (and audited), exactly as
the sweep would have left it, so the sweep has nothing to catch up on; ticket versions
count the operations in the audit trail, and `updated_at` is the last of them.

Generated requesters are recognised by their email domain (`GENERATED_DOMAIN`): that is how
a later run knows how far an earlier one got, whatever else the desk holds.
"""

import io
import random
import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from sla import deadlines
from sla.jobs import TEXT as SLA_TEXT
from sla.models import PriorityTarget, SLAPlan
from tickets import generator_text as words
from tickets.models import Agent, AuditEvent, HelpTopic, Priority, Ticket
from tickets.numbers import HIGHEST, LOWEST

# Times are integer microseconds since the epoch: several times faster than datetimes in
# the per-row arithmetic, and exact.
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

GENERATED_DOMAIN = "generated.example"
HISTORY = 730 * DAY  # tickets are spread over the past two years
CONTACTS_PER_TICKET = 0.1
# Shares of the statuses; an IT desk closes most of what it receives.
STATUSES = (
    (Ticket.Status.CLOSED, 0.80),
    (Ticket.Status.RESOLVED, 0.06),
    (Ticket.Status.OPEN, 0.10),
    (Ticket.Status.AWAITING_CUSTOMER, 0.04),
)
OVERDUE_SHARE = 0.2  # of open tickets
UNASSIGNED_SHARE = 0.25  # of active tickets
SOURCES = (("web", 55), ("email", 25), ("phone", 12), ("walk_in", 3), ("api", 5))
AGENT_SOURCES = frozenset({"phone", "walk_in"})  # opened by an agent for the caller
CATEGORIES = (("incident", 6), ("request", 3), ("problem", 1))
# A trigger the sweep must act on is never drafted closer than this to the batch's clock:
# right after a run (a million tickets take minutes) the sweep has nothing due, which is
# what a benchmark of it at 0 % breaching needs. A desk's first hour is quiet, no more.
MARGIN = HOUR
POOL_SIZE = 600  # composed texts per kind and theme: enough variety for search
PLACEMENT_ATTEMPTS = 20
COPY_READ = 4 << 20  # bytes

Kind = AuditEvent.Kind
Status = Ticket.Status
SYSTEM = "System"


class Refused(Exception):
    """The database or desk cannot take generated tickets; the message says what to do."""


# ---------------------------------------------------------------------------------------------
# Time


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_us(moment: int) -> datetime:
    return EPOCH + timedelta(microseconds=moment)


NULL = "\\N"  # COPY's text format


def stamp(moment: int | None) -> str:
    """A timestamp as COPY reads it."""
    return NULL if moment is None else from_us(moment).isoformat()


class BusinessClock:
    """`deadlines.add` for one calendar on epoch microseconds, from a table of its business
    intervals: a bisection instead of a walk, which a million tickets cannot afford.

    The table is what `deadlines` itself walks (its interval generator), so the results are
    the same instants (a test compares them); outside the table it asks `deadlines`.
    """

    def __init__(self, calendar: deadlines.Calendar, since: int, until: int) -> None:
        self.calendar = calendar
        self.begins: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []  # business time before each interval, from `since`
        self.through: list[int] = []  # ... and up to its end
        if calendar.always_open:
            return
        total = 0
        for begin, end in deadlines._intervals(calendar, from_us(since)):  # noqa: SLF001
            b, e = to_us(begin), to_us(end)
            self.begins.append(b)
            self.ends.append(e)
            self.before.append(total)
            total += e - b
            self.through.append(total)
            if b > until:
                break

    def add(self, start: int, amount: int) -> int:
        """The instant `amount` of business time after `start`."""
        if self.calendar.always_open:
            return start + amount
        first = bisect_left(self.ends, start)  # the first interval still open at `start`
        if not self.begins or start < self.begins[0] or first >= len(self.ends) - 1:
            return self._walk(start, amount)
        target = self.before[first] + max(0, start - self.begins[first]) + amount
        last = bisect_left(self.through, target, lo=first)
        if last >= len(self.through) - 1:
            return self._walk(start, amount)
        return self.begins[last] + target - self.before[last]

    def _walk(self, start: int, amount: int) -> int:
        return to_us(deadlines.add(self.calendar, from_us(start), timedelta(microseconds=amount)))


# ---------------------------------------------------------------------------------------------
# The desk's configuration, read once


@dataclass(frozen=True)
class Plan:
    """An SLA plan as the generator needs it: targets per priority and a fast clock."""

    pk: int
    name: str
    clock: BusinessClock
    targets: dict[int | None, tuple[int, int]]  # priority id → (first response, resolution)
    warning_percent: int
    pauses: bool

    def amounts(self, priority_id: int) -> tuple[int, int]:
        return self.targets.get(priority_id, self.targets[None])

    def times(self, start: int, amount: int) -> tuple[int, int]:
        """(warning, due) of a clock started at `start`, as `SLAPlan.clock_times` has them."""
        return (
            self.clock.add(start, amount * self.warning_percent // 100),
            self.clock.add(start, amount),
        )


@dataclass(frozen=True)
class Route:
    """A help topic as a new ticket follows it: department, priority, plan, owner, words."""

    topic_id: int
    name: str
    department_id: int
    priority_id: int
    plan: Plan | None
    team: tuple[int, str] | None
    agent: tuple[int, str] | None
    theme: str


@dataclass
class Desk:
    routes: list[Route]
    priority_ids: list[int]
    agents: dict[int, list[tuple[int, str]]]  # department id → (agent id, name)


def load_desk(now: int) -> Desk:
    """The desk's routing, agents and plans; `Refused` if there is nothing to route to."""
    topics = list(
        HelpTopic.objects.filter(is_active=True, department__is_active=True).select_related(
            "department", "auto_assign_agent__user", "auto_assign_team", "parent"
        )
    )
    priorities = list(Priority.objects.order_by("urgency"))
    agents = _agents_by_department()
    if not topics or not priorities or not agents:
        raise Refused(
            "The desk has no active help topics, priorities or agents to generate tickets "
            "for. Run `manage.py load_demo` first (or configure the desk in Django admin)."
        )
    plans = _plans(now)
    default_priority = next((p.pk for p in priorities if p.is_default), priorities[0].pk)
    routes = [
        _route(topic, plans, default_priority) for topic in topics if topic.department_id in agents
    ]
    if not routes:
        raise Refused("No active help topic routes to a department with agents.")
    return Desk(routes, [p.pk for p in priorities], agents)


def _agents_by_department() -> dict[int, list[tuple[int, str]]]:
    agents: dict[int, list[tuple[int, str]]] = defaultdict(list)
    through = Agent.departments.through.objects.filter(
        agent__user__is_active=True, department__is_active=True
    ).select_related("agent__user")
    for link in through:
        agents[link.department_id].append((link.agent_id, copy_escape(link.agent.display_name)))
    return dict(agents)


def _plans(now: int) -> dict[int, Plan]:
    overrides: dict[int, dict[int | None, tuple[int, int]]] = defaultdict(dict)
    for target in PriorityTarget.objects.all():
        overrides[target.plan_id][target.priority_id] = (
            target.first_response_minutes * MINUTE,
            target.resolution_minutes * MINUTE,
        )
    plans = {}
    for plan in SLAPlan.objects.select_related("schedule"):
        targets = overrides[plan.pk]
        targets[None] = (plan.first_response_minutes * MINUTE, plan.resolution_minutes * MINUTE)
        clock = BusinessClock(plan.calendar(), now - HISTORY - 30 * DAY, now + 120 * DAY)
        plans[plan.pk] = Plan(
            plan.pk, plan.name, clock, targets, plan.warning_percent,
            plan.pause_while_awaiting_customer,
        )  # fmt: skip
    return plans


def _route(topic: HelpTopic, plans: dict[int, Plan], default_priority: int) -> Route:
    plan_id = topic.sla_plan_id or topic.department.default_sla_plan_id
    agent = topic.auto_assign_agent
    team = topic.auto_assign_team
    return Route(
        topic_id=topic.pk,
        name=copy_escape(topic.full_name),
        department_id=topic.department_id,
        priority_id=topic.default_priority_id or default_priority,
        plan=plans.get(plan_id) if plan_id else None,
        team=(team.pk, copy_escape(team.name)) if team and team.is_active else None,
        agent=(agent.pk, copy_escape(agent.display_name)) if agent and agent.is_active else None,
        theme=theme_of(topic.full_name),
    )


def theme_of(name: str) -> str:
    """The vocabulary a topic's tickets use: the first theme named in the topic's name."""
    lowered = name.lower()
    aliases = {"outage": "outage", "vpn": "network", "mail": "email", "account": "password"}
    for key in (*words.THEMES, *aliases):
        if key in lowered:
            return aliases.get(key, key)
    return "general"


# ---------------------------------------------------------------------------------------------
# Text pools


def copy_escape(text: str) -> str:
    """Text as a COPY text-format field (backslash, tab and line breaks escaped)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def fill(rng: random.Random, template: str) -> str:
    """A template with its slots filled by random values."""
    values = {slot: rng.choice(options) for slot, options in words.SLOTS.items()}
    values |= {
        "users": rng.choice((2, 3, 5, 8, 12, 20, 40, 150)),
        "asset": rng.randrange(1000, 9999),
        "kb_id": f"KB{rng.randrange(10000, 99999)}",
        "minute": f"{rng.randrange(60):02d}",
    }
    return template.format(**values)


@dataclass
class Texts:
    """Pre-composed, pre-escaped texts per theme, drawn per row with one `choice`."""

    subjects: dict[str, list[str]] = field(default_factory=dict)
    messages: dict[str, list[str]] = field(default_factory=dict)
    follow_ups: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fixes: list[tuple[str, str]] = field(default_factory=list)  # (root cause, resolution)


def compose_texts(rng: random.Random) -> Texts:
    texts = Texts()
    for theme, parts in words.THEMES.items():
        texts.subjects[theme] = [
            copy_escape(_capitalized(fill(rng, rng.choice(parts["subjects"])))[:255])
            for _ in range(POOL_SIZE)
        ]
        texts.messages[theme] = [
            copy_escape(_message(rng, parts["symptoms"])) for _ in range(POOL_SIZE)
        ]
    texts.follow_ups = [copy_escape(fill(rng, rng.choice(words.FOLLOW_UPS))) for _ in range(99)]
    texts.replies = [copy_escape(_reply(rng)) for _ in range(POOL_SIZE)]
    texts.notes = [copy_escape(fill(rng, rng.choice(words.NOTES))) for _ in range(POOL_SIZE)]
    texts.fixes = [
        (
            copy_escape(fill(rng, words.ROOT_CAUSES[index % len(words.ROOT_CAUSES)])),
            copy_escape(fill(rng, words.RESOLUTIONS[index % len(words.RESOLUTIONS)])),
        )
        for index in range(POOL_SIZE)
    ]
    return texts


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _message(rng: random.Random, symptoms: tuple[str, ...]) -> str:
    details = rng.sample(words.DETAILS, rng.randrange(0, 3))
    body = " ".join(fill(rng, line) for line in (rng.choice(symptoms), *details))
    return f"{rng.choice(words.OPENERS)}\n\n{body}\n\n{rng.choice(words.SIGN_OFFS)}"


def _reply(rng: random.Random) -> str:
    return f"Hello,\n\n{fill(rng, rng.choice(words.REPLIES))}\n\nIT Service Desk"


# ---------------------------------------------------------------------------------------------
# Drafting one ticket


@dataclass
class Life:
    """When things happened to a ticket (None: not yet, or never)."""

    created: int
    replied: int | None = None
    resolved: int | None = None
    closed: int | None = None
    paused: int | None = None


@dataclass
class Clocks:
    """A ticket's SLA times and the sweep's claims on them (see `tickets.clocks.TRIGGERS`)."""

    first_response_warn_at: int | None = None
    first_response_due: int | None = None
    resolution_warn_at: int | None = None
    resolution_due: int | None = None
    first_response_warned_at: int | None = None
    first_response_breached_at: int | None = None
    resolution_warned_at: int | None = None
    resolution_breached_at: int | None = None
    next_check: int | None = None

    @property
    def overdue(self) -> bool:
        return bool(self.first_response_breached_at or self.resolution_breached_at)


# (clock, kind, time attribute, claim attribute), as in `tickets.clocks.TRIGGERS`.
TRIGGERS = (
    ("first_response", "warned", "first_response_warn_at", "first_response_warned_at"),
    ("first_response", "breached", "first_response_due", "first_response_breached_at"),
    ("resolution", "warned", "resolution_warn_at", "resolution_warned_at"),
    ("resolution", "breached", "resolution_due", "resolution_breached_at"),
)


def measure(plan: Plan | None, priority_id: int, created: int) -> Clocks:
    """Due and warning times of clocks started at `created` (nothing without a plan)."""
    if plan is None:
        return Clocks()
    first_response, resolution = plan.amounts(priority_id)
    clocks = Clocks()
    clocks.first_response_warn_at, clocks.first_response_due = plan.times(created, first_response)
    clocks.resolution_warn_at, clocks.resolution_due = plan.times(created, resolution)
    return clocks


def claim_passed(clocks: Clocks, life: Life, now: int, running: bool) -> None:
    """Claim every trigger whose time came while its clock ran, as the sweep did; for a
    running ticket, the next check is the earliest trigger still to come."""
    stopped = life.resolved or life.closed or life.paused or now
    pending = []
    for clock, _kind, moment_field, claim_field in TRIGGERS:
        moment = getattr(clocks, moment_field)
        if moment is None:
            continue
        cutoff = stopped
        if clock == "first_response" and life.replied is not None:
            cutoff = min(cutoff, life.replied)
        if moment <= cutoff:
            setattr(clocks, claim_field, moment)
        elif running and (clock == "resolution" or life.replied is None):
            pending.append(moment)
    clocks.next_check = min(pending, default=None)


def uniform_us(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * max(0, high - low))


def place_finished(
    rng: random.Random, plan: Plan | None, amounts: tuple[int, int], now: int, status: str
) -> Life:
    """A resolved or closed ticket's life. Resolved ones were resolved within the auto-close
    period (older ones the daily job would have closed); closed ones any time in two years."""
    auto_close = settings.HELPDESK_AUTO_CLOSE_DAYS * DAY
    recent = auto_close or 14 * DAY
    clock = plan.clock if plan else None
    life = Life(created=now)
    for attempt in range(PLACEMENT_ATTEMPTS):
        last_try = attempt == PLACEMENT_ATTEMPTS - 1
        if last_try:  # rare (a sparse calendar): long enough ago to be over by now
            created = now - 60 * DAY
        elif status == Status.RESOLVED:
            created = now - uniform_us(rng, HOUR, recent + 10 * DAY)
        else:
            created = now - uniform_us(rng, DAY, HISTORY)
        life = _work(rng, clock, amounts, created)
        if status == Status.CLOSED:
            confirmed = not auto_close or rng.random() < 0.5
            life.closed = life.resolved + (
                uniform_us(rng, 10 * MINUTE, min(auto_close or 3 * DAY, 3 * DAY))
                if confirmed
                else auto_close
            )
        if (life.closed or life.resolved) < now and (
            status == Status.CLOSED or life.resolved > now - recent or last_try
        ):
            break
    return life


def _work(
    rng: random.Random, clock: BusinessClock | None, amounts: tuple[int, int], created: int
) -> Life:
    """First reply and resolution, mostly within the targets, some late."""
    first_response, resolution = amounts

    def add(amount: int) -> int:
        return clock.add(created, amount) if clock else created + amount

    # Squared draws: most answers come early, about one in eight after the due time.
    replied = add(int(first_response * (0.05 + 1.25 * rng.random() ** 2)))
    resolved = add(int(resolution * (0.1 + 1.1 * rng.random() ** 2)))
    resolved = max(resolved, replied + uniform_us(rng, 5 * MINUTE, 2 * HOUR))
    return Life(created=created, replied=replied, resolved=resolved)


def place_active(
    rng: random.Random, plan: Plan | None, amounts: tuple[int, int], now: int, priority_id: int
) -> tuple[Life, Clocks]:
    """An open ticket within its targets: every trigger still to come lies past `MARGIN`."""
    first_response, resolution = amounts
    for _attempt in range(PLACEMENT_ATTEMPTS):
        created = now - int(rng.random() * resolution)  # younger than its target: not due
        clocks = measure(plan, priority_id, created)
        life = Life(created=created)
        reply = (
            plan.clock.add(created, int(first_response * rng.uniform(0.05, 0.95)))
            if plan
            else created + int(first_response * rng.random())
        )
        life.replied = reply if reply <= now else None
        if _clear_of_now(clocks, life, now):
            return life, clocks
    created = now - 30 * SECOND  # just opened: its first trigger is minutes away
    return Life(created=created), measure(plan, priority_id, created)


def _clear_of_now(clocks: Clocks, life: Life, now: int) -> bool:
    """No running clock is due before `MARGIN` from now, and no warning is about to fire
    (one already passed is fine: it is claimed). A reply drafted before `now` always came
    before its due time."""
    if clocks.resolution_due is None:
        return True
    warnings, dues = [clocks.resolution_warn_at], [clocks.resolution_due]
    if life.replied is None:
        warnings.append(clocks.first_response_warn_at)
        dues.append(clocks.first_response_due)
    return all(due > now + MARGIN for due in dues) and not any(
        now < warning < now + MARGIN for warning in warnings
    )


def place_overdue(
    rng: random.Random, plan: Plan, amounts: tuple[int, int], now: int, priority_id: int
) -> tuple[Life, Clocks]:
    """An open ticket past its resolution due time (already marked overdue by the sweep)."""
    first_response, resolution = amounts
    age = resolution + uniform_us(rng, HOUR, 20 * DAY)
    clocks = measure(plan, priority_id, now - age)
    while clocks.resolution_due >= now - MINUTE:  # business hours stretch the targets
        age *= 2
        clocks = measure(plan, priority_id, now - age)
    life = Life(created=now - age)
    if rng.random() < 0.75:
        reply = plan.clock.add(life.created, int(first_response * rng.uniform(0.1, 1.5)))
        life.replied = reply if reply < now else None
    return life, clocks


# ---------------------------------------------------------------------------------------------
# A ticket's rows


@dataclass
class Batch:
    """COPY buffers for one batch, and what they hold."""

    tickets: io.StringIO = field(default_factory=io.StringIO)
    entries: io.StringIO = field(default_factory=io.StringIO)
    events: io.StringIO = field(default_factory=io.StringIO)
    contacts: io.StringIO = field(default_factory=io.StringIO)
    ticket_count: int = 0
    entry_count: int = 0
    event_count: int = 0
    contact_count: int = 0


TICKET_COLUMNS = (
    "id, number, subject, status, source, topic_id, department_id, priority_id, sla_plan_id, "
    "requester_id, assignee_id, team_id, resolved_by_id, root_cause, resolution, category, "
    "created_at, updated_at, resolved_at, closed_at, first_responded_at, "
    "first_response_warn_at, first_response_due, resolution_warn_at, resolution_due, "
    "first_response_warned_at, first_response_breached_at, resolution_warned_at, "
    "resolution_breached_at, is_overdue, sla_started_at, sla_paused_at, sla_paused_for, "
    "sla_next_check_at, version, access_generation, idempotency_key"
)
ENTRY_COLUMNS = (
    "ticket_id, kind, author_agent_id, author_contact_id, author_name, body, body_format, "
    "created_at"
)
EVENT_COLUMNS = (
    "ticket_id, kind, actor_agent_id, actor_contact_id, actor_name, old_value, new_value, "
    "note, is_public, ticket_version, created_at"
)
CONTACT_COLUMNS = "id, email, name, phone, created_at"

# An operation on the ticket: when, and its audit events as
# (kind, agent id, contact id, actor name, old, new, note, public).
Event = tuple[str, int | None, int | None, str, str, str, str, bool]
Operation = tuple[int, list[Event]]


def _nullable(value: object) -> str:
    return NULL if value is None else str(value)


def _weighted(choices: tuple[tuple[str, float], ...]) -> Callable[[random.Random], str]:
    values = [value for value, _weight in choices]
    weights = [weight for _value, weight in choices]
    return lambda rng: rng.choices(values, weights)[0]


pick_status = _weighted(STATUSES)
pick_source = _weighted(SOURCES)
pick_category = _weighted(CATEGORIES)


Person = tuple[int, str]  # id and name (escaped for COPY)


@dataclass
class Draft:
    """One ticket being drafted: its routing, people, life and SLA clocks."""

    ticket_id: int
    number: int
    route: Route
    priority_id: int
    status: str
    source: str
    requester: Person
    assignee: Person | None
    responder: Person  # who answers: the assignee, or a colleague for unassigned tickets
    life: Life
    clocks: Clocks
    fix: tuple[str, str]  # (root cause, resolution), empty unless resolved


@dataclass
class Drafter:
    """Drafts tickets into a batch's buffers; one per run, shared by its batches."""

    desk: Desk
    texts: Texts
    rng: random.Random
    now: int = 0

    def ticket(self, batch: Batch, ticket_id: int, number: int, requester: Person) -> None:
        draft = self._draft(ticket_id, number, requester)
        operations = [(draft.life.created, self._opening(draft))]
        operations += self._thread(batch, draft)
        operations += self._sla_events(draft.route.plan, draft.clocks)
        if draft.assignee and not draft.route.agent:
            operations.append(self._claim(draft))
        version, updated = self._events(batch, ticket_id, operations)
        self._row(batch, draft, version, updated)

    def _draft(self, ticket_id: int, number: int, requester: Person) -> Draft:
        rng, desk = self.rng, self.desk
        route = rng.choice(desk.routes)
        priority_id = route.priority_id if rng.random() < 0.85 else rng.choice(desk.priority_ids)
        status = pick_status(rng)
        life, clocks = self._life(status, route.plan, priority_id)
        staff = desk.agents[route.department_id]
        assignee = route.agent or rng.choice(staff)
        if status in Ticket.ACTIVE_STATUSES and not route.agent:
            assignee = None if rng.random() < UNASSIGNED_SHARE else assignee
        fix = rng.choice(self.texts.fixes) if life.resolved else ("", "")
        return Draft(ticket_id, number, route, priority_id, status, pick_source(rng), requester,
                     assignee, assignee or rng.choice(staff), life, clocks, fix)  # fmt: skip

    def _life(self, status: str, plan: Plan | None, priority_id: int) -> tuple[Life, Clocks]:
        """When things happened, and the clocks' times and claims accordingly."""
        rng, now = self.rng, self.now
        amounts = plan.amounts(priority_id) if plan else (4 * HOUR, 3 * DAY)
        if status in (Status.RESOLVED, Status.CLOSED):
            life = place_finished(rng, plan, amounts, now, status)
            clocks = measure(plan, priority_id, life.created)
        elif status == Status.OPEN and plan and rng.random() < OVERDUE_SHARE:
            life, clocks = place_overdue(rng, plan, amounts, now, priority_id)
        else:
            life, clocks = place_active(rng, plan, amounts, now, priority_id)
        if status == Status.AWAITING_CUSTOMER:
            if life.replied is None:  # the reply that asked the customer something
                life.replied = life.created + int(rng.random() * (now - life.created))
            if plan and plan.pauses:
                life.paused = life.replied
        running = status in Ticket.ACTIVE_STATUSES and life.paused is None
        claim_passed(clocks, life, now, running)
        return life, clocks

    @staticmethod
    def _opening(draft: Draft) -> list[Event]:
        """The opening's events: created (by the requester, or by the agent who took the
        call), and the help topic's automatic assignment."""
        requester, agent, route = draft.requester, draft.responder, draft.route
        events: list[Event] = [
            (Kind.CREATED, agent[0], None, agent[1], "", "Open", "", True)
            if draft.source in AGENT_SOURCES
            else (Kind.CREATED, None, requester[0], requester[1], "", "Open", "", True)
        ]
        note = f"Auto-assigned by the help topic “{route.name}”."
        if route.team:
            events.append((Kind.TEAM_ASSIGNED, None, None, SYSTEM, "", route.team[1], note, False))
        if route.agent:
            events.append((Kind.ASSIGNED, None, None, SYSTEM, "", route.agent[1], note, False))
        return events

    def _claim(self, draft: Draft) -> Operation:
        """The assignee claims the ticket within the hour, before answering it."""
        life, assignee = draft.life, draft.assignee
        latest = min(life.replied or life.resolved or self.now, life.created + HOUR)
        moment = uniform_us(self.rng, life.created + SECOND, latest)
        return (moment, [(Kind.ASSIGNED, assignee[0], None, assignee[1], "", assignee[1],
                          "Claimed.", False)])  # fmt: skip

    def _thread(self, batch: Batch, draft: Draft) -> list[Operation]:
        """The thread's entries, written to the batch; returns the operations that posted
        them after the opening, and the closure's."""
        rng, texts, life = self.rng, self.texts, draft.life
        requester, agent, ticket_id = draft.requester, draft.responder, draft.ticket_id
        self._entry(batch, ticket_id, life.created, "message", None, requester,
                    rng.choice(texts.messages[draft.route.theme]))  # fmt: skip
        operations: list[Operation] = []
        # Until the resolution, or the reply that left it awaiting the customer (whose next
        # message would reopen it), or now.
        awaiting = draft.status == Status.AWAITING_CUSTOMER
        end = life.resolved or (life.replied if awaiting else self.now)
        if life.replied is not None:
            events = [self._post(batch, ticket_id, life.replied, "reply", agent)]
            if awaiting:
                events.append(
                    (Kind.STATUS_CHANGED, agent[0], None, agent[1], "Open", "Awaiting customer",
                     "", True)
                )  # fmt: skip
            operations.append((life.replied, events))
            if rng.random() < 0.3 and end > life.replied:
                moment = uniform_us(rng, life.replied, end)
                operations.append((moment, [self._post(batch, ticket_id, moment, "message",
                                                       requester)]))  # fmt: skip
        if rng.random() < 0.4:
            moment = uniform_us(rng, life.created, end)
            operations.append((moment, [self._post(batch, ticket_id, moment, "note", agent)]))
        if life.resolved is not None:
            operations += self._closure(batch, draft)
        return operations

    def _closure(self, batch: Batch, draft: Draft) -> list[Operation]:
        """Resolved by the responder; closed by the requester's confirmation or by the
        auto-close job."""
        life, agent, requester = draft.life, draft.responder, draft.requester
        operations: list[Operation] = []
        if self.rng.random() < 0.5:  # "reply and resolve": the fix told in the thread
            moment = life.resolved - SECOND
            operations.append(
                (moment, [self._post(batch, draft.ticket_id, moment, "reply", agent)])
            )
        resolved: Event = (Kind.RESOLVED, agent[0], None, agent[1], "Open", "Resolved",
                           draft.fix[1], True)  # fmt: skip
        operations.append((life.resolved, [resolved]))
        if life.closed is not None:
            days = settings.HELPDESK_AUTO_CLOSE_DAYS
            closed: Event = (
                (Kind.CLOSED, None, None, SYSTEM, "Resolved", "Closed",
                 f"Closed automatically {days} days after it was resolved.", True)
                if life.closed - life.resolved == days * DAY
                else (Kind.CLOSED, None, requester[0], requester[1], "Resolved", "Closed", "",
                      True)
            )  # fmt: skip
            operations.append((life.closed, [closed]))
        return operations

    def _post(self, batch: Batch, ticket_id: int, moment: int, kind: str, author: Person) -> Event:
        """An entry after the first: written to the batch; returns its audit event."""
        texts = self.texts
        if kind == "message":
            self._entry(batch, ticket_id, moment, kind, None, author,
                        self.rng.choice(texts.follow_ups))  # fmt: skip
            return (Kind.MESSAGE_ADDED, None, author[0], author[1], "", "", "", False)
        body = self.rng.choice(texts.replies if kind == "reply" else texts.notes)
        self._entry(batch, ticket_id, moment, kind, author, None, body)
        event_kind = Kind.REPLIED if kind == "reply" else Kind.NOTE_ADDED
        return (event_kind, author[0], None, author[1], "", "", "", False)

    @staticmethod
    def _entry(
        batch: Batch,
        ticket_id: int,
        moment: int,
        kind: str,
        agent: Person | None,
        contact: Person | None,
        body: str,
    ) -> None:
        author = agent or contact
        agent_id, contact_id = (agent[0], NULL) if agent else (NULL, contact[0])
        batch.entries.write(
            f"{ticket_id}\t{kind}\t{agent_id}\t{contact_id}\t{author[1]}\t{body}\ttext\t"
            f"{stamp(moment)}\n"
        )
        batch.entry_count += 1

    def _row(self, batch: Batch, draft: Draft, version: int, updated: int) -> None:
        """The ticket's own row, in `TICKET_COLUMNS` order."""
        life, clocks, route = draft.life, draft.clocks, draft.route
        values = (
            draft.ticket_id, draft.number, self.rng.choice(self.texts.subjects[route.theme]),
            draft.status, draft.source, route.topic_id, route.department_id, draft.priority_id,
            route.plan.pk if route.plan else None, draft.requester[0],
            draft.assignee[0] if draft.assignee else None,
            route.team[0] if route.team else None,
            draft.responder[0] if life.resolved else None, draft.fix[0], draft.fix[1],
            pick_category(self.rng) if life.resolved else "",
        )  # fmt: skip
        times = (
            life.created, updated, life.resolved, life.closed, life.replied,
            clocks.first_response_warn_at, clocks.first_response_due,
            clocks.resolution_warn_at, clocks.resolution_due,
            clocks.first_response_warned_at, clocks.first_response_breached_at,
            clocks.resolution_warned_at, clocks.resolution_breached_at,
        )  # fmt: skip
        batch.tickets.write(
            "\t".join(map(_nullable, values))
            + "\t"
            + "\t".join(map(stamp, times))
            + f"\t{'t' if clocks.overdue else 'f'}\t{stamp(life.created)}\t{stamp(life.paused)}"
            + f"\t0\t{stamp(clocks.next_check)}\t{version}\t1\t{NULL}\n"
        )
        batch.ticket_count += 1

    @staticmethod
    def _sla_events(plan: Plan | None, clocks: Clocks) -> list[Operation]:
        """One audit event per claimed trigger, at its time, as the sweep records them."""
        operations: list[Operation] = []
        for clock, kind, _moment_field, claim_field in TRIGGERS:
            claimed = getattr(clocks, claim_field)
            if claimed is None or plan is None:
                continue
            due = from_us(getattr(clocks, f"{clock}_due"))
            note = SLA_TEXT[clock, kind].format(
                due=f"{due:%a %d %b %Y %H:%M} UTC", percent=plan.warning_percent
            )
            event_kind = Kind.SLA_BREACHED if kind == "breached" else Kind.SLA_WARNING
            new = f"{plan.name} {clock.replace('_', ' ')}"
            operations.append((claimed, [(event_kind, None, None, SYSTEM, "", new, note, False)]))
        return operations

    @staticmethod
    def _events(batch: Batch, ticket_id: int, operations: list[Operation]) -> tuple[int, int]:
        """Write the audit events in order, each operation bumping the version after the
        opening; returns the ticket's version and last activity."""
        operations.sort(key=lambda operation: operation[0])
        version = 0
        for moment, events in operations:
            version += 1
            at = stamp(moment)
            for kind, agent_id, contact_id, name, old, new, note, public in events:
                batch.events.write(
                    f"{ticket_id}\t{kind}\t{_nullable(agent_id)}\t{_nullable(contact_id)}\t"
                    f"{name}\t{old}\t{new}\t{note}\t{'t' if public else 'f'}\t{version}\t{at}\n"
                )
                batch.event_count += 1
        return version, operations[-1][0]


# ---------------------------------------------------------------------------------------------
# The database side


def check_database() -> None:
    if connection.vendor != "postgresql":
        raise Refused(
            f"generate_tickets needs PostgreSQL (it writes with COPY for the benchmark); this "
            f"database is {connection.vendor}. Set DATABASE_URL=postgres://…"
        )


def generated_filter() -> str:
    return f"%@%.{GENERATED_DOMAIN}"


def generated_contacts() -> list[tuple[int, str]]:
    """(id, name) of the requesters earlier runs generated, in creation order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name FROM tickets_contact WHERE email LIKE %s ORDER BY id",
            [generated_filter()],
        )
        return [(pk, copy_escape(name)) for pk, name in cursor.fetchall()]


def generated_ticket_count() -> int:
    """How many tickets earlier runs generated (those of generated requesters)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tickets_ticket t JOIN tickets_contact c ON c.id = t.requester_id"
            " WHERE c.email LIKE %s",
            [generated_filter()],
        )
        return cursor.fetchone()[0]


def taken_numbers() -> bytearray:
    """A bitmap of the ticket numbers in use (11 MB for the whole eight-digit range): new
    numbers are drawn at random like `tickets.numbers` and checked against it."""
    taken = bytearray((HIGHEST - LOWEST) // 8 + 1)
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        cursor.copy_expert("COPY (SELECT number FROM tickets_ticket) TO STDOUT", buffer)
    for line in buffer.getvalue().split():
        if line.isdigit() and LOWEST <= int(line) <= HIGHEST:
            offset = int(line) - LOWEST
            taken[offset >> 3] |= 1 << (offset & 7)
    return taken


def draw_number(rng: random.Random, taken: bytearray) -> int:
    while True:
        number = rng.randint(LOWEST, HIGHEST)
        offset = number - LOWEST
        if not taken[offset >> 3] & (1 << (offset & 7)):
            taken[offset >> 3] |= 1 << (offset & 7)
            return number


def reserve_ids(table: str, count: int) -> list[int]:
    """`count` ids from the table's identity sequence, so rows can point at each other
    before they are written; concurrent inserts by the application simply get others."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def copy_batch(batch: Batch) -> None:
    """Write a batch, parents first (the foreign keys are checked at commit anyway)."""
    with connection.cursor() as cursor:
        for table, columns, buffer in (
            ("tickets_contact", CONTACT_COLUMNS, batch.contacts),
            ("tickets_ticket", TICKET_COLUMNS, batch.tickets),
            ("tickets_threadentry", ENTRY_COLUMNS, batch.entries),
            ("tickets_auditevent", EVENT_COLUMNS, batch.events),
        ):
            buffer.seek(0)
            # Big reads: each one needs the GIL, which the drafting thread holds most of
            # the time; 8 KB reads would wait for it thousands of times per batch.
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer, COPY_READ)


TABLES = ("tickets_contact", "tickets_ticket", "tickets_threadentry", "tickets_auditevent")
SEARCH_INDEXES = ("ticket_subject_search", "thread_entry_body_search", "contact_search")


def finish() -> None:
    """Put every sequence past the highest id (so the application's inserts never collide),
    refresh the planner's statistics for the tables that grew, and merge what the copies
    left in the search indexes' pending lists (autovacuum would, later: until then every
    search reads them)."""
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608 - our names
                f"GREATEST((SELECT max(id) FROM {table}), 1))",
                [table],
            )
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")
        for index in SEARCH_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])


# ---------------------------------------------------------------------------------------------
# A run


@dataclass
class Totals:
    tickets: int = 0
    entries: int = 0
    events: int = 0
    contacts: int = 0

    def add(self, batch: Batch) -> None:
        self.tickets += batch.ticket_count
        self.entries += batch.entry_count
        self.events += batch.event_count
        self.contacts += batch.contact_count


@dataclass
class Ids:
    """Ids reserved for one batch's tickets and new requesters."""

    tickets: list[int]
    contacts: list[int]


@dataclass
class Run:
    """One invocation: where the desk stands, and how to draft the next batch.

    Drafting touches no database (ids are reserved beforehand), so it runs on a worker thread
    while the previous batch is being copied: PostgreSQL and Python each get a core.
    """

    drafter: Drafter
    contacts: list[tuple[int, str]]
    taken: bytearray
    drafted: int  # generated tickets in the database or drafted
    contact_ordinal: int = 0

    def reserve(self, size: int) -> Ids:
        """The next batch's ids; its new requesters keep about one per ten tickets."""
        wanted = round((self.drafted + size) * CONTACTS_PER_TICKET) - len(self.contacts)
        wanted = max(wanted, 0 if self.contacts else 1)
        return Ids(reserve_ids("tickets_ticket", size), reserve_ids("tickets_contact", wanted))

    def draft(self, ids: Ids) -> Batch:
        batch = Batch()
        self.drafter.now = to_us(datetime.now(UTC)) // SECOND * SECOND
        fresh = self._contacts(batch, ids.contacts)
        rng = self.drafter.rng
        requesters = self._requesters(fresh, len(ids.tickets))
        for ticket_id, requester in zip(ids.tickets, requesters, strict=True):
            self.drafter.ticket(batch, ticket_id, draw_number(rng, self.taken), requester)
        self.drafted += len(ids.tickets)
        return batch

    def _contacts(self, batch: Batch, ids: list[int]) -> list[tuple[int, str]]:
        rng = self.drafter.rng
        since = self.drafter.now - HISTORY - 365 * DAY
        fresh = []
        for pk in ids:
            first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
            name = copy_escape(f"{first} {last}")
            local = f"{first}.{last}".lower().replace("'", "").replace("ü", "u")
            domain = f"{rng.choice(words.ORGANISATIONS)}.{GENERATED_DOMAIN}"
            joined = stamp(uniform_us(rng, since, since + 365 * DAY))
            batch.contacts.write(
                f"{pk}\t{local}.{self.contact_ordinal}@{domain}\t{name}\t\t{joined}\n"
            )
            self.contact_ordinal += 1
            fresh.append((pk, name))
        batch.contact_count = len(fresh)
        self.contacts += fresh
        return fresh

    def _requesters(self, fresh: list[tuple[int, str]], size: int) -> Iterator[tuple[int, str]]:
        """Each new requester opens at least one ticket; the others come from anyone."""
        yield from fresh[:size]
        for _ in range(size - min(size, len(fresh))):
            yield self.drafter.rng.choice(self.contacts)


def write(batch: Batch, *, skip_checks: bool) -> None:
    """Copy one batch in its own transaction: an interrupted run leaves whole batches."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Losing the last batches in a crash is harmless: --resume redoes them.
            cursor.execute("SET LOCAL synchronous_commit TO off")
            if skip_checks:
                # The rows reference ids reserved in this run or read from the database just
                # before: checking every reference (a query per row and foreign key at
                # commit) would cost a third of the run. Only a superuser may skip it.
                cursor.execute("SET LOCAL session_replication_role TO replica")
        copy_batch(batch)


def is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return cursor.fetchone()[0]


ProgressReport = Callable[[Totals, int, float], None]


def generate(
    *, tickets: int, resume: bool, batch_size: int, seed: int, report: ProgressReport
) -> tuple[Totals, float]:
    """Top the desk up to `tickets` generated tickets; returns what was written and the
    seconds it took. `Refused` when the database or the desk cannot take them."""
    started = time.monotonic()
    check_database()
    done = generated_ticket_count()
    if done and not resume:
        raise Refused(
            f"The database already holds {done:,} generated tickets. Use --resume to continue "
            f"up to {tickets:,}, or start from an empty database (migrate + load_demo)."
        )
    now = to_us(datetime.now(UTC))
    desk = load_desk(now)
    # Not for secrets: reproducible draws; a resumed run draws new ones.
    rng = random.Random(seed * 1_000_003 + done)  # noqa: S311
    contacts = generated_contacts()
    run = Run(Drafter(desk, compose_texts(rng), rng), contacts, taken_numbers(), done)
    run.contact_ordinal = len(contacts)
    totals = Totals()
    sizes = [min(batch_size, tickets - start) for start in range(done, tickets, batch_size)]
    skip_checks = is_superuser()
    with ThreadPoolExecutor(max_workers=1) as drafting:
        following = iter(sizes)
        size = next(following, 0)
        pending = drafting.submit(run.draft, run.reserve(size)) if size else None
        while pending is not None:
            batch = pending.result()
            size = next(following, 0)
            # The next batch is drafted while this one is copied.
            pending = drafting.submit(run.draft, run.reserve(size)) if size else None
            write(batch, skip_checks=skip_checks)
            totals.add(batch)
            report(totals, tickets - done - totals.tickets, time.monotonic() - started)
    finish()
    return totals, time.monotonic() - started
