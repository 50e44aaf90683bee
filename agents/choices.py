"""Select boxes whose options come from the cache.

The queue and the ticket page draw a dozen select boxes (departments, topics, priorities,
agents, teams, SLA plans) on every request, and those lists change only when an admin edits the
desk. Reading each from the database cost the queue page nine of its fourteen queries. Options
are remembered (helpdesk.remembered) under the SQL of the field's queryset, so a list narrowed
per agent or department gets its own entry. Validation is untouched: a submitted value is
still looked up in the database, except a queue filter's (`FilterChoiceField`).
"""

import hashlib
from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.expressions import Col
from django.db.models.lookups import Lookup
from django.db.models.sql import Query
from django.db.models.sql.where import WhereNode
from django.forms.models import ModelChoiceIterator

from helpdesk.remembered import remembered


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
        return remembered(
            f"options:{digest}",
            lambda: [(str(value), label) for value, label in ModelChoiceIterator(self)],
        )


class FilterChoiceField(CachedModelChoiceField):
    """A queue filter: the chosen option is checked against the options shown and given as
    its primary key. Narrowing a list needs no instance, and reading it cost a filtered
    queue a query a filter; a value refused here is refused as Django's field would."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if not any(str(value) == option for option, _label in self.options() if option):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return int(value)


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
