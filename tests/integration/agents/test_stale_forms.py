"""No lost updates: a form drawn before another agent's change is refused, says what
changed, keeps what was typed and overwrites nothing."""

from django.test import Client
from django.urls import reverse

from tests.conftest import Cast
from tests.integration.agents.conftest import fresh
from tickets import operations as ops
from tickets.models import Ticket


def test_a_stale_triage_is_refused_with_what_changed_and_overwrites_nothing(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    drawn_at = desk_ticket.version
    ops.triage(desk_ticket, by=cast.manager, priority=cast.p2)

    response = alex.post(
        reverse("agents:act", args=[desk_ticket.number, "triage"]),
        {
            "triage-version": drawn_at,
            "triage-priority": cast.p1.pk,
            "triage-sla_plan": cast.sev_c.pk,
            "triage-topic": cast.general.pk,
        },
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "changed while you were working on it (priority changed by Sam Okafor)" in page
    assert fresh(desk_ticket).priority == cast.p2
    # The form now carries the current version, so the agent can review and submit again.
    assert f'name="triage-version" value="{fresh(desk_ticket).version}"' in page


def test_a_stale_reply_is_not_sent_and_the_text_is_kept(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    drawn_at = desk_ticket.version
    ops.reply(desk_ticket, by=cast.manager, body="Sam answered first.")

    response = alex.post(
        reverse("agents:act", args=[desk_ticket.number, "reply"]),
        {
            "reply-version": drawn_at,
            "reply-body": "My carefully written answer.",
            "reply-status": "open",
        },
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "replied by Sam Okafor" in page
    assert "My carefully written answer." in page
    assert fresh(desk_ticket).entries.filter(author_agent=cast.tier1).count() == 0


def test_a_stale_close_leaves_the_ticket_open(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    drawn_at = desk_ticket.version
    ops.assign(desk_ticket, by=cast.manager, agent=cast.manager)

    response = alex.post(
        reverse("agents:act", args=[desk_ticket.number, "close"]),
        {"close-version": drawn_at, "close-reason": "Done."},
    )

    assert response.status_code == 409
    assert fresh(desk_ticket).status == Ticket.Status.OPEN
