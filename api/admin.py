"""API keys in Django admin: the secret is shown once, on creation and on rotation."""

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from api import keys
from api.models import ApiKey

ROTATION_GRACE = timedelta(hours=24)
SECRETS_TEMPLATE = "admin/api/apikey/secrets.html"


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "agent", "can_create_tickets", "can_read", "can_write",
                    "is_active", "expires_at", "last_used_at", "last_used_ip"]  # fmt: skip
    list_filter = ["is_active", "can_create_tickets", "can_read", "can_write"]
    search_fields = ["name", "prefix"]
    list_select_related = ["agent__user"]
    readonly_fields = ["prefix", "created_at", "rotated_at", "previous_valid_until",
                       "last_used_at", "last_used_ip"]  # fmt: skip
    actions = ["rotate_now", "rotate_with_grace"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            request._issued_secret = keys.issue(obj)  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: ApiKey, *args: Any) -> HttpResponse:
        issued = [(obj, request._issued_secret)]  # type: ignore[attr-defined]
        return self._show_secrets(request, issued, grace=None)

    @admin.action(description="Rotate: new secret, the old one stops at once")
    def rotate_now(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> HttpResponse:
        return self._rotate(request, queryset, timedelta(0))

    @admin.action(description="Rotate: new secret, the old one works 24 more hours")
    def rotate_with_grace(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> HttpResponse:
        return self._rotate(request, queryset, ROTATION_GRACE)

    def _rotate(
        self, request: HttpRequest, queryset: QuerySet[ApiKey], grace: timedelta
    ) -> HttpResponse:
        now = timezone.now()
        issued = [(key, keys.rotate(key, grace=grace, now=now)) for key in queryset]
        for key, _secret in issued:
            self.log_change(request, key, f"Rotated (grace {grace}).")
        return self._show_secrets(request, issued, grace=now + grace if grace else None)

    def _show_secrets(
        self, request: HttpRequest, issued: list[tuple[ApiKey, str]], grace: Any
    ) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "issued": issued, "grace": grace}
        response = TemplateResponse(request, SECRETS_TEMPLATE, context)
        response["Cache-Control"] = "no-store"
        return response
