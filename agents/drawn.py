"""Pages drawn once for what they show, then served again while that stays the same.

An agent's queue is reloaded far more often than its 25 rows change, and drawing those rows
costs ten times the two queries that find them. A page is remembered under a digest of
everything it shows (the caller's `facts`: the address, the agent, the desk's configuration
version, each row's id, version and requester…), so a change to any of them draws it afresh:
nothing is ever served stale, and nothing needs forgetting. Pages are kept in this process
only (a new deployment starts empty, with its new templates) and only a few at a time.
The configuration's version must be the desk's, so this is on only with a shared cache
(HELPDESK_REMEMBER_CONFIGURATION), as remembered configuration is.

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

# A few agents' views and pages each: about 45 KB a page, so at most ~3 MB a process.
PAGES_KEPT = 64
# Where the token goes; random, so no text typed into a ticket can be mistaken for it.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"

_pages: Kept[str, str] = Kept(PAGES_KEPT)


def drawn(request: HttpRequest, facts: Hashable, draw: Callable[[str], str]) -> str:
    """The page for `facts`: remembered, or `draw(csrf_token)` now (and remembered when it
    can be). `facts` must name everything the page shows besides the CSRF token."""
    # A one-time notice ("Done: …") is no part of the facts.
    if not settings.HELPDESK_REMEMBER_CONFIGURATION or len(get_messages(request)):
        return draw(get_token(request))
    key = hashlib.sha256(repr(facts).encode()).hexdigest()
    page = _pages.get(key)
    if page is None:
        page = draw(CSRF_PLACEHOLDER)
        _pages.put(key, page)
    return page.replace(CSRF_PLACEHOLDER, get_token(request))


def forget_all() -> None:
    """Forget every page (tests start with none)."""
    _pages.clear()
