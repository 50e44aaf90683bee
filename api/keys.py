"""Issuing, rotating and checking API keys.

A key reads `hd_<prefix>_<secret>`: the prefix finds the row, the whole key is compared by
its SHA-256 hash in constant time. Every refusal says why, in words an integrator can act on.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from api.models import ApiKey, address_in

KEY_START = "hd_"
# last_used_at/ip are written at most this often per key (or when the IP changes), so a busy
# integration costs one UPDATE every few minutes instead of one per request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class KeyRefused(Exception):
    """The request's key cannot be used; the message says why."""


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_secret() -> tuple[str, str, str]:
    """(prefix, full key, its hash) for a fresh key."""
    prefix = secrets.token_hex(4)
    raw = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    return prefix, raw, _hash(raw)


@transaction.atomic
def issue(key: ApiKey) -> str:
    """Give a new (unsaved or saved) key its secret and save it; returns the secret, which is
    never stored and must be shown to the admin now."""
    key.prefix, raw, key.key_hash = _new_secret()
    key.save()
    return raw


@transaction.atomic
def rotate(key: ApiKey, *, grace: timedelta, now: datetime) -> str:
    """Replace the secret; the old one keeps working for `grace` (zero: stops at once).

    Returns the new secret. Rotating again within a grace period ends that period: only the
    secret in use just before the rotation is kept.
    """
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    # The old secret is kept (hashed) even without grace, so using it says "rotated".
    key.previous_prefix, key.previous_key_hash = key.prefix, key.key_hash
    key.previous_valid_until = now + grace
    key.prefix, raw, key.key_hash = _new_secret()
    key.rotated_at = now
    key.save()
    return raw


def _split(raw: str) -> str | None:
    """The prefix of a well-formed key, None for anything else."""
    if not raw.startswith(KEY_START):
        return None
    prefix, _, secret = raw[len(KEY_START) :].partition("_")
    return prefix if len(prefix) == 8 and secret else None


def find(raw: str, now: datetime) -> ApiKey:
    """The key `raw` is (the current secret, or the previous one within its grace period)."""
    prefix = _split(raw.strip())
    if not raw.strip():
        raise KeyRefused("An API key is required: send it in the X-API-Key header.")
    if prefix is None:
        raise KeyRefused("The API key is not valid.")
    key = (
        ApiKey.objects.select_related("agent__user")
        .filter(Q(prefix=prefix) | Q(previous_prefix=prefix))
        .first()
    )
    digest = _hash(raw.strip())
    if key is not None and prefix == key.prefix and hmac.compare_digest(digest, key.key_hash):
        return key
    if (
        key is not None
        and prefix == key.previous_prefix
        and hmac.compare_digest(digest, key.previous_key_hash)
    ):
        if key.previous_valid_until and key.previous_valid_until > now:
            return key
        raise KeyRefused("This API key was rotated and no longer works; use the new one.")
    raise KeyRefused("The API key is not valid.")


def authenticate(raw: str, client_ip: str) -> ApiKey:
    """The usable key `raw` names, called from `client_ip`; `KeyRefused` says why not."""
    now = timezone.now()
    key = find(raw, now)
    if not key.is_usable(now):
        raise KeyRefused("This API key is inactive or has expired.")
    if not address_in(client_ip, key.networks()):
        raise KeyRefused(f"This API key may not be used from {client_ip or 'an unknown address'}.")
    _record_use(key, client_ip, now)
    return key


def _record_use(key: ApiKey, ip: str, now: datetime) -> None:
    fresh = key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION
    if fresh and key.last_used_ip == ip:
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=ip)
    key.last_used_at, key.last_used_ip = now, ip
