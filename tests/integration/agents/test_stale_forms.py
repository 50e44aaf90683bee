"""No lost updates: a form drawn before another agent's change is refused, says what
changed, keeps what was typed and overwrites nothing."""

from django.test import Client

from tests.conftest import Cast
from tests.integration.agents.conftest import fresh, post_action
from tickets import operations as ops
from tickets.models import Ticket


def test_a_stale_triage_is_refused_with_what_changed_and_overwrites_nothing(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    ops.triage(desk_ticket, by=cast.manager, priority=cast.p2)

    response = post_action(
        alex,
        desk_ticket,
        "triage",
        drawn_at=desk_ticket.version,
        priority=cast.p1.pk,
        sla_plan=cast.sev_c.pk,
        topic=cast.general.pk,
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
    ops.reply(desk_ticket, by=cast.manager, body="Sam answered first.")

    response = post_action(
        alex, desk_ticket, "reply", drawn_at=1, body="My careful answer.", status="open"
    )

    assert response.status_code == 409
    assert "replied by Sam Okafor" in response.content.decode()
    assert "My careful answer." in response.content.decode()
    assert fresh(desk_ticket).entries.filter(author_agent=cast.tier1).count() == 0


def test_a_stale_close_leaves_the_ticket_open(
    cast: Cast, alex: Client, desk_ticket: Ticket
) -> None:
    ops.assign(desk_ticket, by=cast.manager, agent=cast.manager)

    response = post_action(alex, desk_ticket, "close", drawn_at=1, reason="Done.")

    assert response.status_code == 409
    assert fresh(desk_ticket).status == Ticket.Status.OPEN
