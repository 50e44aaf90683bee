"""What is read from the desk's configuration, remembered between requests.

Help topics, departments, priorities, agents, SLA plans and calendars, email templates: most
requests read some of them, and they change only when an admin edits the desk. What is read
from them (plain values, or model instances of which each caller gets a fresh copy, to change
as it likes) is kept in the shared cache and in each process's memory, under a version that
any change to a watched model bumps. A request reads the version once; outside a request (a
worker, a shell) every reading asks the cache. A new version starts from the clock, so a
version lost with the cache (evicted, flushed) never comes back to name what a process still
remembers.

A change made behind the models' backs (`QuerySet.update`, SQL) is not seen until something
watched is saved or the entries expire (SHARED_TTL, in the cache and in each process).
"""

import pickle
import time
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.local import Local
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from helpdesk.kept import Kept

T = TypeVar("T")

VERSION_KEY = "config:version"
SHARED_TTL = 600
# Entries one process keeps, the least recently read dropped first: a few dozen lists are
# in use at a time, and one signed-in user each (see agents.backends).
REMEMBERED_ENTRIES = 1024
# Saved on every sign-in, and shown nowhere the configuration is: no reason to forget it all.
UNSHOWN_FIELDS = frozenset({"last_login"})

_request = Local()  # this request's reading of the version (per thread or task)
_remembered: Kept[str, tuple[float, Any]] = Kept(REMEMBERED_ENTRIES)  # key → (expiry, value)


def remembered(name: str, load: Callable[[], T]) -> T:
    """`load()` as of the current version: from this process, else the cache, else `load`
    (always `load` without a shared cache: HELPDESK_REMEMBER_CONFIGURATION)."""
    if not settings.HELPDESK_REMEMBER_CONFIGURATION:
        return load()
    key = f"config:{version()}:{name}"
    expires, value = _remembered.get(key) or (0.0, None)
    if value is None or expires < time.monotonic():
        value = cache.get(key)
        if value is None:
            value = load()
            cache.set(key, value, SHARED_TTL)
        # Old versions' entries, never read again, are the first to go.
        _remembered.put(key, (time.monotonic() + SHARED_TTL, value))
    return value


def remembered_copy(name: str, load: Callable[[], T]) -> T:
    """`remembered` for model instances: what is remembered is their pickled form, and each
    caller unpickles its own copy, so no request sees another's changes to them."""
    if not settings.HELPDESK_REMEMBER_CONFIGURATION:
        return load()
    pickled = remembered(name, lambda: pickle.dumps(load(), pickle.HIGHEST_PROTOCOL))
    # Our own bytes, from our own cache (which Django's cache backend unpickles anyway).
    return pickle.loads(pickled)  # noqa: S301


def clear_process_memory() -> None:
    """Drop what this process keeps, not what the cache does (each test starts with none:
    entries of earlier tests' versions would fill it)."""
    _remembered.clear()


def version() -> int:
    """The current version: read from the cache once per request, every time outside one."""
    current = getattr(_request, "version", None)
    if current is None:
        current = _shared_version()
        if getattr(_request, "serving", False):
            _request.version = current
    return current


def _shared_version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, time.time_ns() // 1000, timeout=None)
        current = cache.get(VERSION_KEY)
    return current


def forget(*, update_fields: frozenset[str] | None = None, **_signal: Any) -> None:
    """Any change to the desk's configuration makes everything remembered stale."""
    if update_fields and update_fields <= UNSHOWN_FIELDS:
        return
    _new_version()  # the rest of this transaction reads the change
    # ...and once it commits, everyone: another request may have read the old rows under
    # the version bumped above before the change was visible to it.
    transaction.on_commit(_new_version, robust=True)


def _new_version() -> None:
    _request.version = None
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # never read yet, or evicted: the next reading starts a new version
        cache.delete(VERSION_KEY)


def watch(*senders: type[models.Model]) -> None:
    """Forget everything whenever one of `senders`, or one of its many-to-many, changes."""
    for sender in senders:
        post_save.connect(forget, sender=sender, dispatch_uid=f"config-{sender}")
        post_delete.connect(forget, sender=sender, dispatch_uid=f"config-del-{sender}")
        for field in sender._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(forget, sender=through, dispatch_uid=f"config-{through}")


def _start_request(**_signal: Any) -> None:
    _request.serving, _request.version = True, None


def _end_request(**_signal: Any) -> None:
    _request.serving, _request.version = False, None


request_started.connect(_start_request, dispatch_uid="config-request-started")
request_finished.connect(_end_request, dispatch_uid="config-request-finished")
