"""Personal access links: how a requester without an account reaches their ticket.

A link carries the ticket's id and its `access_generation`, signed with SECRET_KEY and
stamped with the time it was made. It is refused once it is older than
HELPDESK_ACCESS_LINK_MAX_AGE, if a byte was changed, or once the ticket's generation moved on
(`operations.revoke_access_links`). A ticket number alone is never a key.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from tickets.errors import TicketError
from tickets.models import Ticket

SALT = "tickets.access-link"


class AccessLinkRefused(TicketError):
    """The link was altered, has expired or was revoked; the message says which in plain words."""


def make_token(ticket: Ticket) -> str:
    """A signed, time-stamped token for the ticket's current generation of links."""
    return signing.dumps([ticket.pk, ticket.access_generation], salt=SALT)


# What a link may ask the portal to offer once it opens the ticket: the resolution notice's
# "confirm the fix" and "not fixed, reopen" buttons. Opening never changes the ticket itself.
INTENTS = ("confirm", "reopen")


def link_for(ticket: Ticket, *, then: str = "") -> str:
    """The absolute URL of the requester's personal link, for emails; `then` (one of INTENTS)
    takes them to that action's form on the ticket page."""
    path = reverse("portal:access_link", kwargs={"token": make_token(ticket)})
    if then:
        if then not in INTENTS:
            raise ValueError(f"Unknown access link intent {then!r}.")
        path = f"{path}?then={then}"
    return f"{settings.SITE_URL}{path}"


def ticket_for_token(token: str) -> Ticket:
    """The ticket a token opens; `AccessLinkRefused` if it is tampered, expired or revoked."""
    try:
        ticket_id, generation = signing.loads(
            token, salt=SALT, max_age=settings.HELPDESK_ACCESS_LINK_MAX_AGE
        )
    except signing.SignatureExpired:
        raise AccessLinkRefused(
            "This link has expired. Ask for a new one with your email and ticket number."
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise AccessLinkRefused(
            "This link is not valid. Check that you copied all of it, or ask for a new one."
        ) from None
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.access_generation != generation:
        raise AccessLinkRefused(
            "This link is no longer valid. Ask for a new one with your email and ticket number."
        )
    return ticket
