"""Select boxes drawn from cached options (agents.choices): no queries once cached, fresh
after an admin's change, and a submitted value is still checked against the database."""

import pytest
from django.core.exceptions import ValidationError

from agents.choices import CachedModelChoiceField
from agents.forms import QueueForm
from tests.conftest import Cast
from tickets.models import Department


def options(field: CachedModelChoiceField) -> list[tuple[str, str]]:
    return [(str(value), label) for value, label in field.choices]


def active_departments() -> CachedModelChoiceField:
    return CachedModelChoiceField(Department.objects.filter(is_active=True).order_by("name"))


def test_options_come_from_the_cache_once_read(
    cast: Cast, django_assert_num_queries: object
) -> None:
    first = options(active_departments())

    with django_assert_num_queries(0):  # type: ignore[operator]
        again = options(active_departments())

    assert again == first
    assert (str(cast.sysadmin.pk), "SysAdmin") in first


def test_an_admins_change_shows_at_once(cast: Cast) -> None:
    options(active_departments())

    Department.objects.create(name="Facilities")
    cast.sysadmin.name = "Systems"
    cast.sysadmin.save()

    labels = [label for _value, label in options(active_departments())]
    assert "Facilities" in labels and "Systems" in labels and "SysAdmin" not in labels


def test_a_submitted_value_is_still_checked_against_the_database(cast: Cast) -> None:
    field = active_departments()
    options(field)
    # Behind the cache's back (no signal): the cached list still offers it...
    Department.objects.filter(pk=cast.sysadmin.pk).update(is_active=False)
    assert str(cast.sysadmin.pk) in dict(options(active_departments()))

    # ...but the form refuses it.
    with pytest.raises(ValidationError):
        field.clean(str(cast.sysadmin.pk))


def test_lists_narrowed_differently_are_cached_apart(cast: Cast) -> None:
    everything = options(active_departments())
    desk_only = CachedModelChoiceField(Department.objects.filter(pk=cast.service_desk.pk))

    assert options(desk_only) == [("", "---------"), (str(cast.service_desk.pk), "Service Desk")]
    assert len(everything) > len(options(desk_only))


def test_the_queue_form_draws_the_chosen_filter_as_selected(cast: Cast) -> None:
    QueueForm({}).as_div()  # caches the options

    html = QueueForm({"department": str(cast.sysadmin.pk)}).as_div()

    assert f'<option value="{cast.sysadmin.pk}" selected>SysAdmin</option>' in html
