"""Django's Redis cache, without building a new redis-py client for every cache call, and
with rate-limit counters counted in one round trip.

Django's client asks redis-py for a fresh `Redis` object on each get/set, and building one
sets up its ~200 response callbacks: a sixth of a millisecond each time, several times a
request (session, rate limits, remembered configuration). A client is only a handle on its
connection pool and is thread-safe, so one per pool is kept (and Django already gives each
thread its own cache object).
"""

from typing import Any

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[Any, Any] = {}  # Django's connection pool → its client

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # Django's: one per server, kept
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def count_hits(self, windows: list[tuple[str, int]]) -> list[int]:
        """Add one to each (key, seconds) counter, created with that lifetime if missing,
        and return the new counts: one round trip for all of them, where `add` and `incr`
        (which checks the key exists first) take three each. The counters stay plain
        integers, so `get` reads them as usual."""
        client = self._cache.get_client(write=True)
        with client.pipeline(transaction=False) as pipe:
            for key, seconds in windows:
                name = self.make_and_validate_key(key)
                pipe.set(name, 0, ex=seconds, nx=True)
                pipe.incr(name)
            answers = pipe.execute()
        return answers[1::2]
