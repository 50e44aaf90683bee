"""The JSON API's credentials: an API key, as `Authorization: Bearer <key>` (or `Token`),
or osTicket's `X-API-Key` header. The key's agent is the request's user."""

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from api import keys
from api.models import ApiKey
from helpdesk.ratelimit import client_ip

SCHEMES = (b"bearer", b"token")


def raw_key(request: Request) -> str | None:
    """The key the request carries, None if it carries none."""
    scheme, _, credentials = get_authorization_header(request).partition(b" ")
    if scheme.lower() in SCHEMES:
        return credentials.decode("latin-1").strip()
    return request.headers.get("X-API-Key")


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticate by API key; a refused key is a 401 whose message says why."""

    def authenticate(self, request: Request) -> tuple[object, ApiKey] | None:
        raw = raw_key(request)
        if raw is None:
            return None
        try:
            key = keys.authenticate(raw, client_ip(request))
        except keys.KeyRefused as refused:
            raise AuthenticationFailed(str(refused)) from None
        return (key.agent.user if key.agent else AnonymousUser()), key

    def authenticate_header(self, request: Request) -> str:
        # Announcing a scheme makes DRF answer 401 (not 403) to a request without a key.
        return 'Bearer realm="api"'
