"""The JSON API's body parser: JSON, refused with 413 past the configured size before it is
read, so a client cannot make a web process buffer an unbounded body."""

from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.parsers import JSONParser


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


class LimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.HELPDESK_API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(f"The request body is larger than {filesizeformat(limit)}.")
        return super().parse(stream, media_type, parser_context)
