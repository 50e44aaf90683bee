"""Email templates are checked and rendered as restricted templates over plain strings: user
text is a value, never source, and a template cannot reach anything but its variables."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import urlize

from tickets import emails
from tickets.email_kinds import KINDS

VALUES = {**emails.SAMPLE, "ticket_number": "482913"}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_shipped_template_passes_its_own_checks(kind: str) -> None:
    shipped = emails.default_source(kind)

    rendered = emails.preview(kind, shipped)

    assert rendered.subject and rendered.text.strip()
    assert "<html" in rendered.html and "{{" not in rendered.text + rendered.html


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("{{ settings.SECRET_KEY }}", "use the variables as listed, without dots"),
        ("{{ secret_key }}", "{{ secret_key }} is not a variable of this email"),
        ("{% load static %}", "does not compile"),
        ("{% debug %}", "{% debug %} is not allowed here"),
        ('{% include "base.html" %}', "{% include %} is not allowed here"),
        ("{% now 'Y' %}", "{% now %} is not allowed here"),
        ("{{ ticket_subject|safe }}", "The filter |safe is not allowed"),
        ("{{ ticket_subject|default:secret }}", "{{ secret }} is not a variable"),
        ("{% if settings.DEBUG %}x{% endif %}", "without dots"),
        ("{{ ticket_subject", "is never closed"),
    ],
)
def test_a_template_reaching_beyond_its_variables_is_refused_with_a_reason(
    source: str, complaint: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        emails.compile_template(source, "ticket_received")

    assert complaint in " ".join(refused.value.messages)


def test_variables_of_another_kind_are_refused() -> None:
    emails.compile_template("{{ confirm_url }}", "ticket_resolved")

    with pytest.raises(ValidationError, match="confirm_url"):
        emails.compile_template("{{ confirm_url }}", "note_alert")


def test_template_code_in_user_text_is_shown_as_typed_and_escaped_in_html() -> None:
    shifty = {
        **VALUES,
        "ticket_subject": "{{ settings.SECRET_KEY }} {% load static %}",
        "message_text": "<script>alert(1)</script>",
    }
    source = emails.Source(
        subject="{{ ticket_subject }}", text="{{ message_text }}", html="<p>{{ message_text }}</p>"
    )

    rendered = emails.preview("agent_reply", source)
    with_values = emails._render("agent_reply", source, shifty, tag="[#482913]")

    assert "<script>" not in rendered.html
    assert with_values.subject == "[#482913] {{ settings.SECRET_KEY }} {% load static %}"
    assert with_values.text == "<script>alert(1)</script>\n"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in with_values.html
    assert "<script>" not in with_values.html


def test_the_ticket_tag_is_kept_and_a_subject_stays_on_one_line() -> None:
    source = emails.Source(subject="Re:\r\n{{ ticket_subject }}\nBcc: x@y.test", text="x", html="")

    rendered = emails.preview("agent_reply", source)

    assert rendered.subject == f"[#482913] Re: {VALUES['ticket_subject']} Bcc: x@y.test"


def test_without_html_the_text_is_sent_as_simple_escaped_html() -> None:
    source = emails.Source(subject="s", text="Line <one>\nSee https://help.example.com/", html="")

    html = emails.preview("note_alert", source).html

    assert "Line &lt;one&gt;<br>" in html
    assert '<a href="https://help.example.com/"' in html


@pytest.mark.parametrize(
    "text",
    [
        "Hello Sam,\n\nTicket #12345678 is overdue.\nSee https://desk.example/agents/tickets/1/\n",
        "Mail jordan.blake@northbank.test or visit www.northbank.test today.",
        'A bare domain: northbank.org/status, and <b>tags</b> & "quotes" stay text.',
        "Line one\r\nLine two with http://x.test/?a=1&b=2 in it.\r\n",
        "Nothing to link here: error 0x80070005 on host fs-01.\n\n\n",
        "",
    ],
)
def test_linking_only_the_lines_that_may_hold_a_link_changes_nothing(text: str) -> None:
    assert emails.linked(text) == urlize(text, autoescape=True)
