"""`manage.py generate_tickets` fills the desk with data the application accepts as its own:
threads, audit trails, SLA clocks as the operations and the sweep would have left them."""

from collections import Counter
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from sla import jobs
from tests.conftest import Cast
from tickets import clocks, queues
from tickets import operations as ops
from tickets.generator import GENERATED_DOMAIN, MARGIN, SEARCH_INDEXES
from tickets.models import AuditEvent, Contact, HelpTopic, ThreadEntry, Ticket

Status = Ticket.Status
TICKETS = 400


def generate(*arguments: str) -> str:
    output = StringIO()
    call_command("generate_tickets", *arguments, stdout=output, stderr=StringIO())
    return output.getvalue()


@pytest.fixture
def desk(db: None) -> list[Ticket]:
    """The demo desk plus `TICKETS` generated tickets (in batches, to cross their seams)."""
    call_command("load_demo", "--force", stdout=StringIO())
    generate("--tickets", str(TICKETS), "--batch", "150")
    return list(
        Ticket.objects.filter(requester__email__endswith=GENERATED_DOMAIN).select_related(
            "sla_plan__schedule", "priority"
        )
    )


def test_it_generates_the_tickets_asked_for_and_reports_them(db: None) -> None:
    call_command("load_demo", "--force", stdout=StringIO())

    output = generate("--tickets", "120", "--batch", "50")

    generated = Ticket.objects.filter(requester__email__endswith=GENERATED_DOMAIN)
    assert generated.count() == 120
    assert output.startswith("Generated 120 tickets, ")
    assert f"{ThreadEntry.objects.filter(ticket__in=generated).count():,} thread entries" in output


def test_every_ticket_has_a_requester_thread_audit_trail_and_due_times(
    desk: list[Ticket],
) -> None:
    assert len(desk) == TICKETS
    first_entries = {}
    for entry in ThreadEntry.objects.filter(ticket__in=desk).order_by("-created_at", "-pk"):
        first_entries[entry.ticket_id] = entry  # oldest last: it wins
    opened = set(
        AuditEvent.objects.filter(ticket__in=desk, kind=AuditEvent.Kind.CREATED).values_list(
            "ticket_id", flat=True
        )
    )
    for ticket in desk:
        first = first_entries[ticket.pk]
        assert (first.kind, first.author_contact_id) == ("message", ticket.requester_id)
        assert first.created_at == ticket.created_at
        assert ticket.pk in opened
        assert ticket.first_response_due and ticket.resolution_due
        assert ticket.sla_started_at == ticket.created_at
    entries = ThreadEntry.objects.filter(ticket__in=desk).count()
    assert 2.5 * TICKETS <= entries <= 3.5 * TICKETS


def test_statuses_are_spread_like_a_real_desk_with_their_timestamps(desk: list[Ticket]) -> None:
    shares = Counter(ticket.status for ticket in desk)

    assert 0.7 * TICKETS <= shares[Status.CLOSED] <= 0.9 * TICKETS
    assert 0.05 * TICKETS <= shares[Status.OPEN] <= 0.16 * TICKETS
    assert shares[Status.AWAITING_CUSTOMER] and shares[Status.RESOLVED]
    for ticket in desk:
        finished = ticket.status in (Status.RESOLVED, Status.CLOSED)
        assert (ticket.resolved_at is not None) == finished
        assert (ticket.closed_at is not None) == (ticket.status == Status.CLOSED)
        assert ticket.resolved_by_id is None or finished
        assert ticket.created_at <= ticket.updated_at <= timezone.now()
        moments = [ticket.created_at, ticket.first_responded_at, ticket.resolved_at]
        moments = [moment for moment in [*moments, ticket.closed_at] if moment]
        assert moments == sorted(moments)


def test_versions_and_last_activity_follow_the_audit_trail(desk: list[Ticket]) -> None:
    trail = {
        row["ticket"]: row
        for row in AuditEvent.objects.filter(ticket__in=desk)
        .values("ticket")
        .annotate(version=Max("ticket_version"), last=Max("created_at"))
    }
    for ticket in desk:
        assert (ticket.version, ticket.updated_at) == (
            trail[ticket.pk]["version"],
            trail[ticket.pk]["last"],
        )


def test_due_times_are_those_the_sla_clocks_compute(desk: list[Ticket]) -> None:
    for ticket in desk:
        plan = ticket.sla_plan
        first_response, resolution = plan.targets(ticket.priority_id)
        calendar = plan.calendar()

        assert plan.clock_times(ticket.created_at, first_response, calendar=calendar) == (
            ticket.first_response_warn_at,
            ticket.first_response_due,
        )
        assert plan.clock_times(ticket.created_at, resolution, calendar=calendar) == (
            ticket.resolution_warn_at,
            ticket.resolution_due,
        )


def test_the_sweep_finds_nothing_left_to_do(desk: list[Ticket]) -> None:
    """Passed warnings and breaches are already claimed; what is pending lies ahead."""
    now = timezone.now()
    for ticket in desk:
        assert ticket.sla_next_check_at == clocks.next_check(ticket)
        assert clocks.due_triggers(ticket, now) == []

        # Nothing comes due soon either: a benchmark of the sweep right after finds it idle.
        assert ticket.sla_next_check_at is None or ticket.sla_next_check_at > now + timedelta(
            microseconds=MARGIN // 2
        )

    report = jobs.sweep(now=now)

    assert (report.warned, report.breached) == (0, 0)


def test_some_open_tickets_are_overdue_and_marked_so(desk: list[Ticket]) -> None:
    overdue = [ticket for ticket in desk if ticket.is_active and ticket.is_overdue]

    assert overdue
    for ticket in overdue:
        assert ticket.resolution_breached_at == ticket.resolution_due < timezone.now()
        assert ticket.events.filter(kind=AuditEvent.Kind.SLA_BREACHED).exists()
    for ticket in desk:
        breached = ticket.resolution_breached_at or ticket.first_response_breached_at
        assert ticket.is_overdue == bool(breached)


def test_about_one_requester_per_ten_tickets_with_unique_lower_case_emails(
    desk: list[Ticket],
) -> None:
    emails = list(
        Contact.objects.filter(email__endswith=GENERATED_DOMAIN).values_list("email", flat=True)
    )

    assert len(emails) == TICKETS // 10
    assert all(email == email.lower() for email in emails)
    assert not Contact.objects.filter(email__endswith=GENERATED_DOMAIN, tickets=None).exists()


def test_the_application_opens_tickets_after_it(desk: list[Ticket], general_topic) -> None:
    requester = ops.find_or_create_contact(email="new.person@bank.test", name="New Person")

    ticket = ops.open_ticket(
        requester=requester,
        subject="After the generator",
        body="The sequences were moved past the generated rows.",
        topic=general_topic,
        source=Ticket.Source.WEB,
        by=requester,
    )

    assert ticket.pk > max(generated.pk for generated in desk)
    assert ticket.entries.count() == 1 and ticket.events.exists()


@pytest.fixture
def general_topic(db: None) -> HelpTopic:
    return HelpTopic.objects.get(name="General Inquiry", parent=None)


def test_search_finds_generated_words(desk: list[Ticket]) -> None:
    ticket = desk[0]
    word = max(queues.search_terms(ticket.subject), key=len)
    body = ThreadEntry.objects.filter(ticket=ticket).order_by("created_at").first().body

    assert ticket.pk in queues.find(word).ids
    assert ticket.pk in queues.find(max(queues.search_terms(body), key=len)).ids


def test_the_search_indexes_are_left_merged_with_small_pending_lists(
    desk: list[Ticket],
) -> None:
    with connection.cursor() as cursor:
        for index in SEARCH_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            assert cursor.fetchone()[0] == 0, f"{index} had entries left pending"
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [index])
            assert "gin_pending_list_limit=256" in cursor.fetchone()[0]


def test_it_refuses_to_add_to_generated_tickets_without_resume(desk: list[Ticket]) -> None:
    with pytest.raises(CommandError, match="--resume"):
        generate("--tickets", str(TICKETS * 2))

    assert Ticket.objects.filter(requester__email__endswith=GENERATED_DOMAIN).count() == TICKETS


def test_resume_tops_up_to_the_total(desk: list[Ticket]) -> None:
    output = generate("--tickets", str(TICKETS + 70), "--resume")

    generated = Ticket.objects.filter(requester__email__endswith=GENERATED_DOMAIN)
    assert generated.count() == TICKETS + 70
    assert output.startswith("Generated 70 tickets, ")
    assert generated.values("number").annotate(n=Count("pk")).filter(n__gt=1).count() == 0
    assert generate("--tickets", str(TICKETS), "--resume").startswith("Generated 0 tickets")


def test_an_agent_assigning_topic_gets_its_agent(cast: Cast) -> None:
    HelpTopic.objects.exclude(pk=cast.password.pk).update(is_active=False)

    generate("--tickets", "30")

    tickets = Ticket.objects.filter(topic=cast.password)
    assert tickets.count() == 30
    assert set(tickets.values_list("assignee", flat=True)) == {cast.tier1.pk}


def test_it_refuses_a_desk_with_nothing_to_route_to(db: None) -> None:
    with pytest.raises(CommandError, match="load_demo"):
        generate("--tickets", "10")


def test_it_refuses_other_databases_than_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tickets.generator.connection", SimpleNamespace(vendor="sqlite"))

    with pytest.raises(CommandError, match="needs PostgreSQL"):
        generate("--tickets", "10")


def test_every_reference_points_at_an_existing_row(desk: list[Ticket]) -> None:
    """The generator may skip the per-row foreign key checks: its references must hold."""
    references = [
        ("tickets_ticket", "requester_id", "tickets_contact"),
        ("tickets_ticket", "assignee_id", "tickets_agent"),
        ("tickets_ticket", "resolved_by_id", "tickets_agent"),
        ("tickets_ticket", "topic_id", "tickets_helptopic"),
        ("tickets_ticket", "department_id", "tickets_department"),
        ("tickets_ticket", "priority_id", "tickets_priority"),
        ("tickets_ticket", "sla_plan_id", "sla_slaplan"),
        ("tickets_ticket", "team_id", "tickets_team"),
        ("tickets_threadentry", "ticket_id", "tickets_ticket"),
        ("tickets_threadentry", "author_agent_id", "tickets_agent"),
        ("tickets_threadentry", "author_contact_id", "tickets_contact"),
        ("tickets_auditevent", "ticket_id", "tickets_ticket"),
        ("tickets_auditevent", "actor_agent_id", "tickets_agent"),
        ("tickets_auditevent", "actor_contact_id", "tickets_contact"),
    ]
    with connection.cursor() as cursor:
        for table, column, target in references:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608
                f"AND {column} NOT IN (SELECT id FROM {target})"
            )
            assert cursor.fetchone()[0] == 0, f"{table}.{column}"
