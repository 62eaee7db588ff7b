"""secondop.cache: Django's Redis cache keeping one client per pool, against the real server."""

import os
import threading

from secondop.cache import RedisCache


def test_the_redis_cache_keeps_its_client_and_works_from_many_threads() -> None:
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-cache-client"})
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client("some-key") is client  # one server: reads and writes share the pool
    failures: list[BaseException] = []

    def work(number: int) -> None:
        try:
            for round_ in range(50):
                cache.set(f"k{number}", (number, round_), 30)
                assert cache.get(f"k{number}") == (number, round_)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert cache.get_many([f"k{number}" for number in range(8)]) == {
        f"k{number}": (number, 49) for number in range(8)
    }
    cache.delete_many([f"k{number}" for number in range(8)])
    assert cache.get("k0") is None
