"""Admins edit the wording of every email in Django admin: a fresh install has them all, a bad
template is refused with its reason, and the next notification uses what was saved."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Cast, OpenTicket
from tickets import emails
from tickets.email_kinds import KINDS
from tickets.models import EmailTemplate
from tickets.notifications import compose


@pytest.fixture
def admin_site(cast: Cast) -> Client:
    cast.admin.user.is_staff = True
    cast.admin.user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(cast.admin.user)
    return client


def edit(client: Client, template: EmailTemplate, **changes: str) -> object:
    fields = {"subject": template.subject, "body_text": template.body_text}
    fields["body_html"] = template.body_html
    url = reverse("admin:tickets_emailtemplate_change", args=[template.pk])
    return client.post(url, {**fields, **changes})


def test_a_fresh_install_has_every_kind_with_its_shipped_wording(db: None) -> None:
    rows = {row.kind: row for row in EmailTemplate.objects.all()}

    assert set(rows) == set(KINDS)
    shipped = emails.default_source("ticket_resolved")
    assert (rows["ticket_resolved"].subject, rows["ticket_resolved"].body_text) == (
        shipped.subject,
        shipped.text,
    )


def test_the_change_page_lists_the_variables_and_previews_the_email(admin_site: Client) -> None:
    template = EmailTemplate.objects.get(kind="ticket_resolved")

    page = admin_site.get(reverse("admin:tickets_emailtemplate_change", args=[template.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "{{ confirm_url }}" in html and "{{ reopen_url }}" in html
    assert "[#482913] Resolved: Online and mobile banking are down" in html  # the preview
    assert "<iframe sandbox" in html


@pytest.mark.parametrize(
    ("field", "source", "reason"),
    [
        ("subject", "{{ settings.SECRET_KEY }}", "without dots"),
        ("subject", "{% load static %}{{ ticket_subject }}", "does not compile"),
        ("body_text", "{% debug %}", "{% debug %} is not allowed here"),
        ("body_html", "<p>{{ password }}</p>", "{{ password }} is not a variable"),
    ],
)
def test_a_template_that_would_not_be_safe_is_refused_and_nothing_saved(
    admin_site: Client, field: str, source: str, reason: str
) -> None:
    template = EmailTemplate.objects.get(kind="ticket_received")
    before = (template.subject, template.body_text, template.body_html)

    response = edit(admin_site, template, **{field: source})

    assert response.status_code == 200  # the form again, with its error
    assert reason in response.content.decode().replace("&#x27;", "'")
    template.refresh_from_db()
    assert (template.subject, template.body_text, template.body_html) == before


def test_the_next_notification_uses_the_edited_template(
    admin_site: Client, open_ticket: OpenTicket
) -> None:
    template = EmailTemplate.objects.get(kind="ticket_received")
    response = edit(
        admin_site,
        template,
        subject="Thanks, {{ recipient_name }}: {{ ticket_subject }}",
        body_text="Ticket {{ ticket_number }} is with {{ ticket_department }}.",
        body_html="<p>Ticket <b>{{ ticket_number }}</b>: {{ ticket_subject }}</p>",
    )
    assert response.status_code == 302

    ticket = open_ticket(subject="<b>{{ settings.SECRET_KEY }}</b>")

    sent = compose(ticket.notifications.get(template="ticket_received"))
    assert sent.subject == (
        f"[#{ticket.number}] Thanks, Jordan Blake: <b>{{{{ settings.SECRET_KEY }}}}</b>"
    )
    assert sent.body == f"Ticket {ticket.number} is with Service Desk.\n"
    assert (
        f"<p>Ticket <b>{ticket.number}</b>: &lt;b&gt;{{{{ settings.SECRET_KEY }}}}&lt;/b&gt;</p>"
        in sent.body_html
    )


def test_a_stored_template_that_fails_its_checks_falls_back_to_the_shipped_one(
    open_ticket: OpenTicket,
) -> None:
    EmailTemplate.objects.filter(kind="ticket_received").update(body_text="{% debug %}")

    ticket = open_ticket()

    assert (
        "We have received your request"
        in compose(ticket.notifications.get(template="ticket_received")).body
    )


def test_reset_puts_the_shipped_wording_back(admin_site: Client) -> None:
    template = EmailTemplate.objects.get(kind="note_alert")
    EmailTemplate.objects.filter(pk=template.pk).update(subject="Edited", body_text="Edited")

    admin_site.post(
        reverse("admin:tickets_emailtemplate_changelist"),
        {"action": "reset_to_shipped", "_selected_action": [template.pk]},
    )

    template.refresh_from_db()
    assert template.subject == emails.DEFAULT_SUBJECTS["note_alert"]
    assert template.body_text == emails.default_source("note_alert").text
