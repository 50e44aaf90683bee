"""Small display helpers for the agent panel's templates, and the queue's rows."""

from collections.abc import Collection
from datetime import datetime
from html import escape

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString

from tickets.models import Priority, Ticket
from tickets.queues import COUNT_CAP

register = template.Library()

# Bootstrap badge classes by urgency: no inline colours (the CSP forbids style attributes).
URGENCY_BADGES = {1: "text-bg-danger", 2: "text-bg-warning", 3: "text-bg-primary"}


@register.filter
def priority_badge(priority: Priority) -> str:
    return URGENCY_BADGES.get(priority.urgency, "text-bg-secondary")


@register.filter
def capped(count: int) -> str:
    """1000 → "1000+": counts stop at the cap."""
    return f"{count}+" if count >= COUNT_CAP else str(count)


@register.filter
def hours_minutes(minutes: int) -> str:
    """95 → "1 h 35 min"."""
    hours, rest = divmod(minutes or 0, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


@register.simple_tag
def queue_row(ticket: Ticket, selected: Collection[int]) -> SafeString:
    """One row of the queue. Drawn in Python: as a template loop, the rows were some 500
    variables and filters a page, half the time of drawing it. Every value that is not
    our own markup goes through `escape` (the standard library's, which escapes what
    Django's does, without its lazy-string wrappers: a third of the row's time)."""
    link = escape(reverse("agents:ticket", args=[ticket.number]))
    number = escape(ticket.number)
    checked = " checked" if ticket.pk in selected else ""
    return SafeString(
        f'<tr class="queue-row{" table-danger" if ticket.is_overdue else ""}">'
        '<td><input class="form-check-input row-select" type="checkbox" name="tickets" '
        f'value="{ticket.pk}:{ticket.version}" aria-label="Select #{number}"{checked}></td>'
        f'<td><a class="ticket-link" href="{link}">#{number}</a></td>'
        '<td class="subject"><a class="subject-link link-body-emphasis text-decoration-none" '
        f'href="{link}" tabindex="-1">{escape(ticket.subject)}</a></td>'
        f"<td>{escape(ticket.requester.name)}</td>"
        f'<td><span class="badge {priority_badge(ticket.priority)}">'
        f"{escape(str(ticket.priority))}</span></td>"
        f"<td>{escape(ticket.get_status_display())}</td>"
        f"<td>{escape(str(ticket.department))}</td>"
        f"<td>{_assignment(ticket)}</td>"
        f"<td>{_due(ticket)}</td>"
        f"<td>{_moment(ticket.updated_at)}</td>"
        "</tr>"
    )


def _assignment(ticket: Ticket) -> str:
    """ "Alex Rivera · Network team", either alone, or "unassigned"."""
    if ticket.assignee is None and ticket.team is None:
        return '<span class="text-body-secondary">unassigned</span>'
    assignee = escape(str(ticket.assignee)) if ticket.assignee else ""
    if ticket.team is None:
        return assignee
    team = f'<span class="text-body-secondary">{escape(ticket.team.name)}</span>'
    return f"{assignee} · {team}" if assignee else team


def _due(ticket: Ticket) -> str:
    if not ticket.is_active or not ticket.resolution_due:
        return ""
    if not ticket.is_overdue:
        return _moment(ticket.resolution_due)
    overdue = _moment(ticket.resolution_due, ' class="overdue"')
    return f'{overdue} <span class="badge text-bg-danger">overdue</span>'


def _moment(moment: datetime, attributes: str = "") -> str:
    """`<time datetime="…">Nov 23 09:14</time>` in the desk's time zone, as the `date`
    filter draws it (without its format look-ups, a tenth of the row's time)."""
    local = timezone.localtime(moment)
    shown = escape(dateformat.format(local, "M j H:i"))
    return f'<time datetime="{local.isoformat()}"{attributes}>{shown}</time>'
