"""Pages drawn once for what they show, then served again while that stays the same.

An agent's queue is reloaded far more often than its 25 rows change, and drawing those rows
costs ten times the two queries that find them. A page is remembered under a digest of
everything it shows (the caller's `facts`: the address, the agent, the desk's configuration
version, each row's id, version and requester…), so a change to any of them draws it afresh:
nothing is ever served stale, and nothing needs forgetting. Pages are kept in this process
only (a new deployment starts empty, with its new templates) and only a few at a time.
The configuration's version must be the desk's, so this is on only with a shared cache
(HELPDESK_REMEMBER_CONFIGURATION), as remembered configuration is. A page may also be put
together from parts remembered on their own facts (`part`): the queue's frame (tabs, filters,
bulk form) stays the same while its rows change.

The CSRF token is per browser and must never be served to another: pages are drawn with a
placeholder where the token goes, and each answer gets its own request's token.
"""

import hashlib
import secrets
from collections.abc import Callable, Hashable

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.middleware.csrf import get_token

from helpdesk.kept import Kept

# A few agents' views and pages each, and their frames: about 45 KB each, so at most ~6 MB
# a process.
PAGES_KEPT = 128
# Where the token goes; random, so no text typed into a ticket can be mistaken for it.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"

_pages: Kept[str, str] = Kept(PAGES_KEPT)


def drawn(request: HttpRequest, facts: Hashable, draw: Callable[[str], str]) -> str:
    """The page for `facts`: remembered, or `draw(csrf_token)` now (and remembered when it
    can be, in which case `draw` is given `CSRF_PLACEHOLDER`). `facts` must name everything
    the page shows besides the CSRF token."""
    if not _remembering(request):
        return draw(get_token(request))
    page = part(("page", facts), lambda: draw(CSRF_PLACEHOLDER))
    return page.replace(CSRF_PLACEHOLDER, get_token(request))


def _remembering(request: HttpRequest) -> bool:
    """Whether this request's pages are remembered: only with a shared cache (see above),
    and not while a one-time notice ("Done: …"), which no facts name, is to be shown."""
    return settings.HELPDESK_REMEMBER_CONFIGURATION and not len(get_messages(request))


def part(facts: Hashable, draw: Callable[[], str]) -> str:
    """`draw()`, remembered for `facts` as pages are: a piece of a page that stays the same
    while the rest changes, drawn with `CSRF_PLACEHOLDER` where the token goes. Use it only
    while drawing a page that is to be remembered (given `CSRF_PLACEHOLDER` by `drawn`)."""
    key = hashlib.sha256(repr(facts).encode()).hexdigest()
    text = _pages.get(key)
    if text is None:
        text = draw()
        _pages.put(key, text)
    return text


def forget_all() -> None:
    """Forget every page (tests start with none)."""
    _pages.clear()
