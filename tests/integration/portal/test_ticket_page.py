"""The requester's ticket page and My tickets: what shows, what never shows, what they can do."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import Cast, OpenTicket
from tests.integration.portal.conftest import PNG
from tickets import operations as ops
from tickets.models import AuditEvent, Ticket


def page_of(client: Client, ticket: Ticket) -> str:
    response = client.get(reverse("portal:ticket", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def resolve(cast: Cast, ticket: Ticket) -> Ticket:
    return ops.resolve(
        ticket,
        by=cast.tier1,
        root_cause="Connection pool above the database limit (internal detail).",
        resolution="We reverted the configuration change.",
        category=Ticket.Category.INCIDENT,
    )


def test_the_requester_sees_replies_and_status_changes_but_no_notes(
    cast: Cast, jordans_ticket: Ticket, requester_client: Client
) -> None:
    ticket = ops.triage(jordans_ticket, by=cast.tier1, priority=cast.p1, sla_plan=cast.sev_a)
    ops.add_note(ticket, by=cast.tier1, body="NOTE: the vendor is to blame, do not tell them.")
    ticket = ops.transfer(ticket, by=cast.tier1, department=cast.sysadmin, reason="TRANSFER-REASON")
    ops.reply(
        ticket,
        by=cast.tier1,
        body="We are on it.",
        status=Ticket.Status.AWAITING_CUSTOMER,
    )

    page = page_of(requester_client, ticket)

    assert "Customers see" in page  # their own message
    assert "We are on it." in page
    assert "Awaiting customer" in page  # public status change
    for secret in ("NOTE:", "TRANSFER-REASON", "Emergency", "Sev A", "SysAdmin", "Priority"):
        assert secret not in page, secret


def test_topic_answers_are_shown_to_the_requester(
    cast: Cast, client: Client, outage_questions: dict[str, Any], submit_ticket: Any
) -> None:
    q = outage_questions
    submit_ticket(topic=cast.outage.pk, **{q["service"].key: "Mobile app", q["users"].key: "40"})
    ticket = Ticket.objects.get()

    page = page_of(client, ticket)  # the browser that opened it

    assert "Number of users affected" in page
    assert "40" in page


def test_a_reply_with_a_file_is_added_to_the_thread(
    jordans_ticket: Ticket, requester_client: Client
) -> None:
    response = requester_client.post(
        reverse("portal:reply", args=[jordans_ticket.number]),
        {"body": "Here is a screenshot.", "attachments": [SimpleUploadedFile("s.png", PNG)]},
    )

    assert response.status_code == 302
    entry = jordans_ticket.entries.last()
    assert entry.body == "Here is a screenshot."
    assert entry.attachments.get().filename == "s.png"


def test_an_empty_or_bad_reply_keeps_what_was_typed(
    jordans_ticket: Ticket, requester_client: Client
) -> None:
    url = reverse("portal:reply", args=[jordans_ticket.number])

    empty = requester_client.post(url, {"body": "   "})
    fake = requester_client.post(
        url, {"body": "My words", "attachments": [SimpleUploadedFile("x.pdf", b"<html>")]}
    )

    assert empty.status_code == 400
    assert "This field is required." in empty.content.decode()
    assert fake.status_code == 400
    assert "its content is not a .pdf file" in fake.content.decode()
    assert "My words" in fake.content.decode()
    assert jordans_ticket.entries.count() == 1


def test_a_reply_to_a_resolved_ticket_reopens_it_and_is_audited(
    cast: Cast, jordans_ticket: Ticket, requester_client: Client
) -> None:
    resolve(cast, jordans_ticket)

    response = requester_client.post(
        reverse("portal:reply", args=[jordans_ticket.number]), {"body": "Still broken."}
    )

    jordans_ticket.refresh_from_db()
    assert jordans_ticket.status == Ticket.Status.OPEN
    event = jordans_ticket.events.get(kind=AuditEvent.Kind.REOPENED)
    assert event.actor_contact == cast.requester
    assert (
        "The ticket is open again." in requester_client.get(response["Location"]).content.decode()
    )


def test_this_solved_my_problem_closes_a_resolved_ticket(
    cast: Cast, jordans_ticket: Ticket, requester_client: Client
) -> None:
    resolve(cast, jordans_ticket)
    assert "This solved my problem" in page_of(requester_client, jordans_ticket)

    requester_client.post(reverse("portal:confirm_fixed", args=[jordans_ticket.number]))

    jordans_ticket.refresh_from_db()
    assert jordans_ticket.status == Ticket.Status.CLOSED
    event = jordans_ticket.events.get(kind=AuditEvent.Kind.CLOSED)
    assert (event.actor_contact, event.note) == (cast.requester, "The requester confirmed the fix.")


def test_confirming_an_open_ticket_is_refused_with_a_message(
    jordans_ticket: Ticket, requester_client: Client
) -> None:
    response = requester_client.post(
        reverse("portal:confirm_fixed", args=[jordans_ticket.number]), follow=True
    )

    assert "Only a resolved ticket can be confirmed as fixed." in response.content.decode()
    jordans_ticket.refresh_from_db()
    assert jordans_ticket.status == Ticket.Status.OPEN


def test_close_my_ticket_records_the_reason(
    cast: Cast, jordans_ticket: Ticket, requester_client: Client
) -> None:
    requester_client.post(
        reverse("portal:close", args=[jordans_ticket.number]), {"reason": "It works again."}
    )

    event = jordans_ticket.events.get(kind=AuditEvent.Kind.CLOSED)
    assert (event.actor_contact, event.note, event.is_public) == (
        cast.requester,
        "It works again.",
        True,
    )


def test_closing_a_closed_ticket_says_why_not(
    jordans_ticket: Ticket, requester_client: Client
) -> None:
    url = reverse("portal:close", args=[jordans_ticket.number])
    requester_client.post(url, {"reason": ""})

    response = requester_client.post(url, {"reason": ""}, follow=True)

    assert "it cannot become closed" in response.content.decode()


def test_a_too_long_close_reason_is_refused(
    jordans_ticket: Ticket, requester_client: Client
) -> None:
    response = requester_client.post(
        reverse("portal:close", args=[jordans_ticket.number]), {"reason": "r" * 1001}
    )

    assert response.status_code == 400
    jordans_ticket.refresh_from_db()
    assert jordans_ticket.status == Ticket.Status.OPEN


def test_the_ticket_page_costs_the_same_queries_however_long_the_thread(
    cast: Cast, jordans_ticket: Ticket, requester_client: Client, django_assert_num_queries
) -> None:
    def grow(times: int) -> None:
        for _ in range(times):
            ops.reply(
                jordans_ticket,
                by=cast.tier1,
                body="Reply",
                attachments=[SimpleUploadedFile("a.png", PNG)],
            )
            ops.add_customer_message(jordans_ticket, by=cast.requester, body="Answer")
            ops.add_note(jordans_ticket, by=cast.tier1, body="Note")

    grow(1)
    requester_client.get(reverse("portal:ticket", args=[jordans_ticket.number]))  # warm up
    with django_assert_num_queries(6) as small:
        page_of(requester_client, jordans_ticket)
    grow(15)
    with django_assert_num_queries(len(small.captured_queries)):
        page_of(requester_client, jordans_ticket)


def test_my_tickets_lists_only_mine_with_status_filters(
    cast: Cast, open_ticket: OpenTicket, requester_client: Client
) -> None:
    mine_open = open_ticket(subject="Mine, still open")
    mine_closed = ops.close(open_ticket(subject="Mine, closed"), by=cast.requester)
    open_ticket(subject="Olive's", requester=cast.outsider, by=cast.outsider)
    url = reverse("portal:my_tickets")

    everything = requester_client.get(url).content.decode()
    only_open = requester_client.get(url, {"status": "open"}).content.decode()
    only_closed = requester_client.get(url, {"status": "closed"}).content.decode()

    assert mine_open.subject in everything and mine_closed.subject in everything
    assert "Olive" not in everything
    assert mine_open.subject in only_open and mine_closed.subject not in only_open
    assert mine_closed.subject in only_closed and mine_open.subject not in only_closed


def test_my_tickets_is_paginated(
    cast: Cast, open_ticket: OpenTicket, requester_client: Client, settings: Any
) -> None:
    settings.HELPDESK_MAX_OPEN_TICKETS_PER_EMAIL = 0
    for number in range(21):
        open_ticket(subject=f"Ticket {number:02}")
    url = reverse("portal:my_tickets")

    first = requester_client.get(url).content.decode()
    second = requester_client.get(url, {"page": 2}).content.decode()
    beyond = requester_client.get(url, {"page": 99})

    assert "Page 1 of 2" in first and "Ticket 20" in first and "Ticket 00" not in first
    assert "Ticket 00" in second
    assert beyond.status_code == 200  # the last page, not an error


def test_my_tickets_costs_the_same_queries_however_many_tickets(
    open_ticket: OpenTicket, requester_client: Client, django_assert_num_queries
) -> None:
    url = reverse("portal:my_tickets")
    open_ticket()
    requester_client.get(url)
    with django_assert_num_queries(3) as few:
        requester_client.get(url)
    for _ in range(12):
        open_ticket()
    with django_assert_num_queries(len(few.captured_queries)):
        requester_client.get(url)


def test_my_tickets_needs_a_sign_in(client: Client, cast: Cast) -> None:
    response = client.get(reverse("portal:my_tickets"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("where", ["subject", "body", "name", "answer", "filename"])
def test_user_text_is_escaped_everywhere_it_shows(
    cast: Cast,
    client: Client,
    submit_ticket: Any,
    outage_questions: dict[str, Any],
    where: str,
) -> None:
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    q = outage_questions
    data: dict[str, Any] = {
        "topic": cast.outage.pk,
        q["service"].key: "Mobile app",
        q["users"].key: "1",
        "email": "xss@bank.test",
    }
    if where == "answer":
        error = q["service"]  # swap the choice for a free text question
        error.kind, error.choices, error.required = "text", "", True
        error.save()
        data[error.key] = payload
    elif where == "filename":  # no "/" in it: a path separator would cut the name short
        data["attachments"] = [SimpleUploadedFile('<img src=x onerror="alert(1)">.png', PNG)]
    else:
        data[where] = payload
    assert submit_ticket(**data).status_code == 302
    ticket = Ticket.objects.get()

    for url in (
        reverse("portal:ticket", args=[ticket.number]),
        reverse("portal:ticket_submitted", args=[ticket.number]),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert(2)" not in page
        assert "<img src=x" not in page
    shown = client.get(reverse("portal:ticket", args=[ticket.number])).content.decode()
    assert ("&lt;img src=x" if where == "filename" else "&lt;script&gt;alert(2)") in shown
