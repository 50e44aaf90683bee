"""System checks for a production installation (`manage.py check --deploy`)."""

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Warning, register


@register("helpdesk", deploy=True)
def check_email_is_delivered(
    app_configs: list[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """A help desk whose notifications only reach a log file fails its users silently."""
    if settings.EMAIL_BACKEND != "django.core.mail.backends.smtp.EmailBackend":
        return [
            Warning(
                "Notifications are not sent by email: EMAIL_HOST is not set.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
                id="helpdesk.W001",
            )
        ]
    return []
