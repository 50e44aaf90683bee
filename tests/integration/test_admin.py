"""Django admin: every configuration model is listed and searchable; records are read-only."""

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.models import AuditEvent, HelpTopic, HelpTopicField, Ticket, TicketCollaborator

READ_ONLY = ["ticket", "auditevent", "threadentry", "notification", "ticketcollaborator"]


@pytest.fixture
def admin_client_(cast: Cast, client: Client) -> Client:
    cast.admin.user.is_staff = True
    cast.admin.user.save()
    client.force_login(cast.admin.user)
    return client


def model_urls(name: str) -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}")
        for model in site._registry
        if model._meta.app_label in ("tickets", "sla")
    ]


def test_every_list_answers_with_a_search_and_its_filters(
    admin_client_: Client, open_ticket: OpenTicket
) -> None:
    open_ticket()
    for url in model_urls("changelist"):
        assert admin_client_.get(url, {"q": "bank"}).status_code == 200, url


def test_the_ticket_page_shows_its_audit_trail_read_only(
    cast: Cast, admin_client_: Client, open_ticket: OpenTicket
) -> None:
    ticket = ops.claim(open_ticket(), by=cast.tier1)

    page = admin_client_.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))

    assert page.status_code == 200
    assert "Alex Rivera" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


@pytest.mark.parametrize("model", READ_ONLY)
def test_records_cannot_be_added_changed_or_deleted(
    admin_client_: Client, open_ticket: OpenTicket, model: str
) -> None:
    ticket = open_ticket()
    copied = TicketCollaborator.objects.create(ticket=ticket, email="morgan@northbank.test")
    record = {
        "ticket": ticket,
        "auditevent": ticket.events.get(),
        "threadentry": ticket.entries.get(),
        "notification": ticket.notifications.first(),
        "ticketcollaborator": copied,
    }[model]

    assert admin_client_.get(reverse(f"admin:tickets_{model}_add")).status_code == 403
    change = reverse(f"admin:tickets_{model}_change", args=[record.pk])
    assert admin_client_.post(change, {"note": "rewritten"}).status_code == 403
    delete = reverse(f"admin:tickets_{model}_delete", args=[record.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(ticket=ticket).count() == 1
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def topic_form(cast: Cast, **overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": "VPN",
        "department": cast.networking.pk,
        "is_public": "on",
        "is_active": "on",
        "sort_order": 10,
        # The inline of the topic's extra questions: none.
        "fields-TOTAL_FORMS": 0,
        "fields-INITIAL_FORMS": 0,
    }
    form.update(overrides)
    return form


def test_a_help_topic_can_be_added_under_a_parent(admin_client_: Client, cast: Cast) -> None:
    response = admin_client_.post(
        reverse("admin:tickets_helptopic_add"),
        topic_form(cast, parent=cast.general.pk, default_priority=cast.p2.pk),
    )

    assert response.status_code == 302
    assert HelpTopic.objects.get(name="VPN").full_name == "General Inquiry / VPN"


def test_a_topic_cannot_auto_assign_both_an_agent_and_a_team(
    admin_client_: Client, cast: Cast
) -> None:
    response = admin_client_.post(
        reverse("admin:tickets_helptopic_add"),
        topic_form(cast, auto_assign_agent=cast.tier1.pk, auto_assign_team=cast.major_incident.pk),
    )

    assert response.status_code == 200
    assert "an agent or to a team, not both" in response.content.decode()
    assert not HelpTopic.objects.filter(name="VPN").exists()


def test_a_topic_cannot_be_nested_under_itself(admin_client_: Client, cast: Cast) -> None:
    child = HelpTopic.objects.create(
        name="Mobile app", parent=cast.general, department=cast.service_desk
    )
    url = reverse("admin:tickets_helptopic_change", args=[cast.general.pk])

    response = admin_client_.post(url, topic_form(cast, name="General Inquiry", parent=child.pk))

    assert response.status_code == 200
    assert "cannot be nested under itself" in response.content.decode()
    cast.general.refresh_from_db()
    assert cast.general.parent is None


@pytest.mark.parametrize(
    ("first_response", "resolution", "message"),
    [
        (0, 60, "greater than or equal to 1"),
        (60, 30, "cannot come before the first response"),
        (60, 10**7, "less than or equal to"),
    ],
)
def test_sla_plans_refuse_absurd_targets(
    admin_client_: Client, first_response: int, resolution: int, message: str
) -> None:
    response = admin_client_.post(
        reverse("admin:sla_slaplan_add"),
        {
            "name": "Sev X",
            "first_response_minutes": first_response,
            "resolution_minutes": resolution,
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_contacts_email_is_unique_whatever_its_case(admin_client_: Client, cast: Cast) -> None:
    response = admin_client_.post(
        reverse("admin:tickets_contact_add"),
        {"email": "JORDAN.BLAKE@northbank.test", "name": "Jordan again", "phone": ""},
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def with_question(cast: Cast, **question: object) -> dict[str, object]:
    """The topic form with one extra question (the portal asks it when the topic is chosen)."""
    fields = {"order": 1, "label": "Asset tag", "kind": "text", "is_active": "on", **question}
    return topic_form(
        cast,
        **{"fields-TOTAL_FORMS": 1, **{f"fields-0-{key}": value for key, value in fields.items()}},
    )


def test_a_topic_is_added_with_its_extra_questions(admin_client_: Client, cast: Cast) -> None:
    response = admin_client_.post(
        reverse("admin:tickets_helptopic_add"), with_question(cast, required="on")
    )

    assert response.status_code == 302
    question = HelpTopicField.objects.get()
    assert (question.topic.name, question.label, question.required) == ("VPN", "Asset tag", True)


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({"kind": "choice", "choices": "  \n "}, "List at least one option"),
        ({"kind": "text", "choices": "A\nB"}, "Only choice lists and multiple choice have options"),
    ],
)
def test_questions_with_inconsistent_options_are_refused(
    admin_client_: Client, cast: Cast, question: dict[str, str], message: str
) -> None:
    response = admin_client_.post(
        reverse("admin:tickets_helptopic_add"), with_question(cast, **question)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not HelpTopicField.objects.exists()


def changelist_queries(client: Client) -> dict[str, int]:
    counts = {}
    for url in model_urls("changelist"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        counts[url] = len(captured)
    return counts


def test_no_admin_list_costs_more_queries_with_more_rows(
    cast: Cast, admin_client_: Client, open_ticket: OpenTicket
) -> None:
    open_ticket()
    changelist_queries(admin_client_)  # warm: sessions, content types
    few = changelist_queries(admin_client_)
    for number in range(12):
        ticket = open_ticket(subject=f"Ticket {number}")
        ops.add_note(ticket, by=cast.tier1, body="Checked the logs.")
        ops.assign(ticket, by=cast.tier1, agent=cast.tier1)

    assert changelist_queries(admin_client_) == few
