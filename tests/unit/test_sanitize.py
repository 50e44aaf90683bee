import pytest

from tickets.sanitize import clean_text, html_to_text, sanitize_html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<script>alert(1)</script><p>Hi</p>", "<p>Hi</p>"),
        ('<img src="x" onerror="alert(1)">', '<img src="x">'),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<a href="data:text/html,<script>">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<p style="position:fixed">x</p>', "<p>x</p>"),
        ("<iframe src=https://evil.test></iframe>ok", "ok"),
    ],
)
def test_html_keeps_only_what_the_allow_list_permits(dirty: str, clean: str) -> None:
    assert sanitize_html(dirty) == clean


def test_links_are_kept_and_cannot_reach_back_to_the_desk() -> None:
    assert sanitize_html('<a href="https://kb.example/4567">KB</a>') == (
        '<a href="https://kb.example/4567" rel="noopener noreferrer nofollow">KB</a>'
    )


def test_text_loses_nul_characters_and_windows_line_ends() -> None:
    assert clean_text("a\x00b\r\nc\rd") == "ab\nc\nd"


def test_html_becomes_plain_text_for_email() -> None:
    assert html_to_text("<p>Tom &amp; Jerry</p><script>x</script>") == "Tom & Jerry"
