"""The health page on one machine: what the supervisor of `make run` knows of its parts (a part down, and
since when; how often each was started again), and a beat that stopped beating."""

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.test import Client

from secondop import health
from secondop.run import status_file


@pytest.fixture
def supervisor_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    monkeypatch.setenv("SECONDOP_VAR_DIR", str(tmp_path))

    def write(parts: dict[str, dict[str, float]], supervisor: int = os.getpid()) -> None:
        status_file().write_text(json.dumps({"supervisor": supervisor, "parts": parts}))

    return write


def checks() -> dict[str, dict[str, object]]:
    answer = Client().get("/health/", headers={"Accept": "application/json"})
    return dict(answer.json()["checks"])


def test_a_part_the_supervisor_is_starting_again_is_down_since_it_died(
    db: None, supervisor_says: Callable[..., None]
) -> None:
    died = time.time() - 5
    supervisor_says({"worker": {"up": False, "since": died, "restarts": 0}})
    worker = checks()["worker"]
    assert worker == {"ok": False, "detail": f"down since {health.moment(died)}, starting again"}
    assert Client().get("/health/").status_code == 503


def test_a_part_started_again_says_how_often_and_when(db: None, supervisor_says: Callable[..., None]) -> None:
    again = time.time() - 60
    supervisor_says({"redis": {"up": True, "since": again, "restarts": 2}})
    assert checks()["redis"] == {
        "ok": True,
        "detail": f"answers; started again 2 time(s), last at {health.moment(again)}",
    }


def test_the_file_of_a_supervisor_that_is_gone_is_not_believed(
    db: None, supervisor_says: Callable[..., None]
) -> None:
    supervisor_says({"redis": {"up": False, "since": time.time(), "restarts": 0}}, supervisor=2**22 + 12345)
    assert checks()["redis"] == {"ok": True, "detail": "answers"}


def test_a_beat_that_stopped_is_down_since_its_last_heartbeat(db: None) -> None:
    last = time.time() - settings.HEARTBEAT_SECONDS * 4
    health.record_heartbeat(last)
    try:
        assert checks()["beat"] == {
            "ok": False,
            "detail": f"down since {health.moment(last)}, its last heartbeat",
        }
    finally:
        redis.Redis.from_url(settings.REDIS_URL).delete(health.HEARTBEAT_KEY)
