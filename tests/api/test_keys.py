"""API keys: hashed secrets, rotation with or without a grace period, expiry, last use,
and managing them in Django admin (the secret is shown once)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from api import keys
from api.models import ApiKey
from tests.api.conftest import LOCAL, MakeKey
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_secret_is_stored(create_key: str) -> None:
    key = ApiKey.objects.get()
    assert create_key.startswith(f"hd_{key.prefix}_")
    assert create_key not in (key.key_hash, key.prefix)
    assert keys.authenticate(create_key, "127.0.0.1") == key


def test_rotating_at_once_stops_the_old_secret(create_key: str) -> None:
    key = ApiKey.objects.get()
    new = keys.rotate(key, grace=timedelta(0), now=timezone.now())

    assert keys.authenticate(new, "127.0.0.1") == key
    with pytest.raises(keys.KeyRefused, match="rotated and no longer works"):
        keys.authenticate(create_key, "127.0.0.1")


def test_rotating_with_grace_keeps_the_old_secret_working_until_it_ends(create_key: str) -> None:
    key = ApiKey.objects.get()
    new = keys.rotate(key, grace=timedelta(hours=24), now=timezone.now())

    assert keys.authenticate(create_key, "127.0.0.1") == key
    assert keys.authenticate(new, "127.0.0.1") == key
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        with pytest.raises(keys.KeyRefused, match="rotated and no longer works"):
            keys.authenticate(create_key, "127.0.0.1")
        assert keys.authenticate(new, "127.0.0.1") == key


def test_a_second_rotation_forgets_the_first_secret(create_key: str) -> None:
    key = ApiKey.objects.get()
    second = keys.rotate(key, grace=timedelta(hours=24), now=timezone.now())
    keys.rotate(key, grace=timedelta(hours=24), now=timezone.now())
    with pytest.raises(keys.KeyRefused):
        keys.authenticate(create_key, "127.0.0.1")
    assert keys.authenticate(second, "127.0.0.1") == key


def test_an_expired_key_is_refused(make_key: MakeKey) -> None:
    secret = make_key("Temp", expires_at=timezone.now() + timedelta(days=1))
    assert keys.authenticate(secret, "127.0.0.1")
    with (
        time_machine.travel(timezone.now() + timedelta(days=2), tick=False),
        pytest.raises(keys.KeyRefused, match="inactive or has expired"),
    ):
        keys.authenticate(secret, "127.0.0.1")


def test_a_key_whose_agent_left_is_refused(make_key: MakeKey, cast: Cast) -> None:
    secret = make_key("Alex's script", agent=cast.tier1)
    cast.tier1.user.is_active = False
    cast.tier1.user.save(update_fields=["is_active"])
    with pytest.raises(keys.KeyRefused, match="inactive"):
        keys.authenticate(secret, "127.0.0.1")


def test_last_use_is_written_once_per_few_minutes_or_on_a_new_address(
    create_key: str, django_assert_num_queries: object
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        keys.authenticate(create_key, "127.0.0.1")
    key = ApiKey.objects.get()
    assert (key.last_used_at, key.last_used_ip) == (start, "127.0.0.1")

    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        with django_assert_num_queries(1):  # the look-up only: no write
            keys.authenticate(create_key, "127.0.0.1")
        keys.authenticate(create_key, "127.0.0.2")
    assert ApiKey.objects.get().last_used_ip == "127.0.0.2"

    later = start + keys.LAST_USED_RESOLUTION + timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        keys.authenticate(create_key, "127.0.0.2")
    assert ApiKey.objects.get().last_used_at == later


# ---------------------------------------------------------------------------------------------
# Django admin


@pytest.fixture
def admin_client_(cast: Cast) -> Client:
    cast.admin.user.is_staff = True
    cast.admin.user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(cast.admin.user)
    return client


def add_form(**fields: object) -> dict[str, object]:
    form = {"name": "Monitoring", "allowed_networks": LOCAL, "can_create_tickets": "on",
            "is_active": "on"}  # fmt: skip
    form.update(fields)
    return form


def test_adding_a_key_in_admin_shows_its_secret_once(admin_client_: Client) -> None:
    response = admin_client_.post("/admin/api/apikey/add/", add_form())

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    key = ApiKey.objects.get()
    secret = page.split("<code>", 1)[1].split("</code>", 1)[0]
    assert secret.startswith(f"hd_{key.prefix}_")
    assert keys.authenticate(secret, "127.0.0.1") == key
    change_page = admin_client_.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert secret not in change_page


def test_admin_refuses_bad_networks_with_a_clear_message(admin_client_: Client) -> None:
    response = admin_client_.post("/admin/api/apikey/add/", add_form(allowed_networks="10.0.0.1/8"))
    assert response.status_code == 200
    assert "did you mean 10.0.0.0/8?" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_admin_requires_an_agent_for_read_and_write(admin_client_: Client) -> None:
    response = admin_client_.post("/admin/api/apikey/add/", add_form(can_read="on"))
    assert "Reading and writing act as an agent" in response.content.decode()
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("action", "old_still_works"), [("rotate_now", False), ("rotate_with_grace", True)]
)
def test_rotating_in_admin_shows_the_new_secret(
    admin_client_: Client, create_key: str, action: str, old_still_works: bool
) -> None:
    key = ApiKey.objects.get()
    response = admin_client_.post(
        "/admin/api/apikey/", {"action": action, "_selected_action": [key.pk]}
    )

    page = response.content.decode()
    new = page.split("<code>", 1)[1].split("</code>", 1)[0]
    assert keys.authenticate(new, "127.0.0.1") == key
    try:
        keys.authenticate(create_key, "127.0.0.1")
        worked = True
    except keys.KeyRefused:
        worked = False
    assert worked is old_still_works
