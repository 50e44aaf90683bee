"""The demo desk: the seed stories' world, built idempotently.

Configuration is upserted by natural key; sample tickets are opened and worked through the
ticket operations (so their threads and audit trails are real) only if a ticket with the
same requester and subject does not exist yet. Running it twice leaves the same data.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time

from django.contrib.auth import get_user_model
from django.db import transaction

from sla.models import BusinessSchedule, EscalationRule, SLAPlan
from tickets import operations as ops
from tickets.models import (
    Agent,
    CannedResponse,
    Contact,
    Department,
    HelpTopic,
    HelpTopicField,
    Priority,
    Team,
    Ticket,
)

User = get_user_model()

DEMO_PASSWORD = "helpdesk"  # noqa: S105 - printed on purpose: these are demo logins

SLA_PLANS = [
    # name, first response, resolution (minutes), description
    ("Sev A", 15, 4 * 60, "Business-critical outage: system down or many users."),
    ("Sev B", 60, 8 * 60, "A user or team is blocked."),
    ("Sev C", 4 * 60, 3 * 24 * 60, "Degraded service; work goes on."),
    ("Sev D", 8 * 60, 5 * 24 * 60, "Requests and questions."),
]

PRIORITIES = [
    # code, name, urgency, colour, description
    ("P1", "Emergency", 1, "#dc3545", "System down or several users affected."),
    ("P2", "High", 2, "#fd7e14", "A single user is blocked."),
    ("P3", "Normal", 3, "#0d6efd", "Degraded: work goes on with difficulty."),
    ("P4", "Low", 4, "#6c757d", "A request or a question."),
]
DEFAULT_PRIORITY = "P3"

# The desk works UK office hours for everyday plans; outages (Sev A/B) run round the clock.
OFFICE_HOURS = ("UK office hours", "Europe/London", time(8), time(18))
HOLIDAYS = [
    (date(2026, 12, 25), "Christmas Day"),
    (date(2026, 12, 28), "Boxing Day (substitute day)"),
    (date(2027, 1, 1), "New Year's Day"),
]
PLAN_SCHEDULES = {"Sev C": "UK office hours", "Sev D": "UK office hours"}
ESCALATION_RULES = [
    # plan, trigger, action
    ("Sev A", "warning", "notify_manager"),
    ("Sev A", "first_response_breach", "notify_team"),
    ("Sev A", "resolution_breach", "page_on_call"),
    ("Sev A", "resolution_breach", "notify_manager"),
    ("Sev B", "warning", "notify_assignee"),
    ("Sev B", "resolution_breach", "raise_priority"),
    ("Sev B", "resolution_breach", "notify_manager"),
    ("Sev C", "resolution_breach", "notify_assignee"),
    ("Sev C", "resolution_breach", "notify_manager"),
    ("Sev D", "resolution_breach", "notify_assignee"),
]

DEPARTMENTS = [
    # name, description, default SLA plan
    ("Service Desk", "Tier 1: first contact, triage, everyday fixes.", "Sev C"),
    ("SysAdmin", "Tier 2: servers, core services, escalations.", "Sev B"),
    ("Networking", "Network, VPN, Wi-Fi and firewalls.", "Sev B"),
    ("Messaging", "Email, Teams and calendars.", "Sev C"),
]

AGENTS = [
    # username, first, last, title, departments, manager of, superuser
    (
        "admin",
        "Ada",
        "Admin",
        "Help desk administrator",
        ["Service Desk", "SysAdmin", "Networking", "Messaging"],
        [],
        True,
    ),
    ("alex", "Alex", "Rivera", "Tier 1 Analyst", ["Service Desk"], [], False),
    ("casey", "Casey", "Morgan", "Tier 1 Analyst", ["Service Desk"], [], False),
    ("sam", "Sam", "Okafor", "Service Desk Manager", ["Service Desk"], ["Service Desk"], False),
    ("priya", "Priya", "Nair", "Systems Administrator", ["SysAdmin"], [], False),
    ("dmitri", "Dmitri", "Volkov", "SysAdmin Lead", ["SysAdmin"], ["SysAdmin"], False),
    ("noor", "Noor", "Haddad", "Network Engineer", ["Networking"], ["Networking"], False),
    ("lena", "Lena", "Fischer", "Messaging Engineer", ["Messaging"], ["Messaging"], False),
]

TEAMS = [
    # name, lead, members
    ("Major Incident Team", "dmitri", ["dmitri", "priya", "noor"]),
    ("Desk-side Support", "sam", ["alex", "casey"]),
]

TOPICS = [
    # name, parent, department, priority, SLA plan (None: department's), public, auto team
    ("General Inquiry", None, "Service Desk", "P3", None, True, None),
    ("Password Reset / Account Access", None, "Service Desk", "P2", "Sev B", True, None),
    ("Business Critical Outage", None, "SysAdmin", "P1", "Sev A", True, "Major Incident Team"),
    ("Hardware", None, "Service Desk", "P3", None, True, None),
    ("Printers", "Hardware", "Service Desk", "P3", None, True, None),
    ("Software", None, "Service Desk", "P3", None, True, None),
    ("Network / VPN", None, "Networking", "P3", None, True, None),
    ("Email", None, "Messaging", "P3", None, True, None),
    ("Change Request", None, "SysAdmin", "P4", "Sev D", False, None),
]

Kind = HelpTopicField.Kind
TOPIC_FIELDS = [
    # topic, label, kind, required, help text, options
    (
        "Business Critical Outage",
        "Affected service",
        Kind.CHOICE,
        True,
        "",
        "Online banking\nMobile app\nCore banking system\nCard payments\nEmail\nOther",
    ),
    (
        "Business Critical Outage",
        "Number of users affected",
        Kind.NUMBER,
        True,
        "Your best estimate.",
        "",
    ),
    (
        "Business Critical Outage",
        "Error message",
        Kind.TEXT,
        False,
        "Exactly as shown, e.g. “Service temporarily unavailable (error 503)”.",
        "",
    ),
    (
        "Hardware",
        "Asset tag",
        Kind.TEXT,
        False,
        "The label on the device, e.g. WS-2231.",
        "",
    ),
]

CUSTOMERS = [
    # email, name, phone, portal username (None: a guest)
    ("jordan.blake@northbank.example", "Jordan Blake", "+1 555 0100", "jordan"),
    ("maria.santos@northbank.example", "Maria Santos", "+1 555 0101", None),
    ("tom.becker@northbank.example", "Tom Becker", "+1 555 0102", None),
    ("grace.kim@northbank.example", "Grace Kim", "+1 555 0103", None),
    ("omar.farouk@northbank.example", "Omar Farouk", "", None),
]

CANNED_RESPONSES = [
    # title, department (None: every department), body
    (
        "Acknowledge the request",
        None,
        "Hello {{ requester_first_name }},\n\nThank you for contacting the {{ desk_name }}. "
        "Your request is ticket #{{ ticket_number }}; I am looking into it now and will update "
        "you here.\n\n{{ agent_name }}",
    ),
    (
        "Please confirm the fix",
        None,
        "Hello {{ requester_first_name }},\n\nWe believe the issue is fixed. Could you try "
        "again the way you did when it failed, and tell us whether it works for you?\n\n"
        "{{ agent_name }}",
    ),
    (
        "Password reset done",
        "Service Desk",
        "Hello {{ requester_first_name }},\n\nThe password has been reset after we verified "
        "the caller's identity. The temporary password must be changed at the first sign-in."
        "\n\n{{ agent_name }}, {{ department_name }}",
    ),
    (
        "Major incident update",
        "SysAdmin",
        "Hello {{ requester_first_name }},\n\nUpdate on ticket #{{ ticket_number }} "
        "({{ ticket_subject }}): our systems administrators are working on it as an emergency. "
        "Next update within 30 minutes.\n\n{{ agent_name }}",
    ),
]


@dataclass
class Desk:
    """Everything the sample stories refer to, by name."""

    plans: dict[str, SLAPlan] = field(default_factory=dict)
    priorities: dict[str, Priority] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    topics: dict[str, HelpTopic] = field(default_factory=dict)
    customers: dict[str, Contact] = field(default_factory=dict)


@dataclass(frozen=True)
class Login:
    username: str
    role: str


@transaction.atomic
def build_demo_desk() -> tuple[Desk, list[str]]:
    """Build or refresh the demo desk; returns it and the subjects of tickets it opened."""
    desk = Desk()
    _configure(desk)
    opened = [story.subject for story in STORIES if _tell(story, desk)]
    return desk, opened


def demo_logins() -> list[Login]:
    """Who can sign in, and as what, for the command's output and the README."""
    logins = [
        Login(
            username,
            "admin (Django admin + all departments)"
            if superuser
            else f"{title}, {', '.join(departments)}",
        )
        for username, _first, _last, title, departments, _manages, superuser in AGENTS
    ]
    logins += [
        Login(username, f"customer ({name})")
        for _email, name, _phone, username in CUSTOMERS
        if username
    ]
    return logins


def _configure(desk: Desk) -> None:
    for name, first_response, resolution, description in SLA_PLANS:
        desk.plans[name], _ = SLAPlan.objects.update_or_create(
            name=name,
            defaults={
                "first_response_minutes": first_response,
                "resolution_minutes": resolution,
                "description": description,
                "is_active": True,
            },
        )
    _configure_sla(desk)
    for code, name, urgency, colour, description in PRIORITIES:
        desk.priorities[code], _ = Priority.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "urgency": urgency,
                "color": colour,
                "description": description,
                "is_default": code == DEFAULT_PRIORITY,
            },
        )
    for name, description, plan in DEPARTMENTS:
        desk.departments[name], _ = Department.objects.update_or_create(
            name=name,
            defaults={
                "description": description,
                "default_sla_plan": desk.plans[plan],
                "is_active": True,
            },
        )
    _configure_agents(desk)
    for name, lead, members in TEAMS:
        desk.teams[name], _ = Team.objects.update_or_create(
            name=name, defaults={"lead": desk.agents[lead], "is_active": True}
        )
        desk.teams[name].members.set([desk.agents[member] for member in members])
    _configure_topics(desk)
    for title, department, body in CANNED_RESPONSES:
        CannedResponse.objects.update_or_create(
            title=title,
            department=desk.departments[department] if department else None,
            defaults={"body": body, "is_active": True},
        )
    for email, name, phone, username in CUSTOMERS:
        user = _user(username, *name.split(" ", 1), email=email) if username else None
        desk.customers[email], _ = Contact.objects.update_or_create(
            email=email, defaults={"name": name, "phone": phone, "user": user}
        )


def _configure_sla(desk: Desk) -> None:
    """The office-hours schedule with its holidays, the plans on it, the escalation rules."""
    name, zone, opens, closes = OFFICE_HOURS
    schedule, _ = BusinessSchedule.objects.update_or_create(
        name=name, defaults={"time_zone": zone, "is_24x7": False}
    )
    for weekday in range(5):
        schedule.windows.update_or_create(
            weekday=weekday, start=opens, defaults={"end": closes, "ends_next_day": False}
        )
    for day, holiday in HOLIDAYS:
        schedule.holidays.update_or_create(date=day, defaults={"name": holiday})
    for plan_name, plan in desk.plans.items():
        plan.schedule = schedule if PLAN_SCHEDULES.get(plan_name) == name else None
        plan.save(update_fields=["schedule"])
    for plan_name, trigger, action in ESCALATION_RULES:
        EscalationRule.objects.update_or_create(
            plan=desk.plans[plan_name], trigger=trigger, action=action, defaults={"is_active": True}
        )


def _configure_agents(desk: Desk) -> None:
    for username, first, last, title, departments, _manages, superuser in AGENTS:
        user = _user(
            username, first, last, email=f"{username}@helpdesk.example", superuser=superuser
        )
        desk.agents[username], _ = Agent.objects.update_or_create(
            user=user, defaults={"title": title, "is_manager": bool(_manages)}
        )
        desk.agents[username].departments.set([desk.departments[name] for name in departments])
    for username, *_rest, manages, _superuser in AGENTS:
        for department in manages:
            desk.departments[department].manager = desk.agents[username]
            desk.departments[department].save(update_fields=["manager"])


def _configure_topics(desk: Desk) -> None:
    for order, (name, parent, department, priority, plan, public, team) in enumerate(TOPICS):
        desk.topics[name], _ = HelpTopic.objects.update_or_create(
            name=name,
            parent=desk.topics[parent] if parent else None,
            defaults={
                "department": desk.departments[department],
                "default_priority": desk.priorities[priority],
                "sla_plan": desk.plans[plan] if plan else None,
                "is_public": public,
                "is_active": True,
                "auto_assign_team": desk.teams[team] if team else None,
                "sort_order": (order + 1) * 10,
            },
        )
    for order, (topic, label, kind, required, help_text, options) in enumerate(TOPIC_FIELDS):
        HelpTopicField.objects.update_or_create(
            topic=desk.topics[topic],
            label=label,
            defaults={
                "kind": kind,
                "required": required,
                "help_text": help_text,
                "choices": options,
                "order": (order + 1) * 10,
                "is_active": True,
            },
        )


def _user(username: str, first: str, last: str, *, email: str, superuser: bool = False):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": email,
            "is_staff": superuser,
            "is_superuser": superuser,
        },
    )
    if created:
        # Only on creation: resetting it every run would change the stored hash (new salt).
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


# ---------------------------------------------------------------------------------------------
# Sample tickets: each is opened through the portal's operation, then worked by `work`.


@dataclass(frozen=True)
class Story:
    subject: str
    requester: str  # the customer's email
    topic: str
    body: str
    work: Callable[[Desk, Ticket], object] | None = None
    source: str = Ticket.Source.WEB
    opened_by: str = ""  # the agent who opened it on the caller's behalf, if any


def _tell(story: Story, desk: Desk) -> bool:
    """Open and work the story's ticket unless it exists already."""
    requester = desk.customers[story.requester]
    if Ticket.objects.filter(requester=requester, subject=story.subject).exists():
        return False
    ticket = ops.open_ticket(
        requester=requester,
        subject=story.subject,
        body=story.body,
        topic=desk.topics[story.topic],
        source=story.source,
        by=desk.agents[story.opened_by] if story.opened_by else requester,
    )
    if story.work is not None:
        story.work(desk, ticket)
    return True


def _work_banking_outage(desk: Desk, ticket: Ticket) -> None:
    """The first seed, step by step: triage, notes, escalation, resolution, closure."""
    alex, priya = desk.agents["alex"], desk.agents["priya"]
    ticket = ops.triage(
        ticket,
        by=alex,
        priority=desk.priorities["P1"],
        sla_plan=desk.plans["Sev A"],
        topic=desk.topics["Business Critical Outage"],
    )
    ops.add_note(
        ticket,
        by=alex,
        body=(
            "Verified: reproduced from the service desk — https://online.northbank.example returns "
            "503, the mobile API health check times out. Two other branches confirm by phone. "
            "All online and mobile customers affected. Escalating to SysAdmin on-call."
        ),
    )
    ticket = ops.transfer(
        ticket,
        by=alex,
        department=desk.departments["SysAdmin"],
        reason=(
            "Backend service outage affecting all online and mobile banking customers: needs "
            "Tier 2 (SysAdmin) to investigate the application servers."
        ),
    )
    ticket = ops.assign(ticket, by=alex, agent=priya)
    ops.reply(
        ticket,
        by=alex,
        body=(
            "Thank you for the detailed report. We have confirmed the outage and escalated it "
            "to our systems administrators as an emergency. We will update you as soon as we "
            "know more."
        ),
    )
    ops.add_note(
        ticket,
        by=priya,
        body=(
            "Root cause found: last night's configuration change set the banking API's connection "
            "pool above the database limit, so the service restarted in a loop after the morning "
            "backup. Reverted the setting and restarted the service at 09:25; 503s stopped."
        ),
    )
    ops.reply(
        ticket,
        by=priya,
        status=Ticket.Status.AWAITING_CUSTOMER,
        body=(
            "Services were restored at 09:25. Could you ask a customer (or a colleague) to log in "
            "to online banking and the mobile app and confirm that it works for them?"
        ),
    )
    ops.add_customer_message(
        ticket,
        by=ticket.requester,
        body=(
            "Confirmed: online banking and the app both work again for our customers and staff. "
            "Thank you!"
        ),
    )
    ticket = ops.resolve(
        ticket,
        by=priya,
        category=Ticket.Category.INCIDENT,
        root_cause=(
            "A configuration change raised the banking API's connection pool above the "
            "database's connection limit; after the morning backup the backend service "
            "restarted in a loop."
        ),
        resolution=(
            "Reverted the connection pool setting (change CR-1042) and restarted the banking "
            "API service; validated with the branch that customers can log in on web and app."
        ),
    )
    ops.close(ticket, by=priya, reason="Fix validated with the user; documented in KB-0312.")


def _work_mfa_lockout(desk: Desk, ticket: Ticket) -> None:
    alex = desk.agents["alex"]
    ops.add_note(ticket, by=alex, body="Identity verified by callback to the number on file.")
    ops.claim(ticket, by=alex)
    ops.log_time(ticket, by=alex, minutes=15, note="Call, identity check, MFA reset started")


def _work_vpn_drops(desk: Desk, ticket: Ticket) -> None:
    noor = desk.agents["noor"]
    ticket = ops.claim(ticket, by=noor)
    ops.reply(
        ticket,
        by=noor,
        status=Ticket.Status.AWAITING_CUSTOMER,
        body=(
            "Could you send us the VPN client log (Help → Export logs) right after the next drop, "
            "and tell us whether you are on Wi-Fi or cable?"
        ),
    )


def _work_blank_pages(desk: Desk, ticket: Ticket) -> None:
    casey = desk.agents["casey"]
    ticket = ops.claim(ticket, by=casey)
    ops.log_time(ticket, by=casey, minutes=20, note="On site at the third-floor printer")
    ops.resolve(
        ticket,
        by=casey,
        category=Ticket.Category.INCIDENT,
        root_cause="The new toner cartridge still had its protective seal in place.",
        resolution="Removed the seal, printed a test page and the user's document; KB-0107.",
    )


def _work_acrobat(desk: Desk, ticket: Ticket) -> None:
    alex = desk.agents["alex"]
    ticket = ops.triage(
        ticket, by=alex, priority=desk.priorities["P4"], sla_plan=desk.plans["Sev D"]
    )
    ticket = ops.claim(ticket, by=alex)
    ops.log_time(ticket, by=alex, minutes=10, note="Deployed from the software catalogue")
    ticket = ops.resolve(
        ticket,
        by=alex,
        category=Ticket.Category.REQUEST,
        root_cause="Standard software request.",
        resolution="Deployed Acrobat Reader from the software catalogue to WS-2231.",
    )
    ops.close(ticket, by=ticket.requester, reason="Works, thanks.")


STORIES = [
    Story(
        "Online and mobile banking are down",
        "jordan.blake@northbank.example",
        "General Inquiry",
        "Since about 8:40 this morning none of our branch customers can log in to online "
        'banking or the mobile app. The website says "Service temporarily unavailable '
        '(error 503)" and the app spins and then says "Unable to connect". Customers are '
        "calling all three branches. We can still open the core system on our desktops.",
        _work_banking_outage,
    ),
    # A fresh copy of the first seed's report, left untouched: the one to work in the agent
    # panel (sign in as alex, then priya) the way the closed ticket above was worked.
    Story(
        "Mobile banking app and website unavailable",
        "jordan.blake@northbank.example",
        "General Inquiry",
        "Since 14:05 customers at all branches report that the mobile banking app says "
        '"Unable to connect" and the website shows "Service temporarily unavailable (error '
        '503)". Staff desktops still reach the core system.',
    ),
    Story(
        "Outlook keeps asking for my password",
        "maria.santos@northbank.example",
        "Email",
        "Since this morning Outlook pops up a password window every few minutes. I type my "
        "password and it comes back. Webmail works fine.",
    ),
    Story(
        "Password reset for new teller account",
        "tom.becker@northbank.example",
        "Password Reset / Account Access",
        "Our new teller, Lee Wong, starts today but the temporary password from HR does not "
        'work: "Your account has been locked".',
        lambda desk, ticket: ops.claim(ticket, by=desk.agents["alex"]),
    ),
    Story(
        "Locked out after replacing my phone (MFA)",
        "tom.becker@northbank.example",
        "Password Reset / Account Access",
        "Caller replaced his phone and can no longer approve sign-in requests; he is locked "
        "out of email and the core system.",
        _work_mfa_lockout,
        source=Ticket.Source.PHONE,
        opened_by="alex",
    ),
    Story(
        "VPN disconnects every 10 minutes when working from home",
        "grace.kim@northbank.example",
        "Network / VPN",
        'The VPN connects, then drops roughly every ten minutes with "The network connection '
        'between your computer and the VPN server was interrupted".',
        _work_vpn_drops,
    ),
    Story(
        "Third-floor printer prints blank pages",
        "omar.farouk@northbank.example",
        "Printers",
        "The big printer by the third-floor kitchen feeds paper but every page comes out blank.",
        _work_blank_pages,
    ),
    Story(
        "Please install Adobe Acrobat Reader",
        "maria.santos@northbank.example",
        "Software",
        "I need to open PDF statements from a supplier.",
        _work_acrobat,
    ),
]
