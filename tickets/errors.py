"""Domain errors: their message is written for the person who tried, so faces can show it."""


class TicketError(Exception):
    """A ticket operation was refused; `str(error)` says why in plain words."""


class InvalidTransition(TicketError):
    """The ticket's status does not allow it (closing a closed ticket, replying to a closed one)."""


class StaleTicket(TicketError):
    """Someone changed the ticket after the form was drawn; nothing was saved."""

    def __init__(self, number: str, expected: int, current: int, changes: list[str]) -> None:
        self.expected, self.current, self.changes = expected, current, changes
        summary = "; ".join(changes) or "it was updated"
        super().__init__(
            f"Ticket #{number} changed while you were working on it ({summary}). "
            "Nothing was saved: review the ticket and try again."
        )


class AuditTrailIsAppendOnly(Exception):
    """Audit events are never changed or deleted; this is a programming error, not user input."""


class PageNotDelivered(Exception):
    """The on-call webhook did not take a page this time; the task retries it."""
