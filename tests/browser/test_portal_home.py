"""The start page in a real browser: styled, scripted without errors, keyboard reachable."""

from playwright.sync_api import Page, expect

from tests.conftest import Cast


def test_the_start_page_renders_styled_and_without_script_errors(
    cast: Cast, live_server: object, page: Page
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Any resource that fails to load (a missing icon, script or stylesheet) is an error too.
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    page.goto(f"{live_server.url}/")  # type: ignore[attr-defined]

    expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()
    expect(page.get_by_text("Business Critical Outage")).to_be_visible()
    navbar = page.locator("header.navbar")
    # Bootstrap's primary blue: the vendored stylesheet was served and applied.
    expect(navbar).to_have_css("background-color", "rgb(13, 110, 253)")
    assert errors == []


def test_the_skip_link_is_the_first_stop_for_keyboard_users(
    cast: Cast, live_server: object, page: Page
) -> None:
    page.goto(f"{live_server.url}/")  # type: ignore[attr-defined]

    page.keyboard.press("Tab")

    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
