"""Small display helpers for the agent panel's templates."""

from django import template

from tickets.models import Priority
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
