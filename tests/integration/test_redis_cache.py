"""The Redis cache backend (helpdesk.cache) on a real Redis: Django's behaviour, one client,
rate-limit counters in one round trip."""

import uuid

import pytest
from django.conf import settings
from django.test import RequestFactory

from helpdesk import ratelimit
from helpdesk.cache import RedisCache


def test_it_caches_as_djangos_backend_does_with_one_client_per_server() -> None:
    backend = RedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})

    assert backend.add("counter", 1, timeout=30)
    assert not backend.add("counter", 5, timeout=30)
    assert backend.incr("counter") == 2
    backend.set_many({"a": {"nested": [1, 2]}, "b": "text"}, timeout=30)
    assert backend.get_many(["a", "b", "missing"]) == {"a": {"nested": [1, 2]}, "b": "text"}
    backend.delete_many(["a", "b", "counter"])
    assert backend.get("counter") is None

    client = backend._cache
    assert client.get_client(write=True) is client.get_client(write=False)


def test_rate_limit_counters_count_in_one_round_trip_and_expire() -> None:
    backend = RedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})
    sent: list[list[object]] = []
    pipeline = backend._cache.get_client(write=True).pipeline

    def recording_pipeline(**options: object) -> object:
        pipe = pipeline(**options)
        execute = pipe.execute
        pipe.execute = lambda: sent.append(list(pipe.command_stack)) or execute()
        return pipe

    backend._cache.get_client(write=True).pipeline = recording_pipeline

    assert backend.count_hits([("ip", 60), ("email", 3600)]) == [1, 1]
    assert backend.count_hits([("ip", 60), ("email", 3600)]) == [2, 2]

    assert len(sent) == 2  # one round trip per call
    assert backend.get("ip") == 2  # a plain integer, as Django's incr leaves it
    client = backend._cache.get_client()
    assert 0 < client.ttl(backend.make_key("ip")) <= 60
    assert 60 < client.ttl(backend.make_key("email")) <= 3600


def test_the_rate_limit_refuses_over_the_limit_on_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = RedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})
    monkeypatch.setattr(ratelimit, "cache", backend)
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.9")
    limits = {"ip": "3/m", "email": "2/h"}
    monkeypatch.setitem(settings.HELPDESK_RATE_LIMITS, "tickets", limits)

    ratelimit.limit(request, "tickets", "ann@bank.test")
    ratelimit.limit(request, "tickets", "ann@bank.test")
    with pytest.raises(ratelimit.RateLimited):  # the email's third in the hour
        ratelimit.limit(request, "tickets", "ann@bank.test")
    with pytest.raises(ratelimit.RateLimited):  # the address's fourth in the minute
        ratelimit.limit(request, "tickets", "bob@bank.test")
    ratelimit.limit(RequestFactory().post("/", REMOTE_ADDR="10.0.0.10"), "tickets", "cy@bank.test")
