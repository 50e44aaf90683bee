"""Agents sign in on their own page; customers and deactivated accounts are told why not."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import Cast

User = get_user_model()


PASSWORD = "test-password"


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> object:
    return client.post(
        reverse("agents:login"), {"username": username, "password": password, **extra}
    )


def test_an_agent_signs_in_and_lands_on_the_queue(cast: Cast, client: Client) -> None:
    response = sign_in(client, "alex")

    assert response.status_code == 302
    assert response["Location"] == reverse("agents:queue")
    assert client.get(reverse("agents:queue")).status_code == 200


def test_signing_in_returns_to_the_page_asked_for(cast: Cast, client: Client) -> None:
    asked = reverse("agents:queue") + "?view=mine"
    redirect_to_sign_in = client.get(asked)

    response = sign_in(client, "alex", next=asked)

    assert (
        redirect_to_sign_in["Location"] == f"{reverse('agents:login')}?next=/agents/%3Fview%3Dmine"
    )
    assert response["Location"] == asked


def test_a_customer_is_refused_with_a_clear_message(cast: Cast, client: Client) -> None:
    User.objects.create_user("jordan", password="test-password")

    response = sign_in(client, "jordan")

    assert response.status_code == 200
    assert "This area is for help desk staff" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_deactivated_agent_is_told_so(cast: Cast, client: Client) -> None:
    cast.tier1.user.is_active = False
    cast.tier1.user.save()

    response = sign_in(client, "alex")

    assert "This account has been deactivated" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(("username", "password"), [("alex", "wrong"), ("nobody", "x")])
def test_a_wrong_password_says_nothing_about_the_account(
    cast: Cast, client: Client, username: str, password: str
) -> None:
    response = sign_in(client, username, password)

    page = response.content.decode()
    assert "Please enter a correct username and password" in page
    assert "deactivated" not in page


def test_signing_out_ends_the_session(cast: Cast, client: Client) -> None:
    client.force_login(cast.tier1.user)

    response = client.post(reverse("agents:logout"))

    assert response["Location"] == reverse("agents:login")
    assert client.get(reverse("agents:queue")).status_code == 302


def test_the_profile_shows_departments_and_workload(cast: Cast, client: Client) -> None:
    client.force_login(cast.manager.user)

    page = client.get(reverse("agents:profile")).content.decode()

    assert "Sam Okafor" in page and "Service Desk" in page
    assert "Manager: also sees the tickets of your departments" in page


def who_is_signed_in(client: Client) -> list[str]:
    """The statements an agent page sent to read the user or the agent, or the session."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("agents:profile")).status_code == 200
    who = ('FROM "auth_user"', 'FROM "tickets_agent"', "django_session")
    return [query["sql"] for query in queries if any(table in query["sql"] for table in who)]


def test_a_signed_in_agent_is_read_once_then_remembered(cast: Cast, client: Client) -> None:
    assert sign_in(client, "alex").status_code == 302

    first = who_is_signed_in(client)  # the session is cached since the sign-in

    assert len(first) == 1 and '"tickets_agent"' in first[0] and '"auth_user"' in first[0]
    assert who_is_signed_in(client) == []


def test_a_deactivated_agent_is_signed_out_at_once(cast: Cast, client: Client) -> None:
    client.force_login(cast.tier1.user)
    who_is_signed_in(client)  # remembered

    cast.tier1.user.is_active = False
    cast.tier1.user.save()

    assert client.get(reverse("agents:queue")).status_code == 302


def test_a_password_changed_elsewhere_signs_other_browsers_out_at_once(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.tier1.user)
    who_is_signed_in(client)

    cast.tier1.user.set_password("a-new-password-1")
    cast.tier1.user.save()

    assert client.get(reverse("agents:queue")).status_code == 302


def test_an_agent_made_manager_sees_it_at_once(cast: Cast, client: Client) -> None:
    client.force_login(cast.tier1.user)
    who_is_signed_in(client)

    cast.tier1.is_manager = True
    cast.tier1.save()

    page = client.get(reverse("agents:profile")).content.decode()
    assert "Manager: also sees the tickets of your departments" in page


def test_a_remembered_agent_never_writes_back_an_older_sign_in_time(
    cast: Cast, client: Client
) -> None:
    # Remembered at one sign-in, then signed in again elsewhere (which forgets nothing).
    assert sign_in(client, "alex").status_code == 302
    who_is_signed_in(client)
    assert sign_in(Client(), "alex").status_code == 302
    cast.tier1.user.refresh_from_db()
    latest = cast.tier1.user.last_login

    changed = client.post(
        reverse("agents:password"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-password-1",
            "new_password2": "a-new-password-1",
        },
    )

    assert changed.status_code == 302
    cast.tier1.user.refresh_from_db()
    assert cast.tier1.user.last_login == latest
    assert cast.tier1.user.check_password("a-new-password-1")


def test_a_signed_in_customer_is_still_no_agent(cast: Cast, client: Client) -> None:
    User.objects.create_user("jordan", email="jordan@bank.test", password=PASSWORD)
    client.login(username="jordan", password=PASSWORD)

    page = client.get(reverse("agents:queue"))

    assert page.status_code == 403
