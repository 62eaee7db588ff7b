"""Django's Redis cache, keeping one client per connection pool.

Django's backend makes a new `redis.Redis` for every call, and each one fills a dict of about 170 response
callbacks: a fifth of the time of a page answered from the cache (secondop.pagecache) went to that, four
times a page. A `redis.Redis` over a connection pool is safe to share between threads, and the pool
notices a fork and starts afresh, so the clients are kept instead.
"""

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own private helpers (django/core/cache/backends/redis.py), which its stubs leave out.
        django: Any = self
        index = django._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django._get_connection_pool(write)
            client = self._clients.setdefault(index, django._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
