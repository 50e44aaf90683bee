"""Values every template may use."""

from django.conf import settings
from django.http import HttpRequest


def desk(request: HttpRequest) -> dict[str, str]:
    """The desk's name, for page titles and headers."""
    return {"helpdesk_name": settings.HELPDESK_NAME}
