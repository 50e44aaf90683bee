"""Model instances remembered from the desk's configuration (helpdesk.remembered
.remembered_copy): read once, then each caller gets a copy of its own."""

from collections import Counter

import pytest
from django.core.cache import cache
from pytest_django import Settings

from helpdesk import remembered
from helpdesk.remembered import remembered_copy
from tests.conftest import Cast
from tickets.models import Department


def read_departments() -> list[Department]:
    return list(Department.objects.order_by("pk"))


def names(departments: list[Department]) -> list[str]:
    return [department.name for department in departments]


def test_the_rows_are_read_once(cast: Cast, django_assert_num_queries) -> None:
    first = remembered_copy("test:departments", read_departments)

    with django_assert_num_queries(0):
        again = remembered_copy("test:departments", read_departments)

    assert names(again) == names(first)
    assert "SysAdmin" in names(again)


def test_a_caller_changing_its_copy_changes_nobody_elses(cast: Cast) -> None:
    mine = remembered_copy("test:departments", read_departments)
    mine[0].name = "Changed in one request"
    mine.clear()

    theirs = remembered_copy("test:departments", read_departments)

    assert theirs and "Changed in one request" not in names(theirs)


def test_nothing_found_is_remembered_too(cast: Cast, django_assert_num_queries) -> None:
    def missing() -> Department | None:
        return Department.objects.filter(name="No such department").first()

    assert remembered_copy("test:missing", missing) is None
    with django_assert_num_queries(0):
        assert remembered_copy("test:missing", missing) is None


def test_an_admins_change_is_read_at_once(cast: Cast) -> None:
    remembered_copy("test:departments", read_departments)

    cast.sysadmin.name = "Systems"
    cast.sysadmin.save()

    after = names(remembered_copy("test:departments", read_departments))
    assert "Systems" in after and "SysAdmin" not in after


def test_without_a_shared_cache_every_call_reads(
    cast: Cast, settings: Settings, django_assert_num_queries
) -> None:
    settings.HELPDESK_REMEMBER_CONFIGURATION = False
    remembered_copy("test:departments", read_departments)

    with django_assert_num_queries(1):
        remembered_copy("test:departments", read_departments)


def test_a_process_forgets_the_least_recently_read_first(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remembered._remembered, "size", 2)
    loads: Counter[str] = Counter()

    def read(name: str) -> str:
        loads[name] += 1
        return name

    for name in ("a", "b", "a", "c"):  # "a" read again: "b" is the least recent
        remembered.remembered(name, lambda name=name: read(name))
    # Only this process's memory is left to answer.
    cache.delete_many([f"config:{remembered.version()}:{name}" for name in "abc"])
    for name in "cab":  # the dropped one last: reading it again drops another
        remembered.remembered(name, lambda name=name: read(name))

    assert loads == {"a": 1, "b": 2, "c": 1}
