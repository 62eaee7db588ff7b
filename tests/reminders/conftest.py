"""A real Celery worker (its own process, prefork) on the run's real Redis and the TEST database, and the
push receiver it sends to.

The worker opens the test database by its name: SQLite's test database is a file (settings: TEST NAME
under the scratch SECONDOP_VAR_DIR), passed as SQLITE_PATH; PostgreSQL's is passed as DATABASE_URL. It
shares SECONDOP_VAR_DIR with the tests (the same SECRET_KEY and VAPID key) and writes its e-mail to
<var>/mail/ (MAIL_TO_FILES=1). Tests that use it need `transactional_db`: the worker only sees what the
test committed.
"""

import datetime
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from secondop.accounts.models import User
from secondop.celery import app
from secondop.reminders.models import PushSubscription, Reminder
from secondop.tasks import echo
from tests.push_receiver import PushReceiver

ROOT = Path(__file__).resolve().parents[2]
# How long any wait may take: generous, for a loaded machine (each returns as soon as its condition holds).
DEADLINE = 60.0
_numbers = itertools.count(1)


def worker_database_env() -> dict[str, str]:
    """What points a worker process at the database the tests use (call it after the test database exists)."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(database["NAME"])}
    credentials = quote(str(database.get("USER") or ""), safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(str(database["PASSWORD"]), safe="")
    host = str(database.get("HOST") or "localhost")
    port = f":{database['PORT']}" if database.get("PORT") else ""
    scheme = "postgres" if connection.vendor == "postgresql" else connection.vendor
    at = f"{credentials}@" if credentials else ""
    return {"DATABASE_URL": f"{scheme}://{at}{host}{port}/{quote(str(database['NAME']), safe='')}"}


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    hostname: str

    def kill(self) -> None:
        """SIGKILL to the whole process group: the main process and its pool children, mid-task."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM): the children finish the task they hold, then exit."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(env: dict[str, str] | None = None, concurrency: int = 2) -> Worker:
    hostname = f"reminders-{os.getpid()}-{next(_numbers)}@{socket.gethostname()}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "secondop",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            hostname,
        ],
        cwd=ROOT,
        env={**os.environ, **worker_database_env(), "MAIL_TO_FILES": "1", **(env or {})},
        start_new_session=True,  # its own process group, so that a kill reaches the pool children too
    )
    worker = Worker(process, hostname)
    deadline = time.monotonic() + DEADLINE
    while not app.control.ping(destination=[hostname], timeout=0.5):
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited with code {process.returncode} while starting")
        if time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError(f"the worker did not answer within {DEADLINE:.0f} s")
    # A task's round trip: its pool takes work (the first task of a process also loads what tasks need).
    assert echo.delay("ready").get(timeout=DEADLINE) == "ready"
    return worker


def purge_queue() -> None:
    """Drops messages left by an earlier test (a killed worker's batch, a dispatch nobody took)."""
    app.control.purge()


@pytest.fixture(scope="module")
def worker(django_db_setup: None) -> Iterator[Worker]:
    """One worker for a module's tests: prefork, two processes, its own hostname."""
    purge_queue()
    started = start_worker()
    yield started
    started.stop()
    purge_queue()


@pytest.fixture
def start_workers(django_db_setup: None) -> Iterator[Callable[..., Worker]]:
    """For a test that kills workers: starts as many as it asks for, and stops what is left at its end."""
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        started.append(start_worker(env))
        return started[-1]

    purge_queue()
    yield start
    for each in started:
        each.stop()
    purge_queue()


@pytest.fixture(scope="module")
def module_receiver() -> Iterator[PushReceiver]:
    with PushReceiver() as running:
        yield running


@pytest.fixture
def receiver(module_receiver: PushReceiver) -> Iterator[PushReceiver]:
    module_receiver.reset()
    yield module_receiver
    module_receiver.reset()


def subscribe(user: User, receiver: PushReceiver) -> PushSubscription:
    """What the browser's subscription sends the app, with the receiver as the push service."""
    info = receiver.new_subscription()
    return PushSubscription.objects.create(
        user=user, endpoint=info["endpoint"], p256dh=info["keys"]["p256dh"], auth=info["keys"]["auth"]
    )


def mail_dir() -> Path:
    return Path(settings.VAR_DIR) / "mail"


@pytest.fixture
def outbox() -> Iterator[Callable[[], list[EmailMessage]]]:
    """The e-mail the worker wrote to files (its MAIL_TO_FILES backend), parsed."""
    shutil.rmtree(mail_dir(), ignore_errors=True)

    def read() -> list[EmailMessage]:
        messages: list[EmailMessage] = []
        for path in sorted(mail_dir().glob("*.log")) if mail_dir().exists() else []:
            # The file backend writes each message followed by a line of 79 dashes.
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    parsed = message_from_bytes(chunk.lstrip(), policy=policy.default)
                    assert isinstance(parsed, EmailMessage)
                    messages.append(parsed)
        return messages

    yield read
    shutil.rmtree(mail_dir(), ignore_errors=True)


def wait_until(condition: Callable[[], Any], timeout: float = DEADLINE, message: str = "") -> Any:
    """Polls `condition` (a database query, say) until it is true; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or f"not true within {timeout} s")
        time.sleep(0.05)


def statuses(**filters: Any) -> list[str]:
    return list(Reminder.objects.filter(**filters).order_by("pk").values_list("status", flat=True))


def real_now() -> datetime.datetime:
    """The wall clock, even while the test travels in time (the worker lives in real time)."""
    from tests.push_receiver import real_time

    return datetime.datetime.fromtimestamp(real_time(), datetime.UTC)
