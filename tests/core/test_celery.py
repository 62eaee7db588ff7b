"""A real Celery worker, started as its own process, against the run's real Redis."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.test import Client

from secondop import health
from secondop.celery import app
from secondop.tasks import echo, heartbeat

ROOT = Path(__file__).resolve().parents[2]


def test_health_says_the_worker_is_down_when_none_runs(db: None) -> None:
    response = Client().get("/health/", headers={"Accept": "application/json"})
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["worker"] == {"ok": False, "detail": "no worker answered"}


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(os.environ, SECONDOP_VAR_DIR=str(tmp_path_factory.mktemp("worker-var")))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "secondop",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        assert process.poll() is None, "the worker exited while starting"
        assert time.monotonic() < deadline, "the worker did not answer within 60 s"
    yield process
    process.terminate()
    process.wait(timeout=30)


def test_a_real_worker_runs_a_task_and_returns_its_result(worker: subprocess.Popen[bytes]) -> None:
    result = echo.delay("hello from the tests")
    assert result.get(timeout=30) == "hello from the tests"


def test_the_worker_runs_beats_heartbeat_task(worker: subprocess.Popen[bytes]) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(health.HEARTBEAT_KEY)
    heartbeat.apply_async(expires=30)
    deadline = time.monotonic() + 30
    while client.get(health.HEARTBEAT_KEY) is None:
        assert time.monotonic() < deadline, "the heartbeat never arrived"
        time.sleep(0.1)
    assert abs(float(client.get(health.HEARTBEAT_KEY) or 0) - time.time()) < 30


def test_health_says_everything_is_up_with_a_worker(worker: subprocess.Popen[bytes], db: None) -> None:
    response = Client().get("/health/")
    assert response.status_code == 200
    assert "Everything is running" in response.text
    body = Client().get("/health/", headers={"Accept": "application/json"}).json()
    assert body["ok"] is True
    assert {name for name, check in body["checks"].items() if check["ok"]} >= {"database", "redis", "worker"}


def test_celery_is_configured_for_safety() -> None:
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    entry = app.conf.beat_schedule["heartbeat"]
    assert entry["task"] == "secondop.tasks.heartbeat"
    assert entry["options"]["expires"] < entry["schedule"]
    assert "secondop.tasks.heartbeat" in app.tasks


def test_beat_has_its_own_app_with_the_schedule_and_no_django_apps() -> None:
    """Beat sends task names at their times and nothing more: its app loads the settings, not the apps."""
    import json
    import sys

    probe = (
        "import json, django.apps, secondop.beat as beat; "
        "beat.app.loader.import_default_modules(); "  # what the beat command does at start
        "conf = beat.app.conf; "
        "print(json.dumps([sorted(conf.beat_schedule), django.apps.apps.ready, conf.broker_url]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    schedule, apps_ready, broker = json.loads(out)
    assert schedule == sorted(settings.CELERY_BEAT_SCHEDULE) and apps_ready is False
    assert broker == settings.CELERY_BROKER_URL
