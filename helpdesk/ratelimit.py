"""Rate limits counted in Django's cache, for every face (portal forms, login, the API).

A fixed window per (scope, who): the first hit of a window creates its counter with the
window's lifetime, later hits increment it atomically (Redis INCR under CACHE_URL). `who`
is hashed so neither IPs nor email addresses end up in cache keys. The limits themselves
are in settings.HELPDESK_RATE_LIMITS, written like "10/h".
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    """At most `count` hits per `period` seconds."""

    count: int
    period: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """ "10/h" → Rate(10, 3600); settings have already checked the form."""
        count, _, unit = text.partition("/")
        return cls(int(count), PERIODS[unit])


class RateLimited(Exception):
    """Too many attempts; `retry_after` is the number of seconds until the window ends."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            "Too many attempts from you in a short time. Please wait "
            f"{minutes} minute{'s' if minutes != 1 else ''} and try again."
        )


def _key(scope: str, who: str, rate: Rate, now: float) -> tuple[str, int]:
    window = int(now // rate.period)
    digest = hashlib.sha256(f"{scope}\0{who}".encode()).hexdigest()[:32]
    retry_after = rate.period - int(now % rate.period)
    return f"ratelimit:{scope}:{rate.period}:{digest}:{window}", retry_after


def hit(scope: str, who: str, rate: Rate) -> None:
    """Count one attempt; raise `RateLimited` if it is over the limit."""
    _hit_all([(scope, who, rate)])


def _hit_all(attempts: list[tuple[str, str, Rate]]) -> None:
    """Count one attempt in each (scope, who, rate) window; raise `RateLimited` for the first
    one over its limit (all are counted: a refused attempt is an attempt)."""
    now = time.time()
    windows = [(*_key(scope, who, rate, now), rate) for scope, who, rate in attempts]
    counters = [(key, rate.period + 1) for key, _retry_after, rate in windows]
    counting = getattr(cache, "count_hits", None)  # the Redis cache's: one round trip
    counts = counting(counters) if counting else [_count_hit(*each) for each in counters]
    for (_key_name, retry_after, rate), count in zip(windows, counts, strict=True):
        if count > rate.count:
            raise RateLimited(retry_after)


def _count_hit(key: str, timeout: int) -> int:
    # add() is a no-op when the counter exists, so concurrent first hits do not reset it.
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr(): this is the window's first hit
        cache.add(key, 1, timeout=timeout)
        return 1


def check(scope: str, who: str, rate: Rate) -> None:
    """Raise `RateLimited` if the limit is already reached, without counting an attempt."""
    key, retry_after = _key(scope, who, rate, time.time())
    if (cache.get(key) or 0) >= rate.count:
        raise RateLimited(retry_after)


def client_ip(request: HttpRequest) -> str:
    """The client's address: the proxy's last X-Forwarded-For entry when it is trusted."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if last := forwarded.rsplit(",", 1)[-1].strip():
            return last
    return request.META.get("REMOTE_ADDR", "")


def limit(request: HttpRequest, scope: str, email: str = "", *, count: bool = True) -> None:
    """Apply settings.HELPDESK_RATE_LIMITS[scope] to this client's IP and, if given, the email.

    With `count=False` only check (e.g. before a login attempt, counting failures only).
    """
    rates = settings.HELPDESK_RATE_LIMITS[scope]
    limits = [(f"{scope}:ip", client_ip(request), Rate.parse(rates["ip"]))]
    if email:
        limits.append((f"{scope}:email", email.strip().lower(), Rate.parse(rates["email"])))
    if count:
        _hit_all(limits)
    else:
        for limited in limits:
            check(*limited)
