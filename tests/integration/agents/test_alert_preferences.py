"""Agents choose which alert emails they get, on their profile page or in Django admin;
requesters' emails are not theirs to mute."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from sla import jobs
from sla.models import EscalationRule
from tests.conftest import Cast, OpenTicket
from tests.integration.agents.conftest import SignIn
from tickets import operations as ops
from tickets.models import Agent, Ticket


def recipients(ticket: Ticket, template: str) -> set[str]:
    sent = ticket.notifications.filter(template=template)
    return set(sent.values_list("recipient_email", flat=True))


def test_the_profile_page_saves_the_alerts_an_agent_does_not_want(
    cast: Cast, sign_in: SignIn
) -> None:
    client = sign_in("tier1")

    page = client.get(reverse("agents:profile"))
    response = client.post(
        reverse("agents:alert_preferences"), {"muted_alerts": ["note_alert", "sla_warning"]}
    )

    assert 'name="muted_alerts" value="new_ticket_alert"' in page.content.decode()
    assert response.status_code == 302
    assert Agent.objects.get(pk=cast.tier1.pk).muted_alerts == ["note_alert", "sla_warning"]


def test_an_unknown_or_requester_kind_cannot_be_muted(cast: Cast, sign_in: SignIn) -> None:
    response = sign_in("tier1").post(
        reverse("agents:alert_preferences"), {"muted_alerts": ["ticket_received"]}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Agent.objects.get(pk=cast.tier1.pk).muted_alerts == []


def test_only_agents_reach_the_alert_preferences(sign_in: SignIn) -> None:
    for role in ("customer", "anonymous"):
        response = sign_in(role).post(reverse("agents:alert_preferences"), {})
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("agents:login"))


def test_a_muted_alert_is_not_sent_to_that_agent_only(cast: Cast, open_ticket: OpenTicket) -> None:
    ops.set_muted_alerts(cast.manager, alerts=["new_ticket_alert"])

    ticket = open_ticket()

    assert recipients(ticket, "new_ticket_alert") == {cast.tier1.email}
    assert recipients(ticket, "ticket_received") == {cast.requester.email}


def test_a_muted_sla_alert_is_not_sent_by_the_sweep(cast: Cast, open_ticket: OpenTicket) -> None:
    EscalationRule.objects.create(
        plan=cast.sev_c,
        trigger=EscalationRule.Trigger.FIRST_RESPONSE_BREACH,
        action=EscalationRule.Action.NOTIFY_MANAGER,
    )
    ops.set_muted_alerts(cast.manager, alerts=["sla_breached"])
    muted = open_ticket()

    jobs.sweep(now=timezone.now() + timedelta(hours=5))
    ops.set_muted_alerts(cast.manager, alerts=[])
    heard = open_ticket(subject="VPN is down")
    jobs.sweep(now=timezone.now() + timedelta(hours=5))

    assert recipients(muted, "sla_breached") == set()
    assert recipients(heard, "sla_breached") == {cast.manager.email}


def test_admin_edits_an_agents_alerts_as_checkboxes(cast: Cast, sign_in: SignIn) -> None:
    cast.admin.user.is_staff = True
    cast.admin.user.save(update_fields=["is_staff"])
    client = sign_in("admin")
    url = reverse("admin:tickets_agent_change", args=[cast.tier1.pk])

    page = client.get(url)

    assert 'type="checkbox" name="muted_alerts" value="sla_warning"' in page.content.decode()
