"""Select boxes whose options come from the cache.

The queue and the ticket page draw a dozen select boxes (departments, topics, priorities,
agents, teams, SLA plans) on every request, and those lists change only when an admin edits the
desk. Reading each from the database cost the queue page nine of its fourteen queries. Options
are cached under the SQL of the field's queryset (so a list narrowed per agent or department
gets its own entry) and a version that any change to the models behind them bumps. Validation
is untouched: a submitted value is still looked up in the database.
"""

import hashlib
from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.cache import cache
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.forms.models import ModelChoiceIterator

OPTIONS_TTL = 600
VERSION_KEY = "agents:options:version"


def options_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, timeout=None)
    return version


def forget_options(**_signal: Any) -> None:
    """Any change to the desk's configuration makes every cached option list stale."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # never read yet, or evicted: the next read starts a new version
        cache.delete(VERSION_KEY)


def watch(*senders: type[models.Model]) -> None:
    """Forget the cached options whenever one of `senders`, or one of its many-to-many, changes."""
    for sender in senders:
        post_save.connect(forget_options, sender=sender, dispatch_uid=f"options-{sender}")
        post_delete.connect(forget_options, sender=sender, dispatch_uid=f"options-del-{sender}")
        for field in sender._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(forget_options, sender=through, dispatch_uid=f"options-{through}")


class CachedChoiceIterator(ModelChoiceIterator):
    """The options as (pk, label) pairs, read from the cache when another request has them."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.queryset.query.is_empty():
            return iter(super().__iter__())
        sql, params = self.queryset.query.sql_with_params()
        digest = hashlib.sha256(f"{sql}|{params}|{self.field.empty_label}".encode()).hexdigest()
        key = f"agents:options:{options_version()}:{digest}"
        options = cache.get(key)
        if options is None:
            options = [(str(value), label) for value, label in super().__iter__()]
            cache.set(key, options, OPTIONS_TTL)
        return iter(options)

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or len(self) > 0


class CachedModelChoiceField(forms.ModelChoiceField):
    iterator = CachedChoiceIterator
