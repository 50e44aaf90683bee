"""Small display helpers for the agent panel's templates, the queue's rows and the ticket's
timeline."""

from collections.abc import Collection
from datetime import datetime
from html import escape
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString

from agents.rows import QueueRow
from tickets.models import AuditEvent, Priority, ThreadEntry
from tickets.queues import COUNT_CAP

register = template.Library()

# Bootstrap badge classes by urgency: no inline colours (the CSP forbids style attributes).
URGENCY_BADGES = {1: "text-bg-danger", 2: "text-bg-warning", 3: "text-bg-primary"}


@register.filter
def priority_badge(priority: Priority) -> str:
    return _urgency_badge(priority.urgency)


def _urgency_badge(urgency: int) -> str:
    return URGENCY_BADGES.get(urgency, "text-bg-secondary")


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
def queue_table_rows(rows: list[QueueRow], selected: Collection[int]) -> SafeString:
    """The queue's rows. Drawn in Python: as a template loop, the rows were some 500
    variables and filters a page, half the time of drawing it."""
    draw = _QueueRows(selected)
    return SafeString("".join(draw.row(row) for row in rows))


class _QueueRows:
    """Draws a page's rows. The ticket's address, the time zone and the month names are
    looked up once a page, not once a row: Django's `reverse` and the translated month
    names were most of the rows' time. Every value that is not our own markup goes through
    `escape` (the standard library's, which escapes what Django's does, without its
    lazy-string wrappers: a third of the row's time)."""

    NUMBER_SLOT = "0"  # a ticket number, where the address is cut

    def __init__(self, selected: Collection[int]) -> None:
        self.selected = selected
        address = reverse("agents:ticket", args=[self.NUMBER_SLOT])
        self.address_before, self.address_after = address.rsplit(self.NUMBER_SLOT, 1)
        self.zone = timezone.get_current_timezone()
        self.months: dict[int, str] = {}

    def row(self, row: QueueRow) -> str:
        # Ticket numbers are digits (tickets.numbers): nothing in them to quote.
        link = escape(f"{self.address_before}{row.number}{self.address_after}")
        number = escape(row.number)
        checked = " checked" if row.pk in self.selected else ""
        badge = _urgency_badge(row.urgency)
        return (
            f'<tr class="queue-row{" table-danger" if row.is_overdue else ""}">'
            '<td><input class="form-check-input row-select" type="checkbox" name="tickets" '
            f'value="{row.pk}:{row.version}" aria-label="Select #{number}"{checked}></td>'
            f'<td><a class="ticket-link" href="{link}">#{number}</a></td>'
            '<td class="subject"><a class="subject-link link-body-emphasis text-decoration-none" '
            f'href="{link}" tabindex="-1">{escape(row.subject)}</a></td>'
            f"<td>{escape(row.requester)}</td>"
            f'<td><span class="badge {badge}">{escape(row.priority)}</span></td>'
            f"<td>{escape(row.status_label)}</td>"
            f"<td>{escape(row.department)}</td>"
            f"<td>{_assignment(row)}</td>"
            f"<td>{self._due(row)}</td>"
            f"<td>{self._moment(row.updated_at)}</td>"
            "</tr>"
        )

    def _due(self, row: QueueRow) -> str:
        if not row.is_active or not row.resolution_due:
            return ""
        if not row.is_overdue:
            return self._moment(row.resolution_due)
        overdue = self._moment(row.resolution_due, ' class="overdue"')
        return f'{overdue} <span class="badge text-bg-danger">overdue</span>'

    def _moment(self, moment: datetime, attributes: str = "") -> str:
        """`<time datetime="…">Nov 23 09:14</time>` in the desk's time zone, as the `date`
        filter's "M j H:i" draws it (its month name, translated)."""
        local = moment.astimezone(self.zone)
        month = self.months.get(local.month)
        if month is None:
            month = self.months[local.month] = MONTHS_3[local.month].title()
        shown = escape(f"{month} {local.day} {local:%H:%M}")
        return f'<time datetime="{local.isoformat()}"{attributes}>{shown}</time>'


def _assignment(row: QueueRow) -> str:
    """ "Alex Rivera · Network team", either alone, or "unassigned"."""
    if row.assignee is None and row.team is None:
        return '<span class="text-body-secondary">unassigned</span>'
    assignee = escape(row.assignee) if row.assignee else ""
    if row.team is None:
        return assignee
    team = f'<span class="text-body-secondary">{escape(row.team)}</span>'
    return f"{assignee} · {team}" if assignee else team


# ---------------------------------------------------------------------------------------------
# The ticket's timeline

NOTE_BADGE = '<span class="badge text-bg-warning">Internal: not shown to the requester</span>'


def _timestamp(moment: datetime) -> str:
    """`<time datetime="…">2026-11-23 09:14</time>` in the desk's time zone: digits only, so
    strftime draws it (Django's date format took a third of the timeline's time)."""
    local = timezone.localtime(moment)
    return f'<time datetime="{local.isoformat()}">{local:%Y-%m-%d %H:%M}</time>'


@register.simple_tag
def timeline_item(item: Any) -> SafeString:
    """One thread entry or audit event of the ticket page's timeline (an
    `agents.views_ticket.TimelineItem`). Drawn in Python, as the queue's rows are: as a
    template, a 50-entry thread took 6.5 ms, a fifth of the page."""
    return SafeString(_entry(item.entry) if item.entry else _event(item.event))


def _entry(entry: ThreadEntry) -> str:
    badge = f" {NOTE_BADGE}" if entry.kind == ThreadEntry.Kind.NOTE else ""
    return (
        f'<li class="entry entry-{escape(entry.kind)} card mb-2" id="entry-{entry.pk}">'
        '<div class="card-header py-1 small d-flex justify-content-between">'
        f"<span><strong>{escape(entry.author_name)}</strong> · "
        f"{escape(entry.get_kind_display())}{badge}</span> "
        f"{_timestamp(entry.created_at)}</div>"
        f'<div class="card-body py-2 entry-body">{entry.rendered_body()} '
        f"{_attachments(entry)}</div></li>"
    )


def _attachments(entry: ThreadEntry) -> str:
    files = entry.attachments.all()  # prefetched with the timeline
    if not files:
        return ""
    items = "".join(
        f'<li class="list-inline-item">'
        f'<a href="{escape(reverse("agents:attachment", args=[file.pk]))}">'
        f"📎 {escape(file.filename)}</a> "
        f'<span class="text-body-secondary">({escape(filesizeformat(file.size))})</span></li>'
        for file in files
    )
    return f'<ul class="list-inline small mb-0">{items}</ul>'


def _event(event: AuditEvent) -> str:
    change = ""
    if event.old_value or event.new_value:
        change = (
            f': <span class="from">{escape(event.old_value or "—")}</span> → '
            f'<span class="to">{escape(event.new_value or "—")}</span>'
        )
    note = ""
    if event.note:
        note = f'<div class="event-note">{linebreaksbr(event.note, autoescape=True)}</div>'
    return (
        f'<li class="event small event-{escape(event.kind)}">'
        f"{_timestamp(event.created_at)} "
        f"<strong>{escape(event.actor_name)}</strong> · "
        f"{escape(event.get_kind_display())}{change} {note}</li>"
    )
