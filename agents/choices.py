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
from django.db.models.expressions import Col
from django.db.models.lookups import Lookup
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.db.models.sql import Query
from django.db.models.sql.where import WhereNode
from django.forms.models import ModelChoiceIterator

OPTIONS_TTL = 600
VERSION_KEY = "agents:options:version"


def options_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, timeout=None)
    return version


# Saved on every sign-in, and shown in no option list: not a reason to forget them all.
UNSHOWN_FIELDS = frozenset({"last_login"})


def forget_options(*, update_fields: frozenset[str] | None = None, **_signal: Any) -> None:
    """Any change to the desk's configuration makes every cached option list stale."""
    if update_fields and update_fields <= UNSHOWN_FIELDS:
        return
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
    """The field's options as (pk, label) pairs, from `CachedModelChoiceField.options`."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        return iter(self.field.options())

    def __len__(self) -> int:
        return len(self.field.options())

    def __bool__(self) -> bool:
        return bool(self.field.options())


class CachedModelChoiceField(forms.ModelChoiceField):
    iterator = CachedChoiceIterator
    _options: list[tuple[str, str]] | None = None

    def _set_queryset(self, queryset: Any) -> None:
        super()._set_queryset(queryset)
        self._options = None

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def options(self) -> list[tuple[str, str]]:
        """Read once per form (a page iterates, counts and tests them several times), from
        the cache when another request has read them."""
        if self._options is None:
            self._options = self._read_options()
        return self._options

    def _read_options(self) -> list[tuple[str, str]]:
        query = self.queryset.query
        if query.is_empty():
            return [("", self.empty_label)] if self.empty_label is not None else []
        description = fingerprint(query) or repr(query.sql_with_params())
        digest = hashlib.sha256(f"{description}|{self.empty_label}".encode()).hexdigest()
        key = f"agents:options:{options_version()}:{digest}"
        options = cache.get(key)
        if options is None:
            options = [(str(value), label) for value, label in ModelChoiceIterator(self)]
            cache.set(key, options, OPTIONS_TTL)
        return options


PLAIN = (str, int, bool, type(None))


def fingerprint(query: Query) -> str | None:
    """What a simple query (filters on plain values, ordering, joins) asks for, read off the
    query without compiling its SQL, which cost more than drawing the options; None for
    anything else (a subquery, an annotation), whose SQL then names it."""
    where = _conditions(query.where)
    if where is None or query.annotations or query.extra or query.combinator:
        return None
    return repr(
        (
            query.model._meta.label,
            where,
            tuple(query.alias_map),
            query.order_by,
            query.select_related,
            query.distinct,
            query.low_mark,
            query.high_mark,
            query.deferred_loading,
        )
    )


def _conditions(node: WhereNode) -> tuple[Any, ...] | None:
    parts: list[Any] = []
    for child in node.children:
        if isinstance(child, WhereNode):
            part = _conditions(child)
        elif isinstance(child, Lookup) and isinstance(child.lhs, Col) and _plain(child.rhs):
            part = (child.lookup_name, child.lhs.alias, child.lhs.target.column, child.rhs)
        else:
            part = None
        if part is None:
            return None
        parts.append(part)
    return (node.connector, node.negated, tuple(parts))


def _plain(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(isinstance(item, PLAIN) for item in value)
    return isinstance(value, PLAIN)
