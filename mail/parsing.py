"""Reading a raw email into what the desk needs, with the stdlib parser (policy.default).

Never raises on bad input: broken structure, undecodable charsets and garbled headers are
read as well as they can be, and what could not be is reported in `ParsedEmail.problems`
(structural damage) or `defects` (damage the message survives).
"""

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import errors, policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from typing import cast

from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.models import normalize_email

# Damage that leaves no trustworthy body: the parts cannot be told apart.
STRUCTURAL_DEFECTS = (
    errors.NoBoundaryInMultipartDefect,
    errors.StartBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.MultipartConversionError,
)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Charsets mail clients announce that Python knows under another name, or not at all.
CHARSET_FALLBACKS = ("utf-8", "windows-1252")


@dataclass
class ParsedEmail:
    """The parts of an email the desk routes and stores."""

    message_id: str
    sender_email: str
    sender_name: str
    subject: str
    text: str
    html: str
    references: list[str]  # In-Reply-To first, then References from the newest back
    cc: list[tuple[str, str]]  # (name, email)
    recipients: list[str]  # To, Cc and Delivered-To addresses
    attachments: list[SimpleUploadedFile]
    headers: dict[str, str]  # lower-case name -> value, for the loop and auto-reply checks
    content_type: str
    problems: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def parse(raw: bytes) -> ParsedEmail:
    """Read `raw`; the result always has a `message_id` (a digest of the bytes without one)."""
    # policy.default makes the parser build EmailMessage objects (get_body, decoded headers).
    message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
    body_parts = _body_parts(message)
    sender_name, sender_email = _sender(message)
    parsed = ParsedEmail(
        message_id=_message_id(message, raw),
        sender_email=sender_email,
        sender_name=sender_name,
        subject=" ".join(_header(message, "subject").split()),
        text=_decoded(body_parts.get("plain")),
        html=_decoded(body_parts.get("html")),
        references=_references(message),
        cc=_addresses(message, "cc"),
        recipients=[
            email
            for name in ("to", "cc", "delivered-to", "x-original-to")
            for _name, email in _addresses(message, name)
        ],
        attachments=_attachments(message, set(map(id, body_parts.values()))),
        headers={name.lower(): _header(message, name) for name in set(message.keys())},
        content_type=message.get_content_type(),
    )
    for part in message.walk():
        for defect in part.defects:
            described = f"{type(defect).__name__}: {defect}"
            if isinstance(defect, STRUCTURAL_DEFECTS):
                parsed.problems.append(described)
            else:
                parsed.defects.append(described)
    if not sender_email:
        parsed.problems.append("The From header has no usable address.")
    return parsed


def _header(message: Message, name: str) -> str:
    """A header's decoded value; a header too garbled for its parser is read as plain text."""
    try:
        value = message.get(name, "")
    except (errors.HeaderParseError, IndexError, ValueError):
        value = message.get_all(name, failobj=[""])[0]
    return _clean(str(value or ""))


def _clean(text: str) -> str:
    """Drop the stray surrogates undecodable header bytes leave behind, and NULs."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _message_id(message: Message, raw: bytes) -> str:
    found = MESSAGE_ID.search(_header(message, "message-id"))
    if found:
        return found.group()[:998]
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


def _sender(message: Message) -> tuple[str, str]:
    name, address = parseaddr(_header(message, "from"))
    if "@" not in address or any(ch.isspace() for ch in address):
        return "", ""
    return name.strip(), normalize_email(address)


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    values = [_clean(str(value)) for value in message.get_all(name, failobj=[])]
    return [
        (person.strip(), normalize_email(address))
        for person, address in getaddresses(values)
        if "@" in address
    ]


def _references(message: Message) -> list[str]:
    """Message-IDs this one answers: the direct parent first, then older ones."""
    in_reply_to = MESSAGE_ID.findall(_header(message, "in-reply-to"))
    references = MESSAGE_ID.findall(_header(message, "references"))
    return list(dict.fromkeys([*in_reply_to, *reversed(references)]))


def _body_parts(message: EmailMessage) -> dict[str, Message]:
    """The plain-text and HTML body parts, if any (not attachments, not a DSN's report)."""
    parts = {}
    for subtype in ("plain", "html"):
        try:
            part = message.get_body(preferencelist=(subtype,))
        except (KeyError, errors.MessageError):
            part = None
        if part is not None and part.get_content_subtype() == subtype:
            parts[subtype] = part
    return parts


def _decoded(part: Message | None) -> str:
    """A text part's content as text, even under a charset Python does not know."""
    if part is None:
        return ""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    for charset in (part.get_content_charset(), *CHARSET_FALLBACKS):
        if not charset:
            continue
        try:
            return _clean(payload.decode(charset))
        except (LookupError, UnicodeDecodeError):
            continue
    return _clean(payload.decode("utf-8", "replace"))


def _attachments(message: Message, body_ids: set[int]) -> list[SimpleUploadedFile]:
    """Every leaf part that is not the body: named files, inline images, forwarded mail."""
    files = []
    for part in _leaves(message):
        if id(part) in body_ids:
            continue
        name = _filename(part)
        if name is None:
            continue
        files.append(SimpleUploadedFile(name, _content(part), content_type=part.get_content_type()))
    return files


def _leaves(part: Message) -> Iterator[Message]:
    """The parts that hold content; a forwarded message counts as one, not as its parts."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    for child in part.get_payload():
        yield from _leaves(child)


def _content(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        return inner[0].as_bytes() if isinstance(inner, list) and inner else b""
    content = part.get_payload(decode=True)
    if isinstance(content, bytes):
        return content
    return str(part.get_payload()).encode("utf-8", "replace")


def _filename(part: Message) -> str | None:
    """The part's file name; None for an unnamed text part (an alternative body)."""
    try:
        name = part.get_filename()
    except (errors.HeaderParseError, IndexError, ValueError):
        name = None
    if name:
        return _clean(str(name))
    if part.get_content_maintype() == "text" and part.get_content_disposition() != "attachment":
        return None
    if part.get_content_type() == "message/rfc822":
        return "forwarded-message.eml"
    # Unnamed non-text parts (an image pasted inline) still reach the ticket, named by type.
    return f"part.{part.get_content_subtype()}"
