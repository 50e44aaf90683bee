"""Django admin for inbound email: mailboxes, the received messages (with retry and release
actions for held and failed ones) and ticket collaborators."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from mail import operations
from mail.models import InboundMessage, Mailbox
from tickets.errors import TicketError

RAW_SHOWN = 100_000


class MailboxForm(forms.ModelForm):
    """The IMAP password is write-only: typed here, stored encrypted, never shown again."""

    password = forms.CharField(
        label="IMAP password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted; leave empty to keep the current one. Or name an "
        "environment variable below instead.",
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "topic",
            "department",
            "is_active",
            "imap_host",
            "imap_port",
            "security",
            "imap_user",
            "password",
            "password_env",
            "folder",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        has_password = bool(cleaned.get("password") or self.instance.password_encrypted)
        if cleaned.get("imap_host") and not (has_password or cleaned.get("password_env")):
            self.add_error("password", "An IMAP mailbox needs a password or its variable's name.")
        if cleaned.get("password") and cleaned.get("password_env"):
            self.add_error("password_env", "Give a password or a variable's name, not both.")
        return cleaned

    def save(self, commit: bool = True) -> Mailbox:
        mailbox = super().save(commit=False)
        if self.cleaned_data.get("password"):
            mailbox.set_password(self.cleaned_data["password"])
        elif self.cleaned_data.get("password_env"):
            mailbox.password_encrypted = ""
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = [
        "name",
        "address",
        "topic",
        "imap_host",
        "is_active",
        "last_polled_at",
        "last_poll_status",
    ]
    list_filter = ["is_active", "last_poll_status"]
    search_fields = ["name", "address", "imap_host"]
    readonly_fields = ["password_stored", "last_polled_at", "last_poll_status", "last_poll_error"]

    @admin.display(description="password stored")
    def password_stored(self, mailbox: Mailbox) -> str:
        if mailbox.password_env:
            return f"from the environment variable {mailbox.password_env}"
        return "yes, encrypted" if mailbox.password_encrypted else "no"


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Every email received. Read-only: held and failed ones are retried or released."""

    list_display = [
        "received_at",
        "sender",
        "subject",
        "mailbox",
        "status",
        "reason_code",
        "ticket",
    ]
    list_filter = ["status", "reason_code", "mailbox"]
    search_fields = ["=message_id", "sender", "subject", "=ticket__number"]
    list_select_related = ["mailbox", "ticket"]
    show_full_result_count = False
    actions = ["retry", "release_as_ticket", "release_as_reply"]
    fields = [
        "message_id",
        "mailbox",
        "sender",
        "subject",
        "status",
        "reason_code",
        "reason",
        "refused_attachments",
        "ticket",
        "entry",
        "received_at",
        "processed_at",
        "raw_message",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="raw message")
    def raw_message(self, message: InboundMessage) -> str:
        text = bytes(message.raw)[:RAW_SHOWN].decode("utf-8", "replace")
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", text)

    @admin.action(description="Process again (held or failed messages)")
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        self._review(request, queryset, operations.retry)

    @admin.action(description="Release held messages as new tickets")
    def release_as_ticket(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        by = request.user.get_username()
        self._review(request, queryset, partial(operations.release_as_ticket, by=by))

    @admin.action(description="Release held replies to their ticket, sender as collaborator")
    def release_as_reply(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        by = request.user.get_username()
        self._review(request, queryset, partial(operations.release_as_reply, by=by))

    def _review(
        self,
        request: HttpRequest,
        queryset: QuerySet[InboundMessage],
        verb: Callable[[InboundMessage], InboundMessage],
    ) -> None:
        """Apply `verb` to each selected message and report what became of each."""
        for message in queryset:
            try:
                result = verb(message)
            except TicketError as refused:
                self.message_user(request, f"{message}: {refused}", messages.ERROR)
                continue
            failed = result.status == InboundMessage.Status.FAILED
            self.message_user(
                request,
                f"{message}: {result.get_status_display().lower()}. {result.reason}",
                messages.ERROR if failed else messages.SUCCESS,
            )
