"""The queue's rows, read with the query that finds a page (agents.rows) and drawn in Python
(agent_panel.queue_table_rows), are the rows the template loop drew from the tickets with their
related rows: compared, as parsed HTML, with that loop for tickets in every state a row
shows."""

import pytest
from django.template import Context, Template
from django.test.html import parse_html
from pytest_django import Settings

from agents.rows import SHOWN, QueueRow, queue_rows
from agents.templatetags.agent_panel import queue_table_rows
from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.models import Contact, Team, Ticket
from tickets.queues import SORTS, keyset_heads

# The row as the queue's template drew it before it was drawn in Python.
TEMPLATE_ROW = Template(
    """{% load agent_panel %}
<tr class="queue-row{% if ticket.is_overdue %} table-danger{% endif %}">
  <td><input class="form-check-input row-select" type="checkbox" name="tickets"
           value="{{ ticket.pk }}:{{ ticket.version }}" aria-label="Select #{{ ticket.number }}"
           {% if ticket.pk in selected %}checked{% endif %}></td>
  {% url 'agents:ticket' ticket.number as ticket_url %}
  <td><a class="ticket-link" href="{{ ticket_url }}">#{{ ticket.number }}</a></td>
  <td class="subject"><a class="subject-link link-body-emphasis text-decoration-none" href="{{ ticket_url }}" tabindex="-1">{{ ticket.subject }}</a></td>
  <td>{{ ticket.requester.name }}</td>
  <td><span class="badge {{ ticket.priority|priority_badge }}">{{ ticket.priority }}</span></td>
  <td>{{ ticket.get_status_display }}</td>
  <td>{{ ticket.department }}</td>
  <td>{{ ticket.assignee|default:"" }}{% if ticket.team %}{% if ticket.assignee %} · {% endif %}<span class="text-body-secondary">{{ ticket.team }}</span>{% endif %}{% if not ticket.assignee and not ticket.team %}<span class="text-body-secondary">unassigned</span>{% endif %}</td>
  <td>{% if ticket.is_active and ticket.resolution_due %}<time datetime="{{ ticket.resolution_due|date:'c' }}"{% if ticket.is_overdue %} class="overdue"{% endif %}>{{ ticket.resolution_due|date:"M j H:i" }}</time>{% if ticket.is_overdue %} <span class="badge text-bg-danger">overdue</span>{% endif %}{% endif %}</td>
  <td><time datetime="{{ ticket.updated_at|date:'c' }}">{{ ticket.updated_at|date:"M j H:i" }}</time></td>
</tr>"""  # noqa: E501
)


def queue_rows_of(*tickets: Ticket) -> list[QueueRow]:
    """The tickets' rows as the queue reads them: with the query that finds a page."""
    found = Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets])
    return queue_rows(keyset_heads(found, SORTS["updated"], "", 25, shown=SHOWN))


def as_listed(ticket: Ticket, cast: Cast) -> Ticket:
    """The ticket as the queue reads it (with its related rows)."""
    return Ticket.objects.visible_to(cast.admin).filter(pk=ticket.pk).fetch()[0]


def tickets_in_every_state(cast: Cast, open_ticket: OpenTicket) -> dict[str, Ticket]:
    hostile = Contact.objects.create(email="x@evil.test", name='<script>alert("x")</script>')
    overdue = open_ticket(subject="Overdue")
    Ticket.objects.filter(pk=overdue.pk).update(is_overdue=True)
    resolved = ops.resolve(
        open_ticket(subject="Done"),
        by=cast.tier1,
        root_cause="Expired certificate",
        resolution="Renewed it",
        category=Ticket.Category.INCIDENT,
    )
    both = ops.assign(open_ticket(subject="Both"), by=cast.manager, agent=cast.tier1)
    return {
        "unassigned": open_ticket(),
        "assigned": ops.claim(open_ticket(subject="Mine"), by=cast.tier1),
        "team only": open_ticket(subject="Card payments down", topic=cast.outage),
        "agent and team": ops.assign_team(both, by=cast.manager, team=cast.major_incident),
        "overdue": overdue,
        "resolved": resolved,
        "hostile text": open_ticket(
            subject="<b>Bold</b> & \"quoted\" 'text'", requester=hostile, by=hostile
        ),
    }


@pytest.mark.parametrize(
    ("selected", "zone"), [(False, "UTC"), (True, "UTC"), (False, "Asia/Kolkata")]
)
def test_each_row_is_the_row_the_template_drew(
    cast: Cast, open_ticket: OpenTicket, settings: Settings, selected: bool, zone: str
) -> None:
    settings.TIME_ZONE = zone  # the desk's: dates are shown in it
    for state, ticket in tickets_in_every_state(cast, open_ticket).items():
        listed = as_listed(ticket, cast)
        chosen = {listed.pk} if selected else set()

        drawn = queue_table_rows(queue_rows_of(ticket), chosen)
        expected = TEMPLATE_ROW.render(Context({"ticket": listed, "selected": chosen}))

        assert parse_html(drawn) == parse_html(expected), state


def test_hostile_text_is_escaped(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = tickets_in_every_state(cast, open_ticket)["hostile text"]

    row = queue_table_rows(queue_rows_of(ticket), set())

    assert "<script>" not in row and "&lt;script&gt;" in row
    assert "<b>Bold</b>" not in row and "&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot;" in row


def test_configuration_added_behind_the_models_backs_is_still_named(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket()
    queue_rows_of(ticket)  # the names, remembered
    # No save signal: the remembered names do not know this team.
    (team,) = Team.objects.bulk_create([Team(name="Night shift")])
    Ticket.objects.filter(pk=ticket.pk).update(team=team)

    (row,) = queue_rows_of(ticket)

    assert row.team == "Night shift"
