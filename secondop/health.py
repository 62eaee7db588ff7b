"""What the health page checks: the database, Redis, a Celery worker and beat; and, on one machine, what
`python -m secondop.run` knows of the processes it watches (when one went down, how often it was started
again: secondop.run.status_file)."""

import datetime
import json
import os
import time
from dataclasses import dataclass, replace

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
    # Kept a day, so that a beat that stopped is reported with the time it was last heard.
    _redis().set(HEARTBEAT_KEY, str(at), ex=24 * 3600)


def moment(at: float) -> str:
    return datetime.datetime.fromtimestamp(at, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


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
    if age > settings.HEARTBEAT_SECONDS * 3:
        return Check("beat", False, f"down since {moment(float(last))}, its last heartbeat")
    return Check("beat", True, f"last heartbeat {age:.0f} s ago")


def supervised() -> dict[str, dict[str, float]]:
    """What the supervisor of `python -m secondop.run` wrote of its parts, while it runs; else nothing."""
    from secondop.run import status_file

    try:
        status = json.loads(status_file().read_text())
        os.kill(int(status["supervisor"]), 0)  # still running (a killed supervisor leaves its file)
        parts = {
            str(name): {
                "up": bool(part["up"]),
                "since": float(part["since"]),
                "restarts": int(part["restarts"]),
            }
            for name, part in dict(status["parts"]).items()
        }
        for part in parts.values():
            moment(part["since"])  # a time that can be shown
    except (OSError, ValueError, KeyError, TypeError, OverflowError, AttributeError):
        return {}  # no supervisor, or a file it did not write: nothing to add
    return parts


def run_checks() -> list[Check]:
    checks = [check_database(), check_redis(), check_worker(), check_beat()]
    parts = supervised()
    for number, check in enumerate(checks):
        part = parts.get(check.name)
        if not part:
            continue
        if not part["up"]:
            checks[number] = Check(check.name, False, f"down since {moment(part['since'])}, starting again")
        elif part["restarts"]:
            again = f"started again {part['restarts']:.0f} time(s), last at {moment(part['since'])}"
            checks[number] = replace(check, detail=f"{check.detail}; {again}")
    return checks
