"""The agent panel's script: keyboard shortcuts, "select all" and canned responses."""

from playwright.sync_api import Page, expect

from tests.browser.agent_panel import sign_in
from tests.conftest import Cast, OpenTicket
from tickets.models import CannedResponse


def test_rows_are_reached_and_ticked_from_the_keyboard(
    cast: Cast, open_ticket: OpenTicket, live_server: object, page: Page
) -> None:
    first, second = open_ticket(subject="First"), open_ticket(subject="Second")
    sign_in(page, live_server.url, "alex")  # type: ignore[attr-defined]

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")

    expect(page.get_by_role("link", name=f"#{first.number}")).to_be_focused()
    expect(page.get_by_label(f"Select #{first.number}")).to_be_checked()
    expect(page.get_by_label(f"Select #{second.number}")).not_to_be_checked()
    page.get_by_label("Select all rows").check()
    expect(page.get_by_label(f"Select #{second.number}")).to_be_checked()
    page.keyboard.press("/")
    expect(page.locator("#id_q")).to_be_focused()


def test_a_canned_response_is_inserted_into_the_reply(
    cast: Cast, open_ticket: OpenTicket, live_server: object, page: Page
) -> None:
    ticket = open_ticket()
    CannedResponse.objects.create(
        title="Acknowledge", body="Hello {{ requester_first_name }}, #{{ ticket_number }}."
    )
    sign_in(page, live_server.url, "alex")  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/agents/tickets/{ticket.number}/")  # type: ignore[attr-defined]

    page.get_by_label("Canned response").select_option(label="Acknowledge (all departments)")

    expect(page.locator("#id_reply-body")).to_have_value(f"Hello Jordan, #{ticket.number}.")
    expect(page.locator("#id_reply-body")).to_be_focused()
    # The resolution fields appear only when the reply resolves the ticket.
    expect(page.locator("#id_reply-root_cause")).to_be_hidden()
    page.get_by_label("Then").select_option(label="Resolve it")
    expect(page.locator("#id_reply-root_cause")).to_be_visible()
