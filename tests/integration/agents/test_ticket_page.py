"""The ticket page: header with SLA state, requester card, one timeline of thread and audit,
notes set apart, canned responses, and a query count that does not grow with the thread."""

import re
from datetime import UTC, datetime, timedelta

import time_machine
from django.test import Client
from django.urls import reverse

from tests.conftest import Cast, OpenTicket
from tests.integration.agents.conftest import queries_for, upload
from tickets import operations as ops
from tickets.fields import check_answers
from tickets.models import CannedResponse, HelpTopicField, Ticket

OPENED_AT = datetime(2026, 3, 2, 8, 40, tzinfo=UTC)


def page_of(client: Client, ticket: Ticket) -> str:
    response = client.get(reverse("agents:ticket", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_header_shows_status_priority_sla_and_due_times(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(OPENED_AT, tick=False):
        ticket = open_ticket()
        ticket = ops.triage(ticket, by=cast.tier1, priority=cast.p1, sla_plan=cast.sev_a)

    page = page_of(alex, ticket)

    assert "P1 Emergency" in page and "Sev A" in page and "Service Desk" in page
    assert "due Mar 2 08:55" in page  # first response: 15 minutes
    assert "due Mar 2 12:40" in page  # resolution: 4 hours
    assert "Overdue" not in page


def test_an_overdue_ticket_is_flagged(alex: Client, desk_ticket: Ticket) -> None:
    Ticket.objects.filter(pk=desk_ticket.pk).update(is_overdue=True)  # the SLA job's mark

    page = page_of(alex, desk_ticket)

    assert "Overdue" in page
    assert 'class="overdue"' in page


def test_the_timeline_interleaves_thread_and_audit_with_notes_set_apart(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    ticket = ops.triage(desk_ticket, by=cast.tier1, priority=cast.p1)
    ops.add_note(ticket, by=cast.tier1, body="Internal: <b>verified</b> the outage.")
    ops.reply(ticket, by=cast.tier1, body="We are on it.")

    page = page_of(alex, ticket)

    timeline = page[page.index('id="timeline"') :]
    order = [
        timeline.index("Customers see"),
        timeline.index('P3 Normal</span> → <span class="to">P1 Emergency'),
        timeline.index("Internal: &lt;b&gt;verified&lt;/b&gt; the outage."),
        timeline.index("We are on it."),
    ]
    assert order == sorted(order)
    assert 'class="entry entry-note' in timeline
    assert "Internal: not shown to the requester" in timeline


def test_the_timeline_escapes_names_values_notes_and_file_names(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    cast.requester.name = "<i>Jordan</i>"
    cast.requester.save()
    ticket = open_ticket()
    ops.add_note(ticket, by=cast.tier1, body="See log.", attachments=[upload("<img src=x>.log")])
    ops.close(ticket, by=cast.tier1, reason="<b>Duplicate</b> of the outage\nat 08:40")

    page = page_of(alex, ticket)

    timeline = page[page.index('id="timeline"') :]
    assert "<strong>&lt;i&gt;Jordan&lt;/i&gt;</strong> · Message" in timeline
    assert (
        '<div class="event-note">&lt;b&gt;Duplicate&lt;/b&gt; of the outage<br>at 08:40</div>'
        in timeline
    )
    assert "📎 &lt;img src=x&gt;.log</a>" in timeline
    assert '<span class="from">Open</span> → <span class="to">Closed</span>' in timeline
    assert "<img src=x>" not in timeline and "<i>Jordan" not in timeline


def test_the_requester_card_lists_their_other_tickets_the_agent_may_see(
    cast: Cast, alex: Client, desk_ticket: Ticket, open_ticket: OpenTicket
) -> None:
    other = open_ticket(subject="Printer on floor 3")
    hidden = open_ticket(subject="Core switch down", topic=cast.outage)

    page = page_of(alex, desk_ticket)

    assert "jordan.blake@northbank.test" in page and "+1 555 0100" in page
    assert other.number in page
    assert hidden.number not in page


def test_attachments_download_with_their_stored_type_and_never_inline(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    note = ops.add_note(
        desk_ticket, by=cast.tier1, body="Log.", attachments=[upload("page.txt", b"<script>")]
    )
    attachment = note.attachments.get()
    assert reverse("agents:attachment", args=[attachment.pk]) in page_of(alex, desk_ticket)

    response = alex.get(reverse("agents:attachment", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="page.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>"


def test_canned_responses_of_the_department_fill_in_their_variables(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    mine = CannedResponse.objects.create(
        title="Outage acknowledged",
        body="Hello {{ requester_first_name }}, ticket {{ticket_number}} is with {{ agent_name }}.",
        department=cast.service_desk,
    )
    CannedResponse.objects.create(title="SysAdmin only", body="x", department=cast.sysadmin)
    CannedResponse.objects.create(title="Retired", body="x", is_active=False)

    page = page_of(alex, desk_ticket)
    prefilled = alex.get(
        reverse("agents:ticket", args=[desk_ticket.number]), {"canned": mine.pk}
    ).content.decode()

    expected = f"Hello Jordan, ticket {desk_ticket.number} is with Alex Rivera."
    assert f'data-body="{expected}"' in page
    assert "SysAdmin only" not in page and "Retired" not in page
    assert re.search(rf'name="reply-body"[^>]*>\s*{re.escape(expected)}', prefilled)


def test_the_ticket_page_query_count_does_not_grow_with_the_thread(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    url = reverse("agents:ticket", args=[desk_ticket.number])
    ops.add_note(desk_ticket, by=cast.tier1, body="First note", attachments=[upload()])
    short = queries_for(alex, url)
    for number in range(15):
        ops.add_note(desk_ticket, by=cast.tier1, body=f"Note {number}", attachments=[upload()])
        ops.reply(desk_ticket, by=cast.manager, body=f"Reply {number}")
        ops.log_time(desk_ticket, by=cast.tier1, minutes=5)
        ops.assign(desk_ticket, by=cast.manager, agent=[cast.tier1, cast.manager][number % 2])

    assert queries_for(alex, url) == short
    assert short <= 30


def test_a_replies_first_response_is_shown_instead_of_its_due_time(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    with time_machine.travel(desk_ticket.created_at + timedelta(minutes=3), tick=False):
        ops.reply(desk_ticket, by=cast.tier1, body="On it.")

    assert "answered" in page_of(alex, desk_ticket)


def test_the_sla_timeline_shows_each_clock_event_and_links_to_the_explanation(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(OPENED_AT, tick=False):
        ticket = ops.triage(open_ticket(), by=cast.tier1, sla_plan=cast.sev_a)

    page = page_of(alex, ticket)

    timeline = page.split('id="sla-timeline"')[1].split("</details>")[0]
    assert timeline.count('<tr class="clock-started">') == 2  # first response, resolution
    assert timeline.count('<tr class="clock-recomputed">') == 2  # Sev C → Sev A
    assert reverse("agents:ticket_sla", args=[ticket.number]) in timeline


def test_explaining_the_due_times_walks_the_plans_calendar(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    with time_machine.travel(OPENED_AT, tick=False):
        ticket = ops.triage(open_ticket(), by=cast.tier1, priority=cast.p1, sla_plan=cast.sev_a)

    response = alex.get(reverse("agents:ticket_sla", args=[ticket.number]))

    page = response.content.decode()
    assert 'First response: due <time datetime="2026-03-02T08:55:00+00:00">' in page
    assert 'Resolution: due <time datetime="2026-03-02T12:40:00+00:00">' in page
    assert "<li>Resolution target under Sev A at P1 Emergency: 4 h.</li>" in page
    assert "The clock runs round the clock (24×7): due 4 h later." in page


def test_the_answers_to_the_topics_questions_are_shown(
    cast: Cast, alex: Client, open_ticket: OpenTicket
) -> None:
    question = HelpTopicField.objects.create(
        topic=cast.general, label="Affected service", kind="choice", choices="Web\nMobile app"
    )
    answers = check_answers([question], {question.key: "Mobile app"})

    page = page_of(alex, open_ticket(field_values=answers))

    card = page.split('id="answers-heading"')[1].split("</section>")[0]
    assert "<dt>Affected service</dt>" in card
    assert "<dd>Mobile app</dd>" in card


def test_explaining_the_due_times_costs_the_same_queries_however_long_the_clock_history(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    url = reverse("agents:ticket_sla", args=[desk_ticket.number])
    short = queries_for(alex, url)
    for number in range(6):
        ops.triage(desk_ticket, by=cast.tier1, priority=[cast.p1, cast.p2][number % 2])
        ops.reply(
            desk_ticket, by=cast.tier1, body="Any news?", status=Ticket.Status.AWAITING_CUSTOMER
        )
        ops.add_customer_message(desk_ticket, by=cast.requester, body="Not yet.")

    assert queries_for(alex, url) == short
