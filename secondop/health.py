"""What the health page checks: the database, Redis, a Celery worker and beat."""

import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection

HEARTBEAT_KEY = "secondop:beat:last"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def record_heartbeat(at: float) -> None:
    _redis().set(HEARTBEAT_KEY, str(at), ex=int(settings.HEARTBEAT_SECONDS * 4))


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "down"; the class name says which kind
        return Check("database", False, type(error).__name__)
    return Check("database", True, connection.vendor)


def check_redis() -> Check:
    try:
        _redis().ping()
    except redis.RedisError as error:
        return Check("redis", False, type(error).__name__)
    return Check("redis", True, "answers")


def check_worker(timeout: float = 1.5) -> Check:
    from secondop.celery import app

    try:
        # The first answer is enough: without `limit` every check waits out the whole timeout.
        replies = app.control.ping(timeout=timeout, limit=1)
    except Exception as error:  # the broker itself is unreachable
        return Check("worker", False, type(error).__name__)
    if not replies:
        return Check("worker", False, "no worker answered")
    return Check("worker", True, "answers")


def check_beat() -> Check:
    try:
        last = _redis().get(HEARTBEAT_KEY)
    except redis.RedisError as error:
        return Check("beat", False, type(error).__name__)
    if last is None:
        return Check("beat", False, "no heartbeat yet")
    age = time.time() - float(last)
    return Check("beat", True, f"last heartbeat {age:.0f} s ago")


def run_checks() -> list[Check]:
    return [check_database(), check_redis(), check_worker(), check_beat()]
