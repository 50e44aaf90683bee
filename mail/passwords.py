"""Mailbox passwords at rest: encrypted with Fernet, keyed from a setting, never stored plain."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored password cannot be decrypted: the key changed since it was saved."""


def _fernet() -> Fernet:
    # HELPDESK_MAILBOX_KEY if set; else a key derived from SECRET_KEY, so a desk works
    # without one more secret (rotating SECRET_KEY then means typing the passwords again).
    key = settings.HELPDESK_MAILBOX_KEY
    if not key:
        digest = hashlib.sha256(f"helpdesk-mailbox:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def encrypt(plain: str) -> str:
    """A token that only this desk's key opens."""
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "The stored password cannot be decrypted (HELPDESK_MAILBOX_KEY or SECRET_KEY "
            "changed since it was saved); enter it again."
        ) from None
