"""Customer accounts: register, verify, sign in/out, reset the password, edit the profile."""

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from tests.conftest import Cast, OpenTicket
from tickets.models import Contact, Notification
from tickets.notifications import compose

User = get_user_model()
PASSWORD = "correct horse battery staple"


def register(client: Client, email: str = "jordan.blake@northbank.test", **extra: str) -> Any:
    data = {
        "name": "Jordan Blake",
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "website": "",
        **extra,
    }
    return client.post(reverse("portal:register"), data)


def emailed_path(template: str) -> str:
    body = compose(Notification.objects.filter(template=template).latest("pk")).body
    url = re.search(r"http://testserver(/\S+)", body)
    assert url, body
    return url.group(1)


def test_registering_sends_a_verification_email_through_the_outbox(
    client: Client, cast: Cast
) -> None:
    response = register(client)

    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    user = User.objects.get(username="jordan.blake@northbank.test")
    assert not user.is_active and not user.is_staff
    sent = Notification.objects.get(template="account_verify")
    assert (sent.ticket, sent.recipient_email) == (None, "jordan.blake@northbank.test")
    assert sent.status == Notification.Status.QUEUED


def test_verifying_links_the_guests_tickets_to_the_account(
    client: Client, cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket(subject="Opened as a guest")
    register(client, email="Jordan.Blake@NorthBank.test")
    path = emailed_path("account_verify")

    assert client.get(path).status_code == 200  # a GET shows the form, changes nothing
    assert not User.objects.get(username="jordan.blake@northbank.test").is_active
    response = client.post(path, {"password": PASSWORD})

    assert response.status_code == 302
    user = User.objects.get(username="jordan.blake@northbank.test")
    assert user.is_active
    assert Contact.objects.get(pk=cast.requester.pk).user == user
    my_tickets = client.get(reverse("portal:my_tickets")).content.decode()
    assert ticket.subject in my_tickets


def test_verifying_needs_the_registered_password(client: Client, cast: Cast) -> None:
    register(client)
    path = emailed_path("account_verify")

    response = client.post(path, {"password": "someone else's guess"})

    assert response.status_code == 400
    assert "not the password you registered with" in response.content.decode()
    assert not User.objects.get(username="jordan.blake@northbank.test").is_active


def test_a_verification_link_works_once(client: Client, cast: Cast) -> None:
    register(client)
    path = emailed_path("account_verify")
    client.post(path, {"password": PASSWORD})

    again = Client().get(path)

    assert again.status_code == 404
    assert "does not work" in again.content.decode()


def test_registering_again_voids_the_earlier_link(client: Client, cast: Cast) -> None:
    register(client)
    first = emailed_path("account_verify")
    register(client, password1="another good passphrase", password2="another good passphrase")

    assert Client().get(first).status_code == 404
    assert Client().get(emailed_path("account_verify")).status_code == 200


def test_registering_a_taken_address_looks_the_same_and_tells_the_owner(
    client: Client, cast: Cast
) -> None:
    User.objects.create_user("jordan.blake@northbank.test", "jordan.blake@northbank.test", "x")

    response = register(client)

    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert Notification.objects.get().template == "account_exists"
    assert User.objects.count() == 1 + 5  # the owner and the cast's agents


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "nope"}, "Enter a valid email address."),
        ({"name": ""}, "This field is required."),
        ({"password2": "different"}, "The two passwords differ."),
        ({"password1": "123", "password2": "123"}, "This password is too short."),
        ({"website": "spam"}, "could not be sent"),
    ],
)
def test_bad_registrations_are_refused(
    client: Client, cast: Cast, change: dict[str, str], message: str
) -> None:
    response = register(client, **change)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Notification.objects.exists()


def test_signing_in_and_out(client: Client, customer: Any) -> None:
    response = client.post(
        reverse("portal:login"),
        {"username": "Jordan.Blake@northbank.test", "password": "pw-jordan-1"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my_tickets")

    client.post(reverse("portal:logout"))

    assert client.get(reverse("portal:my_tickets")).status_code == 302


def test_sign_in_goes_back_to_a_safe_next_page_only(client: Client, customer: Any) -> None:
    credentials = {"username": "jordan.blake@northbank.test", "password": "pw-jordan-1"}

    local = client.post(reverse("portal:login"), {**credentials, "next": "/tickets/new/"})
    client.post(reverse("portal:logout"))
    evil = client.post(reverse("portal:login"), {**credentials, "next": "https://evil.test/"})

    assert local["Location"] == "/tickets/new/"
    assert evil["Location"] == reverse("portal:my_tickets")


def test_wrong_passwords_are_rate_limited(
    client: Client, customer: Any, settings: Settings
) -> None:
    settings.HELPDESK_RATE_LIMITS = {
        **settings.HELPDESK_RATE_LIMITS,
        "logins": {"ip": "100/h", "email": "3/h"},
    }
    url = reverse("portal:login")
    for _ in range(3):
        wrong = client.post(url, {"username": "jordan.blake@northbank.test", "password": "no"})
        assert wrong.status_code == 400
        assert "do not match an account" in wrong.content.decode()

    right = client.post(url, {"username": "jordan.blake@northbank.test", "password": "pw-jordan-1"})

    assert right.status_code == 429
    assert "Too many attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_goes_through_the_outbox(client: Client, customer: Any) -> None:
    response = client.post(reverse("portal:password_reset"), {"email": customer.email})

    assert response.status_code == 302
    path = emailed_path("password_reset")
    browser = Client()
    form = browser.get(path, follow=True)
    assert form.status_code == 200
    new = "a brand new passphrase"
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password(new)


def test_an_unknown_address_gets_the_same_reset_answer_and_no_email(
    client: Client, cast: Cast
) -> None:
    response = client.post(reverse("portal:password_reset"), {"email": "nobody@bank.test"})

    assert response.status_code == 302
    assert not Notification.objects.exists()


def test_the_profile_changes_name_and_phone(requester_client: Client, cast: Cast) -> None:
    url = reverse("portal:profile")

    saved = requester_client.post(url, {"name": "Jordan A. Blake", "phone": "+1 555 0199"})
    bad = requester_client.post(url, {"name": "", "phone": "call me"})

    assert saved.status_code == 302
    cast.requester.refresh_from_db()
    assert (cast.requester.name, cast.requester.phone) == ("Jordan A. Blake", "+1 555 0199")
    assert bad.status_code == 400
    assert "Enter a phone number" in bad.content.decode()


def test_the_profile_needs_a_sign_in(client: Client, cast: Cast) -> None:
    assert client.get(reverse("portal:profile")).status_code == 302
