"""osTicket's ticket-creation API, read into one `TicketRequest`.

Two bodies are understood: osTicket's JSON (`/api/tickets.json`, fields as documented in
osTicket's setup/doc/api/tickets.md) and a raw RFC 822 email (`/api/tickets.email`). Both
produce the same `TicketRequest`, opened by `open_request` through the ticket operations,
so routing, numbering, SLA, audit and notifications are the portal's.
Anything wrong raises `Invalid`, listing every problem found, before anything is saved.
"""

import base64
import binascii
import hashlib
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import unquote_to_bytes

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.validators import validate_email
from django.db import transaction

from api.models import ApiKey
from helpdesk.db import BIGINT, ID_DIGITS
from mail.operations import NO_TEXT, message_body
from mail.parsing import parse as parse_email
from tickets import operations
from tickets.fields import Answer, check_answers, fields_of
from tickets.models import (
    HelpTopic,
    HelpTopicField,
    Priority,
    ThreadEntry,
    Ticket,
    normalize_email,
    phone_validator,
)

REQUIRED = ("name", "email", "subject", "message")
OPTIONAL = (
    "alert",
    "autorespond",
    "source",
    "ip",
    "phone",
    "phone_ext",
    "priority",
    "priorityId",
    "topicId",
    "notes",
    "attachments",
)
# osTicket's ticket sources; whichever the client declares, the ticket's source is "API"
# (it came through a key) and the declared one is recorded in the audit trail.
OSTICKET_SOURCES = ("api", "web", "email", "phone", "other")
# alert/autorespond as osTicket takes them (1 and 0 are equal to True and False here).
BOOLEANS = (True, False, "true", "false", "1", "0")
SWITCHED_OFF = (False, "false", "0")
# What each osTicket switch silences when off: alert=false spares the agents the new-ticket
# alert (and an auto-assignment's), autorespond=false spares the requester the receipt.
SILENCED_BY = {
    "alert": ("new_ticket_alert", "assignment_alert"),
    "autorespond": ("ticket_received",),
}


class Invalid(Exception):
    """The request cannot become a ticket; `problems` lists each reason."""

    def __init__(self, *problems: str) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(problems))


@dataclass
class TicketRequest:
    """What a client asked for, checked and ready for `operations.open_ticket_from_integration`."""

    name: str
    email: str
    subject: str
    body: str
    body_format: str
    topic: HelpTopic
    priority: Priority | None = None
    phone: str = ""
    notes: str = ""
    attachments: list[UploadedFile] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    # Said by the client about itself (submitter IP, declared source): kept in the audit event.
    declared: list[str] = field(default_factory=list)
    # Notification templates the client switched off (osTicket's alert and autorespond).
    silenced: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# RFC 2397 data URLs


@dataclass(frozen=True)
class DataUrl:
    media_type: str
    charset: str
    content: bytes

    def text(self, what: str) -> str:
        try:
            return self.content.decode(self.charset)
        except (LookupError, UnicodeDecodeError):
            raise Invalid(f"{what}: the text is not valid {self.charset}") from None


def is_data_url(value: str) -> bool:
    return value[:5].lower() == "data:"


def decode_data_url(value: str, what: str) -> DataUrl:
    """`data:[<type>][;charset=…][;base64],<data>`; `Invalid` names `what` if it is broken."""
    header, comma, data = value[5:].partition(",")
    if not comma:
        raise Invalid(f"{what}: not a data URL (no comma before the data)")
    params = [param.strip() for param in header.split(";")]
    encoded = params[-1].lower() == "base64"
    if encoded:
        params.pop()
    media_type = params[0].lower() or "text/plain"
    charset = next(
        (param.split("=", 1)[1].strip('"') for param in params[1:] if "=" in param
         and param.split("=", 1)[0].strip().lower() == "charset"),
        "utf-8",
    )  # fmt: skip
    if not encoded:
        return DataUrl(media_type, charset, unquote_to_bytes(data))
    try:
        content = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"{what}: the data is not valid base64") from None
    return DataUrl(media_type, charset, content)


# ---------------------------------------------------------------------------------------------
# JSON


def from_json(raw: bytes, key: ApiKey) -> TicketRequest:
    """osTicket's JSON payload, checked field by field."""
    try:
        payload = json.loads(raw)
    except UnicodeDecodeError:
        raise Invalid("the body is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise Invalid(
            f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:  # an integer of more digits than Python will read
        raise Invalid(f"malformed JSON: {error}") from None
    if not isinstance(payload, dict):
        raise Invalid("the JSON body must be an object with the ticket's fields")
    missing = [name for name in REQUIRED if not _text(payload, name)]
    if missing:
        raise Invalid(*(f"{name}: required" for name in missing))
    topic = _topic(payload.get("topicId"), key)
    answers, unknown = _answers(payload, topic)
    if unknown:
        raise Invalid(*(f"{name}: unsupported field" for name in sorted(unknown)))
    body, body_format = _message(payload["message"])
    return TicketRequest(
        name=_text(payload, "name"),
        email=_email(_text(payload, "email")),
        subject=_text(payload, "subject"),
        body=body,
        body_format=body_format,
        topic=topic,
        priority=_priority(payload.get("priorityId", payload.get("priority"))),
        phone=_phone(payload.get("phone")),
        notes=_optional_text(payload, "notes"),
        attachments=_attachments(payload.get("attachments")),
        answers=answers,
        declared=_declared(payload),
        silenced=_silenced(payload),
    )


def _text(payload: Mapping[str, Any], name: str) -> str:
    value = payload.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{name}: must be a string")
    return value.strip()


def _optional_text(payload: Mapping[str, Any], name: str) -> str:
    value = _text(payload, name)
    return decode_data_url(value, name).text(name) if is_data_url(value) else value


def _message(value: str) -> tuple[str, str]:
    """The message and its format: a data URL of type text/html is HTML, anything else text."""
    if not is_data_url(value):
        return value, ThreadEntry.Format.TEXT
    url = decode_data_url(value, "message")
    if url.media_type == "text/html":
        return url.text("message"), ThreadEntry.Format.HTML
    if url.media_type != "text/plain":
        raise Invalid(f"message: a data URL of type {url.media_type} is not text")
    return url.text("message"), ThreadEntry.Format.TEXT


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise Invalid(f"email: “{value}” is not an email address") from None
    return value


def _whole_number(value: object, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and ID_DIGITS.fullmatch(value.strip()):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < BIGINT:
        return value
    raise Invalid(f"{name}: must be a number")


def _topic(value: object, key: ApiKey) -> HelpTopic:
    topic_id = _whole_number(value, "topicId")
    if topic_id is None:
        if key.default_topic is None:
            raise Invalid("topicId: required (this API key has no default help topic)")
        return key.default_topic
    topic = HelpTopic.objects.filter(pk=topic_id, is_active=True).first()
    if topic is None:
        raise Invalid(f"topicId: unknown help topic {topic_id}")
    return topic


def _priority(value: object) -> Priority | None:
    """A priority by id (osTicket's priorityId) or by code such as "P1"."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and not ID_DIGITS.fullmatch(value.strip()):
        # A code. A NUL character, which PostgreSQL refuses to read, matches none.
        code = value.strip().replace("\x00", "\ufffd")
        priority = Priority.objects.filter(code__iexact=code).first()
    else:
        priority = Priority.objects.filter(pk=_whole_number(value, "priority")).first()
    if priority is None:
        raise Invalid(f"priority: unknown priority {value}")
    return priority


def _phone(value: object) -> str:
    """The number, without osTicket's embedded extension ("3185558634X123"), which our
    contacts do not keep."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str | int):
        raise Invalid("phone: must be a string")
    number = re.split(r"[xX]", str(value), maxsplit=1)[0].strip()
    try:
        phone_validator(number)
    except ValidationError as error:
        raise Invalid(f"phone: {error.messages[0]}") from None
    return number


def _attachments(value: object) -> list[UploadedFile]:
    """osTicket's `[{"file.txt": "data:…"}, …]`: one name and one data URL per item."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid('attachments: must be a list of {"name": "data:…"} objects')
    files = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict) or len(item) != 1:
            raise Invalid(f'attachments: item {index} must be one {{"name": "data:…"}} pair')
        ((name, data),) = item.items()
        if not isinstance(data, str) or not is_data_url(data):
            raise Invalid(f"attachments: “{name}” must be a data URL (data:…)")
        content = decode_data_url(data, f"attachments: “{name}”").content
        files.append(SimpleUploadedFile(name, content))
    return files


def _answers(payload: Mapping[str, Any], topic: HelpTopic) -> tuple[dict[str, Answer], set[str]]:
    """The topic's questions answered by key ("field_12"), label or slugged label
    ("Affected service" / "affected_service"); and the names that match nothing known."""
    names: dict[str, HelpTopicField] = {}
    for question in fields_of(topic):
        for name in (question.key, question.label, _slug(question.label)):
            names[name.lower()] = question
    answers: dict[str, Answer] = {}
    unknown = set()
    for name, value in payload.items():
        if name in REQUIRED or name in OPTIONAL:
            continue
        question = names.get(name.lower())
        if question is None:
            unknown.add(name)
        else:
            answers[question.key] = _answer(question, value)
    return answers, unknown


def _slug(label: str) -> str:
    return re.sub(r"\W+", "_", label.strip().lower()).strip("_")


def _answer(question: HelpTopicField, value: object) -> Answer:
    if question.kind == HelpTopicField.Kind.FILE and isinstance(value, str) and is_data_url(value):
        content = decode_data_url(value, question.label).content
        return SimpleUploadedFile(f"{_slug(question.label) or 'file'}.bin", content)
    if isinstance(value, int | float):  # bool too: True → "True"
        return str(value)
    if (
        value is None
        or isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(item, str) for item in value))
    ):
        return value
    raise Invalid(f"{question.label}: must be text or a list of texts")


def _declared(payload: Mapping[str, Any]) -> list[str]:
    """What the client says about the submission; checked, then kept for the audit trail."""
    for name in ("alert", "autorespond"):
        if name in payload and payload[name] not in BOOLEANS:
            raise Invalid(f"{name}: must be true or false")
    declared = []
    ip = _text(payload, "ip")
    if ip:
        try:
            declared.append(f"submitter IP {ipaddress.ip_address(ip)}")
        except ValueError:
            raise Invalid(f"ip: “{ip}” is not an IP address") from None
    source = _text(payload, "source")
    if source and source.lower() not in OSTICKET_SOURCES:
        raise Invalid(f"source: must be one of {', '.join(s.title() for s in OSTICKET_SOURCES)}")
    if source and source.lower() != "api":
        declared.append(f"declared source {source.title()}")
    declared += [f"{name} off" for name in SILENCED_BY if _switched_off(payload, name)]
    return declared


def _switched_off(payload: Mapping[str, Any], switch: str) -> bool:
    return switch in payload and payload[switch] in SWITCHED_OFF


def _silenced(payload: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        template
        for switch, templates in SILENCED_BY.items()
        if _switched_off(payload, switch)
        for template in templates
    )


# ---------------------------------------------------------------------------------------------
# Email


def from_email(raw: bytes, key: ApiKey) -> TicketRequest:
    """A raw RFC 822 message, read as the inbound mail channel reads one (`mail.parsing`):
    sender, subject, the plain-text body or else the sanitized HTML, attachments."""
    parsed = parse_email(raw)
    body, body_format = message_body(parsed, reply=False)
    problems = [
        problem
        for problem, missing in (
            ("From: required, with an email address", not parsed.sender_email),
            ("Subject: required", not parsed.subject),
            ("the message has no text body", body == NO_TEXT),
        )
        if missing
    ]
    if parsed.problems:
        problems.append("broken MIME structure: " + "; ".join(parsed.problems))
    if problems:
        raise Invalid(*problems)
    if key.default_topic is None:
        raise Invalid("this API key has no default help topic for emailed tickets")
    return TicketRequest(
        name=parsed.sender_name or parsed.sender_email,
        email=_email(parsed.sender_email),
        subject=parsed.subject,
        body=body,
        body_format=body_format,
        topic=key.default_topic,
        attachments=parsed.attachments,
    )


def message_id(raw: bytes) -> str:
    """The email's Message-ID: a resent message is the same ticket."""
    headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    return str(headers.get("Message-ID", "")).strip()


# ---------------------------------------------------------------------------------------------
# Opening


def scoped_idempotency_key(key: ApiKey, client_key: str) -> str | None:
    """The client's Idempotency-Key, made unique to this API key (two integrations may
    both send "1"); fits the ticket's 64-character column."""
    if not client_key.strip():
        return None
    digest = hashlib.sha256(f"{key.pk}\0{client_key.strip()}".encode()).hexdigest()
    return f"api:{digest[:56]}"


@transaction.atomic
def open_request(
    request: TicketRequest, key: ApiKey, *, client_ip: str, idempotency_key: str
) -> Ticket:
    """Open the ticket, with its contact, topic answers and notes, or nothing at all."""
    scoped_key = scoped_idempotency_key(key, idempotency_key)
    reused = Ticket.objects.filter(idempotency_key=scoped_key).exclude(
        requester__email=normalize_email(request.email)
    )
    if scoped_key and reused.exists():
        raise Invalid("Idempotency-Key: already used for another requester's ticket")
    answers = check_answers(fields_of(request.topic), request.answers)
    requester = operations.find_or_create_contact(
        email=request.email, name=request.name, phone=request.phone
    )
    channel = "; ".join(
        [f"API key “{key.name}” ({key.prefix}…) from {client_ip}", *request.declared]
    )
    return operations.open_ticket_from_integration(
        requester=requester,
        subject=request.subject,
        body=request.body,
        body_format=request.body_format,
        topic=request.topic,
        channel=channel,
        priority=request.priority,
        attachments=request.attachments,
        field_values=answers,
        idempotency_key=scoped_key,
        notes=request.notes,
        notes_by=key.agent,
        silenced=request.silenced,
    )
