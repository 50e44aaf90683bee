"""The portal in real Chromium: a guest's ticket from form to reply, an account's list,
the form without JavaScript, and stored XSS that must never run."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect
from pytest_django import Settings

from tests.conftest import Cast, OpenTicket
from tickets.models import HelpTopicField, Notification, Ticket
from tickets.notifications import compose

User = get_user_model()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture
def questions(cast: Cast) -> list[HelpTopicField]:
    return [
        HelpTopicField.objects.create(
            topic=cast.outage,
            label="Affected service",
            kind=HelpTopicField.Kind.CHOICE,
            required=True,
            choices="Online banking\nMobile app",
            order=1,
        ),
        HelpTopicField.objects.create(
            topic=cast.outage, label="Error message", kind=HelpTopicField.Kind.TEXT, order=2
        ),
    ]


def watch(page: Page) -> list[str]:
    """Collect anything that means a script ran that should not, or the page broke."""
    problems: list[str] = []
    page.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return problems


def fill_contact(page: Page, name: str = "Jordan Blake") -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill("jordan.blake@northbank.test")


def test_a_guest_opens_a_ticket_follows_the_link_and_replies(
    cast: Cast,
    questions: list[HelpTopicField],
    live_server: object,
    page: Page,
    settings: Settings,
) -> None:
    url = settings.SITE_URL = live_server.url  # type: ignore[attr-defined]
    problems = watch(page)
    page.goto(f"{url}/")
    page.get_by_role("link", name="Open a new ticket").first.click()

    fill_contact(page)
    expect(page.get_by_role("button", name="Show the questions for this topic")).to_be_hidden()
    page.get_by_label("Help topic").select_option(label="Business Critical Outage")
    page.get_by_label("Affected service").select_option("Mobile app")  # swapped in by the script
    page.get_by_label("Error message").fill("Unable to connect")
    page.get_by_label("Subject").fill("Mobile app is down")
    page.get_by_label("What happened?").fill("Every customer sees Unable to connect.")
    page.get_by_label("Attachments").set_input_files(
        files=[{"name": "error.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="Open ticket").click()

    ticket = Ticket.objects.get()
    expect(page.get_by_role("heading", name=re.compile(f"#{ticket.number}"))).to_be_visible()
    assert ticket.field_values.get(label="Affected service").value == "Mobile app"

    body = compose(Notification.objects.get(template="ticket_received")).body
    link = re.search(rf"{url}/t/\S+", body).group(0)  # type: ignore[union-attr]
    stranger = page.context.browser.new_page()  # type: ignore[union-attr]  # no session yet
    stranger.goto(link)
    expect(stranger.get_by_role("heading", name="Mobile app is down")).to_be_visible()
    expect(stranger.get_by_role("link", name="error.png")).to_be_visible()
    stranger.get_by_label("Your message").fill("It is back for some customers.")
    stranger.get_by_role("button", name="Send").click()

    expect(stranger.get_by_text("Your message was added.")).to_be_visible()
    expect(stranger.get_by_text("It is back for some customers.")).to_be_visible()
    assert problems == []


def test_a_signed_in_customer_sees_the_ticket_under_my_tickets(
    cast: Cast, open_ticket: OpenTicket, live_server: object, page: Page
) -> None:
    user = User.objects.create_user(
        "jordan.blake@northbank.test", "jordan.blake@northbank.test", "pw-jordan-1"
    )
    cast.requester.user = user
    cast.requester.save()
    ticket = open_ticket(subject="Opened before signing in")
    url = live_server.url  # type: ignore[attr-defined]

    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email address (or username)").fill("jordan.blake@northbank.test")
    page.get_by_label("Password").fill("pw-jordan-1")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="My tickets")).to_be_visible()
    page.get_by_role("link", name=f"#{ticket.number}").click()
    expect(page.get_by_role("heading", name="Opened before signing in")).to_be_visible()


def test_without_javascript_continue_shows_the_topics_questions(
    cast: Cast, questions: list[HelpTopicField], live_server: object, browser: Browser
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/tickets/new/")  # type: ignore[attr-defined]

    fill_contact(page)
    page.get_by_label("Subject").fill("Typed before choosing")
    page.get_by_label("Help topic").select_option(label="Business Critical Outage")
    page.get_by_role("button", name="Show the questions for this topic").click()

    expect(page.get_by_label("Affected service")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("Typed before choosing")
    page.get_by_label("Affected service").select_option("Online banking")
    page.get_by_label("What happened?").fill("Down since 8:40.")
    page.get_by_role("button", name="Open ticket").click()

    expect(page.get_by_text("your ticket number is")).to_be_visible()
    context.close()


def test_stored_xss_never_runs(
    cast: Cast, questions: list[HelpTopicField], live_server: object, page: Page
) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    problems = watch(page)
    page.goto(f"{url}/tickets/new/?topic={cast.outage.pk}")

    fill_contact(page, name=XSS)
    page.get_by_label("Affected service").select_option("Online banking")
    page.get_by_label("Error message").fill(XSS)
    page.get_by_label("Subject").fill(XSS)
    page.get_by_label("What happened?").fill(XSS)
    page.get_by_label("Attachments").set_input_files(
        files=[
            {"name": '<img src=x onerror="alert(3)">.png', "mimeType": "image/png", "buffer": PNG}
        ]
    )
    page.get_by_role("button", name="Open ticket").click()
    expect(page.get_by_text("your ticket number is")).to_be_visible()
    page.get_by_role("link", name="View your ticket").click()

    expect(page.get_by_role("heading", name=XSS)).to_be_visible()  # shown as text
    expect(page.get_by_text(XSS).first).to_be_visible()
    page.reload()
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_the_form_works_from_the_keyboard_and_skips_the_honeypot(
    cast: Cast, questions: list[HelpTopicField], live_server: object, page: Page
) -> None:
    page.goto(f"{live_server.url}/tickets/new/")  # type: ignore[attr-defined]
    page.get_by_label("Your name").focus()

    page.keyboard.type("Jordan Blake")
    page.keyboard.press("Tab")
    page.keyboard.type("jordan.blake@northbank.test")
    page.keyboard.press("Tab")  # phone, optional
    page.keyboard.press("Tab")
    expect(page.get_by_label("Help topic")).to_be_focused()
    page.get_by_label("Help topic").select_option(label="General Inquiry")
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard only")
    page.keyboard.press("Tab")
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")  # attachments
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Open ticket")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("your ticket number is")).to_be_visible()
    assert Ticket.objects.get().subject == "Keyboard only"
