from tickets.models import ThreadEntry


def test_plain_text_is_escaped_and_keeps_its_line_breaks() -> None:
    entry = ThreadEntry(body="<b>503</b> on login\nall branches", body_format="text")

    assert entry.rendered_body() == "<p>&lt;b&gt;503&lt;/b&gt; on login<br>all branches</p>"


def test_html_is_sanitized_again_on_the_way_out() -> None:
    # Even if something unsanitized reached the table, it is not served as-is.
    entry = ThreadEntry(body="<p>ok</p><script>alert(1)</script>", body_format="html")

    assert entry.rendered_body() == "<p>ok</p>"


def test_notes_are_not_public_and_replies_are() -> None:
    assert not ThreadEntry(kind=ThreadEntry.Kind.NOTE).is_public
    assert ThreadEntry(kind=ThreadEntry.Kind.REPLY).is_public
    assert ThreadEntry(kind=ThreadEntry.Kind.MESSAGE).is_public
