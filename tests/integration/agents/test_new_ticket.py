"""Opening a ticket for a caller from the panel."""

from django.test import Client
from django.urls import reverse

from tests.conftest import Cast
from tickets.models import AuditEvent, Ticket


def form(cast: Cast, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "source": "phone",
        "identity_verified": "on",
        "email": "lee.wong@northbank.test",
        "name": "Lee Wong",
        "phone": "+1 555 0199",
        "topic": cast.general.pk,
        "priority": "",
        "subject": "Cannot print payslips",
        "body": 'The printer says "Offline".',
    }
    data.update(overrides)
    return data


def test_a_callers_ticket_opens_with_the_identity_check_audited(cast: Cast, alex: Client) -> None:
    response = alex.post(reverse("agents:new_ticket"), form(cast))

    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("agents:ticket", args=[ticket.number])
    assert (ticket.source, ticket.requester.name) == ("phone", "Lee Wong")
    event = ticket.events.get(kind=AuditEvent.Kind.CALLER_IDENTITY)
    assert (event.actor_name, event.new_value) == ("Alex Rivera", "verified")


def test_bad_input_is_refused_and_what_was_typed_is_kept(cast: Cast, alex: Client) -> None:
    response = alex.post(
        reverse("agents:new_ticket"), form(cast, email="not-an-email", source="web", body="")
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid email address." in page
    assert "Select a valid choice" in page
    assert "Cannot print payslips" in page
    assert not Ticket.objects.exists()
