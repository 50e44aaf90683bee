"""Cutting quoted history off replies, in the styles of the common mail clients."""

import pytest

from mail.quotes import strip_html, strip_text

ANSWER = "Rebooting the router fixed it.\n\nThanks, Jordan"


@pytest.mark.parametrize(
    "history",
    [
        # Gmail, on one line and wrapped after a long name.
        "\n\nOn Mon, 2 Mar 2026 at 09:14, IT Help Desk <helpdesk@northbank.test> wrote:\n> Hi",
        "\n\nOn Mon, 2 Mar 2026 at 09:14, IT Help Desk <\nhelpdesk@northbank.test> wrote:\n\n> Hi",
        # Apple Mail and Thunderbird.
        "\n\nOn 2 Mar 2026, at 09:14, IT Help Desk wrote:\n\n> Hi",
        # Outlook desktop, Outlook on the web, and old Outlook.
        "\n\n________________________________\nFrom: IT Help Desk\nSent: 02 March 2026\n\nHi",
        "\n\nFrom: IT Help Desk <helpdesk@northbank.test>\nSent: Monday, March 2, 2026 9:14 AM\n"
        "To: Jordan Blake\nSubject: [#12345678] Hi\n\nHi",
        "\n\n-----Original Message-----\nFrom: IT Help Desk\nDate: 2 March 2026\n\nHi",
        "\n\n*From:* IT Help Desk\n*Date:* 2 March 2026\n\nHi",
        # A bare block of quoted lines under the answer.
        "\n\n> Hello Jordan,\n> We received your request.\n",
    ],
)
def test_the_history_under_a_reply_is_cut(history: str) -> None:
    assert strip_text(ANSWER + history) == ANSWER


def test_a_line_starting_with_from_that_heads_no_header_block_is_kept() -> None:
    text = "From: my laptop the VPN fails.\nFrom my phone it works.\n\nJordan"

    assert strip_text(text) == text


def test_a_reply_that_is_only_quoted_history_is_kept_whole() -> None:
    text = "On Mon, 2 Mar 2026 at 09:14, IT Help Desk wrote:\n> Hi"

    assert strip_text(text) == text


@pytest.mark.parametrize(
    "history",
    [
        '<div class="gmail_quote"><div class="gmail_attr">On Mon … wrote:</div>'
        "<blockquote>Hi</blockquote></div>",
        '<div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Desk</div>',
        '<hr style="display:inline-block"><div><b>From:</b> Desk<br><b>Sent:</b> today</div>',
        '<blockquote type="cite">Hi</blockquote>',
    ],
)
def test_the_history_under_an_html_reply_is_cut(history: str) -> None:
    answer = "<div>Rebooting the router fixed it.</div>"

    assert strip_html(answer + history) == answer


def test_an_html_reply_that_is_only_history_is_kept_whole() -> None:
    markup = '<div class="gmail_quote">On Mon … wrote:<blockquote>Hi</blockquote></div>'

    assert strip_html(markup) == markup
