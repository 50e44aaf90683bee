"""The Redis cache backend (helpdesk.cache) on a real Redis: Django's behaviour, one client."""

import uuid

from django.conf import settings

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
