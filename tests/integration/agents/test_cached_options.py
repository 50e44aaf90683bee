"""Select boxes drawn from cached options (agents.choices): no queries once cached, fresh
after an admin's change, and a submitted value is still checked against the database (a
queue filter's against the options shown)."""

import pytest
from django.contrib.auth.models import update_last_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries, Settings

from agents.choices import CachedModelChoiceField, fingerprint
from agents.forms import BulkForm, QueueForm
from agents.views_ticket import ACTIONS
from helpdesk.remembered import VERSION_KEY
from tests.conftest import Cast, OpenTicket
from tests.integration.agents.conftest import client_for
from tickets.models import Agent, Department


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


def test_signing_in_keeps_the_cached_options(cast: Cast, django_assert_num_queries) -> None:
    options(active_departments())

    update_last_login(None, cast.tier1.user)

    with django_assert_num_queries(0):
        options(active_departments())


def test_a_submitted_value_is_still_checked_against_the_database(cast: Cast) -> None:
    field = active_departments()
    options(field)
    # Behind the cache's back (no signal): the cached list still offers it...
    Department.objects.filter(pk=cast.sysadmin.pk).update(is_active=False)
    assert str(cast.sysadmin.pk) in dict(options(active_departments()))

    # ...but the form refuses it.
    with pytest.raises(ValidationError):
        field.clean(str(cast.sysadmin.pk))


def test_a_queue_filter_is_checked_against_the_options_shown_without_a_query(
    cast: Cast, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    QueueForm({}).as_div()  # caches the options

    with django_assert_num_queries(0):
        form = QueueForm({"priority": str(cast.p2.pk), "department": "99999", "assignee": "²"})
        lookups = form.lookups()

    assert lookups == {"priority": cast.p2.pk}
    assert set(form.errors) == {"department", "assignee"}
    assert "Select a valid choice" in form.errors["department"][0]


def test_lists_narrowed_differently_are_cached_apart(cast: Cast) -> None:
    everything = options(active_departments())
    desk_only = CachedModelChoiceField(Department.objects.filter(pk=cast.service_desk.pk))

    assert options(desk_only) == [("", "---------"), (str(cast.service_desk.pk), "Service Desk")]
    assert len(everything) > len(options(desk_only))


def test_the_queue_form_draws_the_chosen_filter_as_selected(cast: Cast) -> None:
    QueueForm({}).as_div()  # caches the options

    html = QueueForm({"department": str(cast.sysadmin.pk)}).as_div()

    assert f'<option value="{cast.sysadmin.pk}" selected>SysAdmin</option>' in html


def test_simple_lists_are_named_without_compiling_sql_and_subqueries_by_their_sql(
    cast: Cast,
) -> None:
    one = fingerprint(Department.objects.filter(pk=cast.service_desk.pk).query)
    other = fingerprint(Department.objects.filter(pk=cast.sysadmin.pk).query)
    managed = Department.objects.filter(pk__in=Agent.objects.filter(is_manager=True).values("pk"))

    assert one is not None and other is not None and one != other
    assert fingerprint(Department.objects.filter(pk=cast.service_desk.pk).query) == one
    assert fingerprint(managed.query) is None


def test_every_select_of_the_panel_is_named_cheaply(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()
    page_forms = [QueueForm({}), BulkForm()] + [
        action.form(ticket=ticket, agent=cast.tier1) for action in ACTIONS.values()
    ]
    fields = [
        field
        for form in page_forms
        for field in form.fields.values()
        if isinstance(field, CachedModelChoiceField)
    ]

    assert len(fields) >= 10
    assert all(fingerprint(field.queryset.query) for field in fields)


def test_a_page_reads_the_options_version_once(
    cast: Cast, open_ticket: OpenTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = open_ticket()
    client = client_for(cast.tier1)
    client.get(reverse("agents:ticket", args=[ticket.number]))  # lists read and remembered
    readings: list[str] = []
    original_get = cache.get

    def counting_get(key: str, *args: object, **kwargs: object) -> object:
        readings.append(key)
        return original_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", counting_get)
    for _page in range(2):
        page = client.get(reverse("agents:ticket", args=[ticket.number]))
        assert page.status_code == 200

    # A dozen select boxes a page; one reading of the version each, no list from the cache.
    assert [key for key in readings if key.startswith("config:")] == [VERSION_KEY] * 2


def test_a_lost_version_never_brings_back_remembered_lists(cast: Cast) -> None:
    before = options(active_departments())
    # Behind the cache's back, then the cache is lost (flushed, evicted, restarted).
    Department.objects.filter(pk=cast.sysadmin.pk).update(name="Systems")
    cache.clear()

    after = options(active_departments())

    assert (str(cast.sysadmin.pk), "SysAdmin") in before
    assert (str(cast.sysadmin.pk), "Systems") in after


def test_without_a_shared_cache_nothing_is_remembered(
    cast: Cast, settings: Settings, django_assert_num_queries
) -> None:
    settings.HELPDESK_REMEMBER_CONFIGURATION = False  # each process its own cache: stale
    options(active_departments())

    with django_assert_num_queries(1):
        options(active_departments())
