"""Reads of tickets for the requester's side (portal, and later the API): visibility lives here."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from tickets.models import Attachment, AuditEvent, Contact, ThreadEntry, Ticket

# What a requester calls "open": we are still working on it or waiting for them.
REQUESTER_FILTERS: dict[str, Q] = {
    "all": Q(),
    "open": Q(status__in=Ticket.ACTIVE_STATUSES),
    "closed": Q(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED]),
}


def tickets_of(contact: Contact, status: str = "all") -> QuerySet[Ticket]:
    """The requester's tickets, most recently updated first; `status` is all/open/closed."""
    return (
        Ticket.objects.filter(REQUESTER_FILTERS.get(status, Q()), requester=contact)
        .select_related("topic")
        .order_by("-updated_at", "-pk")
    )


def active_ticket_count(requester: Contact) -> int:
    """How many tickets this requester has open or awaiting them (for the per-email cap)."""
    return Ticket.objects.filter(requester=requester, status__in=Ticket.ACTIVE_STATUSES).count()


@dataclass(frozen=True)
class TimelineItem:
    """One line of what the requester sees: a message/reply, or a public status change."""

    at: datetime
    entry: ThreadEntry | None = None
    event: AuditEvent | None = None


def public_timeline(ticket: Ticket) -> list[TimelineItem]:
    """The requester's view of the thread: messages, agent replies with their attachments,
    and public status changes, oldest first. Never internal notes or internal events.

    Three queries whatever the thread's length.
    """
    entries = (
        ThreadEntry.objects.filter(ticket=ticket)
        .exclude(kind=ThreadEntry.Kind.NOTE)
        .prefetch_related("attachments")
    )
    events = AuditEvent.objects.filter(ticket=ticket, is_public=True)
    items = [TimelineItem(at=entry.created_at, entry=entry) for entry in entries]
    items += [TimelineItem(at=event.created_at, event=event) for event in events]
    # Stable sort: at the same instant a message comes before the status change it caused.
    return sorted(items, key=lambda item: item.at)


def public_attachment(ticket: Ticket, attachment_id: int) -> Attachment | None:
    """The attachment if it belongs to a post of this ticket the requester may see."""
    return (
        Attachment.objects.filter(pk=attachment_id, entry__ticket=ticket)
        .exclude(entry__kind=ThreadEntry.Kind.NOTE)
        .first()
    )


def opened_with_key(idempotency_key: str) -> bool:
    """Whether a ticket was already opened with this key (the submit is a repeat)."""
    return Ticket.objects.filter(idempotency_key=idempotency_key).exists()
