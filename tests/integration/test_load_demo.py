"""`manage.py load_demo` builds the seeds' world, and running it again changes nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client

from tickets.demo import DEMO_PASSWORD
from tickets.models import AuditEvent, Ticket

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    output = StringIO()
    call_command("load_demo", "--force", stdout=output)
    return output.getvalue()


def snapshot() -> dict[str, list[dict[str, object]]]:
    """Every row of every table of ours and of auth, many-to-many tables included."""
    models = [
        model
        for label in ("auth", "sla", "tickets")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    return {model._meta.db_table: list(model.objects.order_by("pk").values()) for model in models}


def test_running_it_twice_leaves_the_same_data() -> None:
    load_demo()
    first = snapshot()

    output = load_demo()

    assert snapshot() == first
    assert "nothing changed" in output
    assert len(first["tickets_ticket"]) == 8
    assert len(first["tickets_cannedresponse"]) == 4
    assert len(first["tickets_timeentry"]) == 3


def test_it_prints_the_demo_logins() -> None:
    output = load_demo()

    assert f"password for all: {DEMO_PASSWORD}" in output
    for username in ("admin", "alex", "priya", "sam", "jordan"):
        assert f"  {username} " in output


def test_there_is_a_sample_ticket_in_every_status() -> None:
    load_demo()

    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Ticket.Status.values)


def test_the_banking_outage_carries_the_first_seeds_trail() -> None:
    load_demo()

    ticket = Ticket.objects.get(subject="Online and mobile banking are down")
    assert ticket.status == Ticket.Status.CLOSED
    assert str(ticket.priority) == "P1 Emergency"
    assert str(ticket.sla_plan) == "Sev A"
    assert ticket.topic.name == "Business Critical Outage"
    assert ticket.department.name == "SysAdmin"
    assert ticket.assignee.user.username == "priya"
    assert "configuration change" in ticket.root_cause
    Kind = AuditEvent.Kind
    trail = [(event.kind, event.actor_name) for event in ticket.events.all()]
    assert trail == [
        (Kind.CREATED, "Jordan Blake"),
        (Kind.PRIORITY_CHANGED, "Alex Rivera"),
        (Kind.SLA_PLAN_CHANGED, "Alex Rivera"),
        (Kind.TOPIC_CHANGED, "Alex Rivera"),
        (Kind.NOTE_ADDED, "Alex Rivera"),
        (Kind.TRANSFERRED, "Alex Rivera"),
        (Kind.ASSIGNED, "Alex Rivera"),
        (Kind.REPLIED, "Alex Rivera"),
        (Kind.NOTE_ADDED, "Priya Nair"),
        (Kind.REPLIED, "Priya Nair"),
        (Kind.STATUS_CHANGED, "Priya Nair"),
        (Kind.MESSAGE_ADDED, "Jordan Blake"),
        (Kind.STATUS_CHANGED, "Jordan Blake"),
        (Kind.RESOLVED, "Priya Nair"),
        (Kind.CLOSED, "Priya Nair"),
    ]


def test_demo_logins_work_where_they_should() -> None:
    load_demo()
    User = apps.get_model("auth", "User")

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)
    assert not User.objects.get(username="alex").is_staff  # agents work in the panel, not admin
    assert User.objects.get(username="jordan").contact.email == "jordan.blake@northbank.example"


def test_it_refuses_a_production_site_without_force(settings) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="published password"):
        call_command("load_demo", stdout=StringIO())


def test_the_demo_topics_ask_their_extra_questions() -> None:
    load_demo()
    HelpTopicField = apps.get_model("tickets", "HelpTopicField")

    outage = HelpTopicField.objects.filter(topic__name="Business Critical Outage")
    assert list(outage.values_list("label", "kind", "required")) == [
        ("Affected service", "choice", True),
        ("Number of users affected", "number", True),
        ("Error message", "text", False),
    ]
    assert HelpTopicField.objects.filter(topic__name="Hardware", label="Asset tag").exists()


def test_jordan_sees_his_tickets_under_my_tickets(client: Client) -> None:
    load_demo()

    assert client.login(username="jordan", password=DEMO_PASSWORD)
    page = client.get("/tickets/").content.decode()

    assert "Online and mobile banking are down" in page
    assert "Outlook keeps asking for my password" not in page  # Maria's
