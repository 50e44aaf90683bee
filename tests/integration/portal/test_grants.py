"""A guest's access to the tickets it opened or followed a link to: a signed cookie, not a
session row, bounded in number and age, and ended by signing out."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from portal import grants
from tests.conftest import OpenTicket
from tests.integration.portal.conftest import SubmitTicket, guest_with_link, link_path
from tickets.models import Ticket

User = get_user_model()


def page(ticket: Ticket) -> str:
    return reverse("portal:ticket", args=[ticket.number])


def test_a_guest_opening_a_ticket_may_see_it_and_leaves_no_session_row(
    client: Client, submit_ticket: SubmitTicket
) -> None:
    response = submit_ticket()

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert client.get(page(ticket)).status_code == 200
    assert not Session.objects.exists()


def test_the_cookie_is_signed_http_only_and_same_site(
    settings: Settings, open_ticket: OpenTicket
) -> None:
    settings.SESSION_COOKIE_SECURE = True
    ticket = open_ticket()

    cookie = guest_with_link(ticket).cookies[grants.COOKIE]

    assert f"{ticket.pk}.{ticket.access_generation}" in cookie.value
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE


def test_a_cookie_changed_by_hand_grants_nothing(open_ticket: OpenTicket) -> None:
    mine, theirs = open_ticket(), open_ticket(subject="Someone else's ticket")
    browser = guest_with_link(mine)
    value = browser.cookies[grants.COOKIE].value

    browser.cookies[grants.COOKIE] = value.replace(f"{mine.pk}.", f"{theirs.pk}.", 1)

    assert browser.get(page(theirs)).status_code == 404
    assert browser.get(page(mine)).status_code == 404


def test_only_the_newest_grants_are_kept(
    monkeypatch: pytest.MonkeyPatch, open_ticket: OpenTicket
) -> None:
    monkeypatch.setattr(grants, "KEPT", 2)
    first, second, third = (open_ticket(subject=f"Ticket {n}") for n in range(3))
    browser = guest_with_link(first)
    for ticket in (second, first, third):  # following a link again makes it the newest
        browser.get(link_path(ticket))

    assert browser.get(page(first)).status_code == 200
    assert browser.get(page(third)).status_code == 200
    assert browser.get(page(second)).status_code == 404


def test_a_grant_ends_when_a_session_would(settings: Settings, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()
    browser = guest_with_link(ticket)

    later = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(later):
        assert browser.get(page(ticket)).status_code == 404


def test_signing_out_ends_the_grants(open_ticket: OpenTicket) -> None:
    # A customer at a shared computer follows a link, then signs in and out.
    ticket = open_ticket()
    browser = guest_with_link(ticket)
    browser.force_login(User.objects.create_user("olive@elsewhere.test"))

    response = browser.post(reverse("portal:logout"))

    assert response.status_code == 302
    assert browser.get(page(ticket)).status_code == 404
