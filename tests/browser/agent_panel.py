"""Steps the agent panel's browser tests share."""

from playwright.sync_api import Page, expect


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign in on the agents' page and wait for the queue."""
    page.goto(f"{base}/agents/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("test-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Queue views")).to_be_visible()
