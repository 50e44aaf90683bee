"""POST /api/tickets.email: a raw RFC 822 message becomes a ticket on the key's default
help topic; a resent message (same Message-ID) is the same ticket."""

from email.message import EmailMessage
from pathlib import Path

import pytest
from django.test import Client

from tests.api.conftest import MakeKey, png_bytes
from tests.conftest import Cast
from tickets.models import Attachment, ThreadEntry, Ticket

pytestmark = pytest.mark.django_db


def outage_email(message_id: str = "<outage-1@northbank.test>") -> bytes:
    message = EmailMessage()
    message["From"] = "Jordan Blake <jordan.blake@northbank.test>"
    message["To"] = "help@desk.test"
    message["Subject"] = "Online banking down"
    message["Message-ID"] = message_id
    message.set_content("Customers see error 503 on the website and in the app.")
    message.add_attachment(png_bytes(), maintype="image", subtype="png", filename="error.png")
    return bytes(message)


def post_email(client: Client, key: str, raw: bytes, **extra: str) -> object:
    return client.post(
        "/api/tickets.email", raw, content_type="message/rfc822", HTTP_X_API_KEY=key, **extra
    )


def test_an_email_becomes_a_ticket_with_its_attachment(
    client: Client, create_key: str, cast: Cast
) -> None:
    response = post_email(client, create_key, outage_email())

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(number=response.content.decode().strip())
    assert (ticket.subject, ticket.requester, ticket.topic) == (
        "Online banking down",
        cast.requester,
        cast.general,
    )
    assert ticket.source == Ticket.Source.API
    message = ticket.entries.get()
    assert message.body.strip() == "Customers see error 503 on the website and in the app."
    assert message.body_format == ThreadEntry.Format.TEXT
    assert Attachment.objects.get(entry=message).filename == "error.png"


def test_a_resent_email_is_the_same_ticket(client: Client, create_key: str) -> None:
    first = post_email(client, create_key, outage_email())
    again = post_email(client, create_key, outage_email())
    assert first.content == again.content
    assert Ticket.objects.count() == 1
    post_email(client, create_key, outage_email("<another@northbank.test>"))
    assert Ticket.objects.count() == 2


def test_an_email_without_sender_or_subject_is_refused(client: Client, create_key: str) -> None:
    raw = b"To: help@desk.test\r\n\r\nHello\r\n"
    response = post_email(client, create_key, raw)
    assert response.status_code == 400
    text = response.content.decode()
    assert text.startswith("Unable to create new ticket: validation errors:")
    assert "From: required" in text
    assert "Subject: required" in text
    assert not Ticket.objects.exists()


def test_an_email_with_a_refused_attachment_saves_nothing(client: Client, create_key: str) -> None:
    message = EmailMessage()
    message["From"] = "someone@example.test"
    message["Subject"] = "See attached"
    message.set_content("Please run this.")
    message.add_attachment(b"MZ\x90\x00", maintype="application", subtype="x-msdownload",
                           filename="fix.exe")  # fmt: skip
    response = post_email(client, create_key, bytes(message))
    assert response.status_code == 400
    assert "“fix.exe”: this type of file is not accepted" in response.content.decode()
    assert not Ticket.objects.exists()


def test_emailed_tickets_need_a_default_topic(client: Client, make_key: MakeKey) -> None:
    key = make_key("No default", default_topic=None)
    response = post_email(client, key, outage_email())
    assert response.status_code == 400
    assert "no default help topic" in response.content.decode()


CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def test_an_html_only_email_becomes_sanitized_html(client: Client, create_key: str) -> None:
    response = post_email(client, create_key, (CORPUS / "html_only.eml").read_bytes())

    assert response.status_code == 201, response.content
    message = Ticket.objects.get(number=response.content.decode().strip()).entries.get()
    assert message.body_format == ThreadEntry.Format.HTML
    assert "<b>PRN-3F-01</b>" in message.body
    for dangerous in ("<script", "onclick", "javascript:", "<style"):
        assert dangerous not in message.body


def test_encoded_headers_and_charsets_are_decoded(client: Client, create_key: str) -> None:
    response = post_email(client, create_key, (CORPUS / "iso-8859-1.eml").read_bytes())

    ticket = Ticket.objects.get(number=response.content.decode().strip())
    assert ticket.subject == "Accès refusé à la paie"
    assert ticket.requester.name == "Hélène Müller"


def test_an_email_with_broken_mime_is_refused_saying_so(client: Client, create_key: str) -> None:
    response = post_email(client, create_key, (CORPUS / "broken_mime.eml").read_bytes())

    assert response.status_code == 400
    assert "broken MIME structure" in response.content.decode()
    assert not Ticket.objects.exists()
