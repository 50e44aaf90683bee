"""osTicket-compatible ticket creation: `POST /api/tickets.json` and `/api/tickets.email`.

Answers as osTicket does, in plain text: 201 with the ticket number; 400 "Unable to create
new ticket: …" for what the request got wrong; 401 for a missing, unknown, inactive or
expired key, a key without the "create tickets" scope, or one used from outside its networks.
Also 413 (body too large), 415 (a body type we do not read, XML included) and 429 (rate).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from api import keys, osticket
from api.models import ApiKey
from api.throttling import over_limit
from helpdesk.ratelimit import client_ip
from tickets.errors import TicketError

Parser = Callable[[bytes, ApiKey], osticket.TicketRequest]
REFUSED = "Unable to create new ticket"
# What each endpoint reads. Form-encoded is accepted because osTicket picks the format from
# the URL, so its clients (PHP's curl, `curl -d`) often send JSON under that default type.
JSON_TYPES = ("application/json", "application/x-www-form-urlencoded", "")
EMAIL_TYPES = ("message/rfc822", "text/plain", "application/octet-stream",
               "application/x-www-form-urlencoded", "")  # fmt: skip


class Refusal(Exception):
    """The request is refused with this status and plain-text message."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        self.status, self.message, self.retry_after = status, message, retry_after
        super().__init__(message)


def text_response(body: str, status: int) -> HttpResponse:
    return HttpResponse(f"{body}\n", status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def create_from_json(request: HttpRequest) -> HttpResponse:
    """A ticket from osTicket's JSON payload."""
    return _create(request, osticket.from_json, JSON_TYPES, lambda raw: "")


@csrf_exempt
@require_POST
def create_from_email(request: HttpRequest) -> HttpResponse:
    """A ticket from a raw email; its Message-ID makes a resend the same ticket."""
    return _create(request, osticket.from_email, EMAIL_TYPES, osticket.message_id)


@csrf_exempt
@require_POST
def xml_not_supported(request: HttpRequest) -> HttpResponse:
    """osTicket's XML format is not offered; say so, and what to use instead."""
    return text_response(
        f"{REFUSED}: XML is not supported; send JSON to /api/tickets.json instead.", 415
    )


def _create(
    request: HttpRequest,
    parse: Parser,
    content_types: tuple[str, ...],
    default_idempotency_key: Callable[[bytes], str],
) -> HttpResponse:
    try:
        key = _key_for(request)
        raw = _body(request, content_types)
        ticket_request = parse(raw, key)
        idempotency_key = request.headers.get("Idempotency-Key", "") or (
            default_idempotency_key(raw)
        )
        ticket = osticket.open_request(
            ticket_request, key, client_ip=client_ip(request), idempotency_key=idempotency_key
        )
    except Refusal as refusal:
        response = text_response(refusal.message, refusal.status)
        if refusal.retry_after is not None:
            response["Retry-After"] = str(refusal.retry_after)
        return response
    except osticket.Invalid as invalid:
        return text_response(f"{REFUSED}: validation errors:\n" + "\n".join(invalid.problems), 400)
    except TicketError as error:
        return text_response(f"{REFUSED}: {error}", 400)
    return text_response(ticket.number, 201)


def _key_for(request: HttpRequest) -> ApiKey:
    try:
        key = keys.authenticate(request.headers.get("X-API-Key", ""), client_ip(request))
    except keys.KeyRefused as refused:
        raise Refusal(401, f"API key not authorized: {refused}") from None
    if not key.can_create_tickets:
        raise Refusal(401, "API key not authorized: this key may not create tickets.")
    if (wait := over_limit(key)) is not None:
        raise Refusal(429, f"Too many requests with this API key; retry in {wait} s.", wait)
    return key


def _body(request: HttpRequest, content_types: tuple[str, ...]) -> bytes:
    """The raw body, read up to the configured limit (Content-Length is not trusted alone)."""
    content_type = request.content_type or ""
    if content_type not in content_types:
        readable = ", ".join(kind for kind in content_types if kind)
        raise Refusal(415, f"{REFUSED}: content type {content_type} is not accepted here "
                           f"(send {readable}).")  # fmt: skip
    limit = settings.HELPDESK_API_MAX_BODY_BYTES
    too_large = Refusal(413, f"{REFUSED}: the request body is larger than {filesizeformat(limit)}.")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise too_large
    return raw
