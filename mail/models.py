"""Inbound email: the mailboxes the desk reads, every message received, and who else may
write on a ticket by email."""

import os
import re
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from mail import passwords
from tickets.models import Department, HelpTopic, ThreadEntry, Ticket, normalize_email

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class Mailbox(models.Model):
    """An address the desk receives mail at: piped in by the MTA or polled over IMAP.

    New messages become tickets of its help topic (and department, if it differs from the
    topic's). IMAP is spoken only over TLS: implicit (IMAPS) or upgraded with STARTTLS; a
    plaintext connection is never attempted, and the server's certificate is verified.
    """

    class Security(models.TextChoices):
        SSL = "ssl", "TLS from the start (IMAPS, port 993)"
        STARTTLS = "starttls", "STARTTLS (port 143), refused if the server cannot"

    class PollStatus(models.TextChoices):
        NEVER = "never", "Never polled"
        OK = "ok", "OK"
        ERROR = "error", "Error"

    name = models.CharField(max_length=80, unique=True)
    address = models.EmailField(
        unique=True, help_text="The address people write to; stored in lower case."
    )
    topic = models.ForeignKey(
        HelpTopic,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="New tickets from this mailbox get this help topic.",
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty means the help topic's department.",
    )
    imap_host = models.CharField(
        "IMAP host", max_length=255, blank=True, help_text="Empty: mail is piped in, not polled."
    )
    imap_port = models.PositiveIntegerField("IMAP port", default=993)
    imap_user = models.CharField("IMAP user", max_length=255, blank=True)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    # A Fernet token (mail/passwords.py), never the password itself.
    password_encrypted = models.TextField(blank=True, editable=False)
    password_env = models.CharField(
        "password from environment variable",
        max_length=100,
        blank=True,
        help_text="Name of an environment variable holding the password, instead of storing it.",
    )
    folder = models.CharField(max_length=200, default="INBOX")
    is_active = models.BooleanField("active", default=True)

    # A poll claims the mailbox by setting this (a conditional UPDATE), so two beat ticks
    # never read the same mailbox at once; a claim older than POLL_LEASE is a dead worker's.
    poll_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_poll_status = models.CharField(
        max_length=10, choices=PollStatus.choices, default=PollStatus.NEVER, editable=False
    )
    last_poll_error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.address = normalize_email(self.address)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.address = normalize_email(self.address)
        if self.password_env and not ENV_NAME.match(self.password_env):
            raise ValidationError(
                {"password_env": "Use an environment variable name such as HELPDESK_IMAP_PASSWORD."}
            )
        if self.imap_host and not self.imap_user:
            raise ValidationError({"imap_user": "An IMAP mailbox needs a user name."})

    def set_password(self, plain: str) -> None:
        """Store the IMAP password encrypted; an environment variable then no longer applies."""
        self.password_encrypted = passwords.encrypt(plain)
        self.password_env = ""

    def imap_password(self) -> str:
        """The IMAP password, from the environment variable named or decrypted from storage."""
        if self.password_env:
            value = os.environ.get(self.password_env, "")
            if not value:
                raise passwords.SecretUnreadable(
                    f"The environment variable {self.password_env} is not set."
                )
            return value
        if not self.password_encrypted:
            raise passwords.SecretUnreadable("No IMAP password is set for this mailbox.")
        return passwords.decrypt(self.password_encrypted)


class InboundMessage(models.Model):
    """One email received, whatever became of it, with its raw bytes kept.

    The Message-ID is unique: it is the claim that makes a message processed once, however
    many times or by however many processes it is delivered.
    """

    class Status(models.TextChoices):
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        HELD = "held", "Held for review"
        FAILED = "failed", "Failed"

    class Reason(models.TextChoices):
        NEW_TICKET = "new_ticket", "Opened a ticket"
        REPLY = "reply", "Added to its ticket"
        RELEASED = "released", "Released by an admin"
        AUTO_REPLY = "auto_reply", "Auto-reply"
        BOUNCE = "bounce", "Bounce or delivery report"
        BULK = "bulk", "Bulk or list mail"
        MAIL_LOOP = "mail_loop", "Mail loop (our own message)"
        UNKNOWN_SENDER = "unknown_sender", "Reply from someone not on the ticket"
        BROKEN_MIME = "broken_mime", "Broken MIME structure"
        NO_SENDER = "no_sender", "No usable sender address"
        NO_MAILBOX = "no_mailbox", "No mailbox for the recipient"
        REFUSED = "refused", "Refused by the ticket rules"
        ERROR = "error", "Unexpected error"

    # Statuses an admin may process again (retry) or release.
    RETRYABLE: ClassVar[tuple[str, ...]] = (Status.HELD, Status.FAILED)

    message_id = models.CharField(
        "Message-ID",
        max_length=998,
        unique=True,
        help_text="As sent, or sha256:<digest of the bytes> for a message without one.",
    )
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    raw = models.BinaryField(help_text="The message exactly as received.")
    sender = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason_code = models.CharField(max_length=20, choices=Reason.choices)
    reason = models.TextField(blank=True, help_text="What happened, in words.")
    refused_attachments = models.TextField(
        blank=True, help_text="Attachments not kept, one per line, with why."
    )
    # The ticket opened or answered; for a held reply, the ticket it claims to answer.
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry = models.ForeignKey(
        ThreadEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            # Admins work the held and failed messages; these stay few.
            models.Index(
                fields=["-received_at"],
                condition=models.Q(status__in=["held", "failed"]),
                name="inbound_needs_review",
            ),
            models.Index(fields=["ticket"], name="inbound_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.sender or '?'}"
