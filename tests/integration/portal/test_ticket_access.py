"""Who may reach a ticket in the portal: the permission matrix, and the access links."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import Cast, OpenTicket
from tests.integration.portal.conftest import PNG, guest_with_link, link_path
from tickets import operations as ops
from tickets.models import AuditEvent, Ticket


@pytest.fixture
def ticket(cast: Cast, open_ticket: OpenTicket) -> Ticket:
    return open_ticket(attachments=[SimpleUploadedFile("error.png", PNG, "image/png")])


def tampered(ticket: Ticket) -> Client:
    client = Client()
    path = link_path(ticket)
    token = path.split("/")[2]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.get(path.replace(token, forged))
    assert response.status_code == 404
    return client


def expired(ticket: Ticket) -> Client:
    client = Client()
    path = link_path(ticket)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert client.get(path).status_code == 404
    return client


def clients(role: str, ticket: Ticket, request: pytest.FixtureRequest) -> Client:
    if role == "requester":
        return request.getfixturevalue("requester_client")
    if role == "other customer":
        return request.getfixturevalue("other_customer_client")
    if role == "agent":
        return request.getfixturevalue("agent_client")
    if role == "guest with link":
        return guest_with_link(ticket)
    if role == "guest with tampered link":
        return tampered(ticket)
    if role == "guest with expired link":
        return expired(ticket)
    return Client()  # a guest who only knows the number


ROLES = {
    "requester": True,
    "guest with link": True,
    "other customer": False,
    "agent": False,
    "guest with tampered link": False,
    "guest with expired link": False,
    "guest with the number only": False,
}


@pytest.mark.parametrize(("role", "allowed"), ROLES.items())
def test_reading_the_ticket_and_its_files(
    ticket: Ticket, role: str, allowed: bool, request: pytest.FixtureRequest
) -> None:
    client = clients(role, ticket, request)
    file = ticket.entries.get().attachments.get()

    pages = [
        reverse("portal:ticket", args=[ticket.number]),
        reverse("portal:ticket_submitted", args=[ticket.number]),
        reverse("portal:attachment", args=[ticket.number, file.pk]),
    ]

    expected = 200 if allowed else 404
    assert [client.get(page).status_code for page in pages] == [expected] * 3


@pytest.mark.parametrize(("role", "allowed"), ROLES.items())
def test_acting_on_the_ticket(
    cast: Cast, ticket: Ticket, role: str, allowed: bool, request: pytest.FixtureRequest
) -> None:
    client = clients(role, ticket, request)
    number = ticket.number

    replied = client.post(reverse("portal:reply", args=[number]), {"body": "Still down."})
    closed = client.post(reverse("portal:close", args=[number]), {"reason": "Gone."})

    expected = 302 if allowed else 404
    assert (replied.status_code, closed.status_code) == (expected, expected)
    ticket.refresh_from_db()
    assert ticket.entries.count() == (2 if allowed else 1)
    assert ticket.status == (Ticket.Status.CLOSED if allowed else Ticket.Status.OPEN)


@pytest.mark.parametrize("path", ["{}/", "{}/submitted/", "{}/reply/"])
def test_a_ticket_number_that_is_not_digits_is_a_404(
    ticket: Ticket, requester_client: Client, path: str
) -> None:
    tickets = reverse("portal:my_tickets")

    assert requester_client.get(tickets + path.format(ticket.number)).status_code != 404
    bad = tickets + path.format(f"{ticket.number}x")
    assert requester_client.get(bad).status_code == 404


def test_changes_need_a_post(ticket: Ticket, requester_client: Client) -> None:
    for name in ("reply", "close", "confirm_fixed"):
        response = requester_client.get(reverse(f"portal:{name}", args=[ticket.number]))
        assert response.status_code == 405
    assert ticket.entries.count() == 1


def test_a_tampered_link_says_so(ticket: Ticket) -> None:
    path = link_path(ticket)

    response = Client().get(path[:-4] + "xyz/")

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert ticket.subject not in response.content.decode()


def test_an_expired_link_says_so_and_offers_a_new_one(ticket: Ticket) -> None:
    path = link_path(ticket)

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = Client().get(path)

    page = response.content.decode()
    assert response.status_code == 404
    assert "This link has expired" in page
    assert reverse("portal:status_lookup") in page


def test_a_link_works_until_its_age_limit(ticket: Ticket) -> None:
    path = link_path(ticket)

    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert Client().get(path).status_code == 302


def test_revoking_links_shuts_out_every_browser_that_used_them(cast: Cast, ticket: Ticket) -> None:
    old_path = link_path(ticket)
    browser = guest_with_link(ticket)

    ops.revoke_access_links(ticket, by=cast.tier1, reason="Link forwarded to the wrong person.")

    page = reverse("portal:ticket", args=[ticket.number])
    assert browser.get(page).status_code == 404
    refused = Client().get(old_path)
    assert refused.status_code == 404
    assert "no longer valid" in refused.content.decode()
    ticket.refresh_from_db()
    assert guest_with_link(ticket).get(page).status_code == 200  # a new link works
    event = ticket.events.get(kind=AuditEvent.Kind.ACCESS_REVOKED)
    assert (event.actor_agent, event.note) == (cast.tier1, "Link forwarded to the wrong person.")
    assert not event.is_public


def test_an_admin_can_revoke_links_from_the_ticket_list(cast: Cast, ticket: Ticket) -> None:
    cast.admin.user.is_staff = True
    cast.admin.user.save()
    admin = Client()
    admin.force_login(cast.admin.user)

    response = admin.post(
        reverse("admin:tickets_ticket_changelist"),
        {"action": "revoke_access_links", "_selected_action": [ticket.pk]},
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.access_generation == 2
    assert ticket.events.filter(
        kind=AuditEvent.Kind.ACCESS_REVOKED, actor_agent=cast.admin
    ).exists()


def test_downloads_are_attachments_with_the_stored_type_and_nosniff(
    ticket: Ticket, requester_client: Client
) -> None:
    file = ticket.entries.get().attachments.get()

    response = requester_client.get(reverse("portal:attachment", args=[ticket.number, file.pk]))

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="error.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_an_internal_notes_file_is_never_served(
    cast: Cast, ticket: Ticket, requester_client: Client
) -> None:
    note = ops.add_note(
        ticket,
        by=cast.tier1,
        body="Server log",
        attachments=[SimpleUploadedFile("secret.log", b"db password hint\n", "text/plain")],
    )
    secret = note.attachments.get()

    response = requester_client.get(reverse("portal:attachment", args=[ticket.number, secret.pk]))

    assert response.status_code == 404


def test_another_tickets_file_is_not_served_through_this_ticket(
    cast: Cast, ticket: Ticket, open_ticket: OpenTicket, requester_client: Client
) -> None:
    others = open_ticket(
        requester=cast.outsider,
        by=cast.outsider,
        attachments=[SimpleUploadedFile("olive.png", PNG, "image/png")],
    )
    file = others.entries.get().attachments.get()

    response = requester_client.get(reverse("portal:attachment", args=[ticket.number, file.pk]))

    assert response.status_code == 404


def test_portal_pages_carry_a_content_security_policy(client: Client, cast: Cast) -> None:
    for page in ("/", reverse("portal:new_ticket"), reverse("portal:status_lookup"), "/nope/"):
        policy = client.get(page)["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
