"""One rate limit per API key, shared by the osTicket endpoint and the JSON API.

Counted with helpdesk.ratelimit (a fixed window, atomic INCR in the shared cache), so every
web process sees the same count: settings.HELPDESK_API_RATE, e.g. "120/m".
"""

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.request import Request

if TYPE_CHECKING:  # at run time DRF imports this module while rest_framework.views loads
    from rest_framework.views import APIView
from rest_framework.throttling import BaseThrottle

from api.models import ApiKey
from helpdesk.ratelimit import Rate, RateLimited, hit


def over_limit(key: ApiKey) -> int | None:
    """Count this request against the key; the seconds to wait if it is one too many."""
    try:
        hit("api:key", str(key.pk), Rate.parse(settings.HELPDESK_API_RATE))
    except RateLimited as limited:
        return limited.retry_after
    return None


class KeyRateThrottle(BaseThrottle):
    """DRF's face of `over_limit`: 429 with Retry-After once the key's rate is used up."""

    retry_after: int | None = None

    def allow_request(self, request: Request, view: "APIView") -> bool:
        if not isinstance(request.auth, ApiKey):
            return True  # unauthenticated requests are refused before they cost anything
        self.retry_after = over_limit(request.auth)
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after
