"""Which tickets a browser may see without signing in: those whose access link it followed or
that it opened, for the ticket's current link generation.

The grants live in a cookie signed with the secret key, not in the session: a guest who opens
a ticket then costs the database no session row (a second transaction and disk flush per
ticket, and a row per guest left for `clearsessions`). A signed cookie cannot be made or
changed without the key; copied, it gives no more than the session cookie it replaces would.
Revoking a ticket's links raises its generation, which shuts out every browser at once.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from tickets.models import Ticket

COOKIE = "helpdesk_ticket_access"
SALT = "portal.grants"
# The newest grants kept, so the cookie stays small; an older ticket needs its link again.
KEPT = 20


def granted(request: HttpRequest) -> dict[int, int]:
    """This browser's grants, ticket id → link generation (none if the cookie is missing,
    forged or older than a session may be). Only `give` signs with this salt, so a value
    that passes the signature check is in its format."""
    value = request.get_signed_cookie(
        COOKIE, default="", salt=SALT, max_age=settings.SESSION_COOKIE_AGE
    )
    return dict(_pair(item) for item in value.split(",") if item)


def may_see(request: HttpRequest, ticket: Ticket) -> bool:
    """Whether this browser holds a grant for the ticket's current links."""
    return granted(request).get(ticket.pk) == ticket.access_generation


def give(request: HttpRequest, response: HttpResponse, ticket: Ticket) -> None:
    """Let this browser see the ticket (on `response`) until its links are revoked or the
    cookie ages out like a session."""
    grants = granted(request)
    grants.pop(ticket.pk, None)  # re-granted: now the newest
    grants[ticket.pk] = ticket.access_generation
    newest = list(grants.items())[-KEPT:]
    response.set_signed_cookie(
        COOKIE,
        ",".join(f"{pk}.{generation}" for pk, generation in newest),
        salt=SALT,
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def forget(response: HttpResponse) -> None:
    """Drop every grant (signing out ends them, as it ends the session)."""
    response.delete_cookie(COOKIE, samesite=settings.SESSION_COOKIE_SAMESITE)


def _pair(item: str) -> tuple[int, int]:
    pk, generation = item.split(".")
    return int(pk), int(generation)
