"""The osTicket contract: POST /api/tickets.json (and .email, and /api/http.php/…) as
osTicket documents it, every refusal with its status and plain-text message, and nothing
saved when a request is refused."""

import json

import pytest
from django.test import Client

from api.models import ApiKey
from tests.api.conftest import MakeKey, data_url, png_bytes, post_json
from tests.conftest import Cast
from tickets.models import (
    Attachment,
    AuditEvent,
    Contact,
    HelpTopicField,
    Notification,
    ThreadEntry,
    Ticket,
    TicketFieldValue,
)

pytestmark = pytest.mark.django_db

# osTicket's documented JSON example (setup/doc/api/tickets.md), verbatim but for its two
# errata: the trailing comma after the last attachment (not JSON) and the truncated image
# data ("R0lGODdhMAA..."), replaced by a real PNG.
DOCUMENTED_EXAMPLE = {
    "alert": True,
    "autorespond": True,
    "source": "API",
    "name": "Angry User",
    "email": "api@osticket.com",
    "phone": "3185558634X123",
    "subject": "Testing API",
    "ip": "123.211.233.122",
    "message": "MESSAGE HERE",
    "attachments": [
        {"file.txt": "data:text/plain;charset=utf-8,content"},
        {"image.png": data_url(png_bytes(), "image/png")},
    ],
}

REFUSED = "Unable to create new ticket"


def body_of(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def assert_refused(response: object, status: int, *fragments: str) -> None:
    assert response.status_code == status, body_of(response)  # type: ignore[attr-defined]
    assert response["Content-Type"].startswith("text/plain")  # type: ignore[index]
    for fragment in fragments:
        assert fragment in body_of(response)
    assert not Ticket.objects.exists()
    assert not Contact.objects.filter(email="api@osticket.com").exists()


def test_the_documented_example_opens_a_ticket_and_answers_its_number(
    client: Client, create_key: str, cast: Cast
) -> None:
    response = post_json(client, create_key, json.dumps(DOCUMENTED_EXAMPLE))

    assert response.status_code == 201, body_of(response)
    assert response["Content-Type"].startswith("text/plain")
    number = body_of(response).strip()
    ticket = Ticket.objects.get(number=number)
    assert ticket.subject == "Testing API"
    assert ticket.source == Ticket.Source.API
    assert ticket.topic == cast.general
    assert ticket.requester.name == "Angry User"
    assert ticket.requester.phone == "3185558634"
    message = ticket.entries.get()
    assert message.body == "MESSAGE HERE"
    files = {a.filename: a for a in Attachment.objects.filter(entry=message)}
    assert set(files) == {"file.txt", "image.png"}
    assert files["file.txt"].file.read() == b"content"
    assert files["image.png"].content_type == "image/png"


def test_the_key_and_what_the_client_declared_are_in_the_audit_trail(
    client: Client, create_key: str
) -> None:
    payload = {**DOCUMENTED_EXAMPLE, "source": "Phone"}
    number = body_of(post_json(client, create_key, json.dumps(payload))).strip()

    event = AuditEvent.objects.get(ticket__number=number, kind=AuditEvent.Kind.RECEIVED_VIA)
    key = ApiKey.objects.get()
    assert f"API key “Monitoring” ({key.prefix}…) from 127.0.0.1" in event.new_value
    assert "submitter IP 123.211.233.122" in event.new_value
    assert "declared source Phone" in event.new_value
    assert not event.is_public  # the requester never sees which integration sent it


BOTH = {"ticket_received", "new_ticket_alert"}


@pytest.mark.parametrize(
    ("switches", "sent", "off"),
    [
        ({"alert": True, "autorespond": True}, BOTH, []),
        ({"alert": False, "autorespond": "1"}, {"ticket_received"}, ["alert"]),
        ({"alert": "1", "autorespond": 0}, {"new_ticket_alert"}, ["autorespond"]),
        ({"alert": "false", "autorespond": "false"}, set(), ["alert", "autorespond"]),
        ({}, BOTH, []),
    ],
)
def test_alert_and_autorespond_switch_off_the_agents_alert_and_the_receipt(
    client: Client, create_key: str, switches: dict[str, object], sent: set[str], off: list[str]
) -> None:
    payload = {k: v for k, v in DOCUMENTED_EXAMPLE.items() if k not in ("alert", "autorespond")}
    number = body_of(post_json(client, create_key, json.dumps({**payload, **switches}))).strip()

    queued = Notification.objects.filter(ticket__number=number).values_list("template", flat=True)
    assert set(queued) == sent
    received = AuditEvent.objects.get(ticket__number=number, kind=AuditEvent.Kind.RECEIVED_VIA)
    assert [s for s in ("alert", "autorespond") if f"{s} off" in received.new_value] == off


def test_the_verbatim_example_with_its_trailing_comma_is_malformed_json(
    client: Client, create_key: str
) -> None:
    verbatim = json.dumps(DOCUMENTED_EXAMPLE, indent=4).replace("}\n    ]", "},\n    ]")
    assert_refused(post_json(client, create_key, verbatim), 400, REFUSED, "malformed JSON at line")


def test_osticket_http_php_prefix_works_too(client: Client, create_key: str) -> None:
    response = client.post(
        "/api/http.php/tickets.json",
        json.dumps(DOCUMENTED_EXAMPLE),
        content_type="application/json",
        HTTP_X_API_KEY=create_key,
    )
    assert response.status_code == 201
    assert Ticket.objects.filter(number=body_of(response).strip()).exists()


def test_a_data_url_message_of_type_html_is_sanitized_html(client: Client, create_key: str) -> None:
    html = "<p>Printer <b>on fire</b></p><script>alert(1)</script>"
    payload = {**DOCUMENTED_EXAMPLE, "attachments": [], "message": f"data:text/html,{html}"}
    number = body_of(post_json(client, create_key, json.dumps(payload))).strip()

    message = ThreadEntry.objects.get(ticket__number=number)
    assert message.body_format == ThreadEntry.Format.HTML
    assert "<b>on fire</b>" in message.body
    assert "script" not in message.body


def test_topic_questions_are_answered_by_name(
    client: Client, make_key: MakeKey, cast: Cast
) -> None:
    HelpTopicField.objects.create(topic=cast.outage, label="Affected service", required=True)
    key = make_key("Monitoring")
    payload = {
        **DOCUMENTED_EXAMPLE,
        "topicId": cast.outage.pk,
        "affected_service": "Online banking",
    }
    number = body_of(post_json(client, key, json.dumps(payload))).strip()

    ticket = Ticket.objects.get(number=number)
    assert ticket.topic == cast.outage
    assert ticket.department == cast.sysadmin
    assert TicketFieldValue.objects.get(ticket=ticket).value == "Online banking"


def test_priority_and_notes_need_the_keys_agent_for_the_note(
    client: Client, make_key: MakeKey, cast: Cast
) -> None:
    key = make_key("Alerting", agent=cast.tier1)
    payload = {**DOCUMENTED_EXAMPLE, "priority": "P1", "notes": "Raised by the NOC monitor."}
    number = body_of(post_json(client, key, json.dumps(payload))).strip()

    ticket = Ticket.objects.get(number=number)
    assert ticket.priority == cast.p1
    note = ticket.entries.get(kind=ThreadEntry.Kind.NOTE)
    assert (note.body, note.author_agent) == ("Raised by the NOC monitor.", cast.tier1)


@pytest.mark.parametrize(
    ("change", "status", "fragments"),
    [
        ({"message": None}, 400, ["validation errors", "message: required"]),
        ({"name": "", "email": None}, 400, ["name: required", "email: required"]),
        ({"email": "not-an-address"}, 400, ["email: “not-an-address” is not an email address"]),
        ({"topicId": 99999}, 400, ["topicId: unknown help topic 99999"]),
        ({"priority": "P9"}, 400, ["priority: unknown priority P9"]),
        # Digits to str.isdigit, not to int(); a NUL PostgreSQL refuses to read; past bigint.
        ({"topicId": "²"}, 400, ["topicId: must be a number"]),
        ({"topicId": 10**30}, 400, ["topicId: must be a number"]),
        ({"priority": "²"}, 400, ["priority: unknown priority ²"]),
        ({"priority": "P\x001"}, 400, ["priority: unknown priority P"]),
        ({"alert": "maybe"}, 400, ["alert: must be true or false"]),
        ({"ip": "300.1.2.3"}, 400, ["ip: “300.1.2.3” is not an IP address"]),
        ({"source": "Fax"}, 400, ["source: must be one of"]),
        ({"colour": "blue"}, 400, ["colour: unsupported field"]),
        ({"notes": "internal"}, 400, ["Internal notes need an agent"]),
        (
            {"attachments": [{"image.png": "data:image/png;base64,R0lGOD!!!"}]},
            400,
            ["“image.png”: the data is not valid base64"],
        ),
        (
            {"attachments": [{"setup.exe": data_url(b"MZ\x90\x00", "application/octet-stream")}]},
            400,
            ["“setup.exe”: this type of file is not accepted"],
        ),
        (
            {"attachments": [{"photo.png": data_url(b"MZ\x90\x00binary", "image/png")}]},
            400,
            ["“photo.png”: its content is not a .png file"],
        ),
        ({"attachments": [{"a.txt": "x", "b.txt": "y"}]}, 400, ["item 1 must be one"]),
        ({"message": "data:text/html;base64,%%%"}, 400, ["message: the data is not valid base64"]),
    ],
)
def test_a_bad_field_is_refused_with_nothing_saved(
    client: Client, create_key: str, change: dict, status: int, fragments: list[str]
) -> None:
    payload = {**DOCUMENTED_EXAMPLE, **change}
    payload = {name: value for name, value in payload.items() if value is not None}
    response = post_json(client, create_key, json.dumps(payload))
    assert_refused(response, status, REFUSED, *fragments)
    assert not Attachment.objects.exists()


def test_an_integer_longer_than_python_reads_is_malformed_json(
    client: Client, create_key: str
) -> None:
    body = json.dumps(DOCUMENTED_EXAMPLE).replace("{", '{"topicId": ' + "9" * 5000 + ", ", 1)

    assert_refused(post_json(client, create_key, body), 400, REFUSED, "malformed JSON: Exceeds")


def test_a_body_that_is_not_an_object_is_refused(client: Client, create_key: str) -> None:
    assert_refused(post_json(client, create_key, "[1, 2]"), 400, REFUSED, "must be an object")


def test_without_a_topic_and_without_a_default_topic_it_is_refused(
    client: Client, make_key: MakeKey
) -> None:
    key = make_key("No default", default_topic=None)
    response = post_json(client, key, json.dumps(DOCUMENTED_EXAMPLE))
    assert_refused(response, 400, "topicId: required (this API key has no default help topic)")


@pytest.mark.parametrize(
    "content_type", ["text/xml", "multipart/form-data; boundary=x", "text/csv"]
)
def test_a_wrong_content_type_is_415(client: Client, create_key: str, content_type: str) -> None:
    response = client.post(
        "/api/tickets.json",
        json.dumps(DOCUMENTED_EXAMPLE),
        content_type=content_type,
        HTTP_X_API_KEY=create_key,
    )
    assert_refused(response, 415, REFUSED, "is not accepted here")


def test_json_sent_as_a_form_is_read_as_osticket_does(client: Client, create_key: str) -> None:
    """osTicket picks the format from the URL; PHP's curl and `curl -d` label JSON as a form."""
    response = client.post(
        "/api/tickets.json",
        json.dumps(DOCUMENTED_EXAMPLE),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_API_KEY=create_key,
    )
    assert response.status_code == 201


def test_xml_is_not_supported(client: Client, create_key: str) -> None:
    response = client.post(
        "/api/tickets.xml", "<ticket/>", content_type="application/xml", HTTP_X_API_KEY=create_key
    )
    assert_refused(response, 415, "XML is not supported; send JSON to /api/tickets.json")


def test_an_oversized_body_is_413_before_it_is_read(
    client: Client, create_key: str, settings: object
) -> None:
    settings.HELPDESK_API_MAX_BODY_BYTES = 1024  # type: ignore[attr-defined]
    payload = {**DOCUMENTED_EXAMPLE, "message": "x" * 2000}
    assert_refused(post_json(client, create_key, json.dumps(payload)), 413, REFUSED, "larger than")


def test_only_post_is_allowed(client: Client, create_key: str) -> None:
    assert client.get("/api/tickets.json", HTTP_X_API_KEY=create_key).status_code == 405


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "An API key is required"),
        ("", "An API key is required"),
        ("hd_12345678_wrong", "The API key is not valid."),
        ("nonsense", "The API key is not valid."),
    ],
)
def test_a_missing_or_unknown_key_is_401(
    client: Client, create_key: str, key: str | None, message: str
) -> None:
    response = post_json(client, key, json.dumps(DOCUMENTED_EXAMPLE))
    assert_refused(response, 401, "API key not authorized", message)


def test_an_inactive_key_is_401(client: Client, make_key: MakeKey) -> None:
    key = make_key("Retired", is_active=False)
    response = post_json(client, key, json.dumps(DOCUMENTED_EXAMPLE))
    assert_refused(response, 401, "This API key is inactive or has expired.")


def test_a_key_without_the_create_scope_is_401(
    client: Client, make_key: MakeKey, cast: Cast
) -> None:
    key = make_key("Reader", agent=cast.tier1, can_create_tickets=False)
    response = post_json(client, key, json.dumps(DOCUMENTED_EXAMPLE))
    assert_refused(response, 401, "this key may not create tickets")


def test_a_key_used_from_outside_its_networks_is_401(client: Client, make_key: MakeKey) -> None:
    key = make_key("Office only", allowed_networks="192.0.2.0/24\n2001:db8::/32")
    response = post_json(client, key, json.dumps(DOCUMENTED_EXAMPLE))
    assert_refused(response, 401, "This API key may not be used from 127.0.0.1.")


def test_a_key_used_from_inside_its_networks_works(client: Client, make_key: MakeKey) -> None:
    key = make_key("Office", allowed_networks="192.0.2.0/24")
    response = post_json(client, key, json.dumps(DOCUMENTED_EXAMPLE))
    assert response.status_code == 401
    response = client.post(
        "/api/tickets.json",
        json.dumps(DOCUMENTED_EXAMPLE),
        content_type="application/json",
        HTTP_X_API_KEY=key,
        REMOTE_ADDR="192.0.2.44",
    )
    assert response.status_code == 201


def test_behind_a_trusted_proxy_the_forwarded_address_is_checked(
    client: Client, make_key: MakeKey, settings: object
) -> None:
    settings.TRUST_X_FORWARDED_FOR = True  # type: ignore[attr-defined]
    key = make_key("Office", allowed_networks="192.0.2.0/24")
    response = post_json(client, key, json.dumps(DOCUMENTED_EXAMPLE), x_forwarded_for="192.0.2.9")
    assert response.status_code == 201
    response = post_json(client, key, json.dumps(DOCUMENTED_EXAMPLE), x_forwarded_for="203.0.113.5")
    assert response.status_code == 401


# ---------------------------------------------------------------------------------------------
# Idempotency


def test_a_retry_with_the_same_idempotency_key_returns_the_same_ticket(
    client: Client, create_key: str
) -> None:
    body = json.dumps(DOCUMENTED_EXAMPLE)
    first = post_json(client, create_key, body, idempotency_key="alert-4711")
    again = post_json(client, create_key, body, idempotency_key="alert-4711")

    assert first.status_code == again.status_code == 201
    assert body_of(first) == body_of(again)
    assert Ticket.objects.count() == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.RECEIVED_VIA).count() == 1
    other = post_json(client, create_key, body, idempotency_key="alert-4712")
    assert body_of(other) != body_of(first)
    assert Ticket.objects.count() == 2


def test_an_idempotency_key_reused_for_another_requester_is_refused(
    client: Client, create_key: str
) -> None:
    post_json(client, create_key, json.dumps(DOCUMENTED_EXAMPLE), idempotency_key="7")
    other = {**DOCUMENTED_EXAMPLE, "email": "someone.else@example.test"}
    response = post_json(client, create_key, json.dumps(other), idempotency_key="7")
    assert response.status_code == 400
    assert "Idempotency-Key: already used for another requester's ticket" in body_of(response)
    assert Ticket.objects.count() == 1


def test_idempotency_keys_of_two_api_keys_do_not_collide(
    client: Client, create_key: str, make_key: MakeKey
) -> None:
    other_key = make_key("Other integration")
    body = json.dumps(DOCUMENTED_EXAMPLE)
    first = post_json(client, create_key, body, idempotency_key="1")
    second = post_json(client, other_key, body, idempotency_key="1")
    assert body_of(first) != body_of(second)


def test_without_an_idempotency_key_each_post_is_a_new_ticket(
    client: Client, create_key: str
) -> None:
    body = json.dumps(DOCUMENTED_EXAMPLE)
    post_json(client, create_key, body)
    post_json(client, create_key, body)
    assert Ticket.objects.count() == 2


# ---------------------------------------------------------------------------------------------
# Rate limit


def test_past_the_keys_rate_it_is_429_with_retry_after(
    client: Client, create_key: str, settings: object
) -> None:
    settings.HELPDESK_API_RATE = "2/h"  # type: ignore[attr-defined]
    body = json.dumps(DOCUMENTED_EXAMPLE)
    assert post_json(client, create_key, body).status_code == 201
    assert post_json(client, create_key, body).status_code == 201
    response = post_json(client, create_key, body)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Ticket.objects.count() == 2


def test_agents_see_which_key_brought_the_ticket_and_the_requester_does_not(
    client: Client, create_key: str, cast: Cast
) -> None:
    number = body_of(post_json(client, create_key, json.dumps(DOCUMENTED_EXAMPLE))).strip()
    agent = Client()
    agent.force_login(cast.tier1.user)
    page = agent.get(f"/agents/tickets/{number}/").content.decode()
    assert "Received via" in page
    assert "API key “Monitoring”" in page
    ticket = Ticket.objects.get(number=number)
    assert not ticket.events.filter(is_public=True, kind=AuditEvent.Kind.RECEIVED_VIA).exists()
