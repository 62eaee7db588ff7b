"""Reminders under repeated faults on one machine: `uv run python bench/faults.py [--database-url URL]`.

It sets itself up like dispatch.py (a scratch var dir with its own SQLite file, or the database at
--database-url; the local push receiver, tests/push_receiver.py) and then runs the app the way one machine
does: `python -m secondop.run` (the supervisor, with web, a worker, beat and the embedded Redis on a free
port as its children). 10,000 people get a phone and one reminder each, falling due evenly over two
minutes. While they drain it

- kills the worker (its main process, with SIGKILL; its pool processes die with it) three times at random
  moments, each time once it holds a batch (rows claimed and being sent),
- kills beat once (SIGKILL),
- stops Redis once, saving its data first (SHUTDOWN SAVE: its data kept, as a restarted server keeps its
  append-only file),
- with --database-url, restarts the PostgreSQL server once (`pg_ctlcluster … restart`, or --db-restart),

and leaves the starting again to the supervisor, as on a real machine. Then it waits until nothing is due
or being sent, and prints as its last line exactly

    faults: N=10000 worker_kills=3 beat_kills=1 redis_restarts=1 db_restarts=<0|1> delivered=<n> \
lost=<n> duplicates=<n> p99_latency_s=<s>

(one line: folded here).

`lost` counts reminders never received, `duplicates` extra receipts (a push that went out just before its
process died, and so is not marked sent, goes out once more), `p99_latency_s` the 99th percentile of
due -> first received. Targets: lost=0, duplicates <= the processes killed while holding a batch, p99 <= 60 s.
"""

import argparse
import contextlib
import datetime
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import log, percentile, process_stats  # noqa: E402
from dispatch import make_people  # noqa: E402

from secondop.embedded import free_port  # noqa: E402

if TYPE_CHECKING:
    from tests.push_receiver import PushReceiver

FAR_AWAY = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


def children(parent: int) -> dict[int, str]:
    """The live children of `parent`: pid -> command line."""
    found = {}
    for pid, fields in process_stats():
        if int(fields[1]) != parent:
            continue
        try:
            found[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
    return found


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.scratch = Path(tempfile.mkdtemp(prefix="secondop-faults-"))
        self.supervisor: subprocess.Popen[bytes] | None = None
        self.faults = {"worker": 0, "beat": 0, "redis": 0, "db": 0}
        self.held = 0  # worker kills while it held a batch

    def environment(self) -> None:
        os.environ["SECONDOP_VAR_DIR"] = str(self.scratch / "var")
        (self.scratch / "var" / "static").mkdir(parents=True)
        os.environ["DJANGO_SETTINGS_MODULE"] = "secondop.settings"
        os.environ["CACHE_BACKEND"] = "locmem"
        os.environ["PUSH_ALLOW_LOCAL_ENDPOINTS"] = "true"  # the receiver is on 127.0.0.1, over http
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        # A free port: nothing answers there, so the supervisor starts (and watches) its embedded Redis.
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
        port = free_port()
        # Production settings (as `make run` on a server), on plain http and loopback.
        os.environ.update(
            {
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1",
                "SITE_URL": f"http://127.0.0.1:{port}",
                "SECURE_SSL_REDIRECT": "false",
                "EMAIL_HOST": "localhost",
                "HOST": "127.0.0.1",
                "PORT": str(port),
            }
        )
        if self.args.database_url:
            os.environ["DATABASE_URL"] = self.args.database_url
            self.fresh_database(self.args.database_url)
        else:
            os.environ.pop("DATABASE_URL", None)
        database = self.args.database_url or "SQLite"
        log(f"scratch {self.scratch}; database {database}; {os.environ['REDIS_URL']}")

    @staticmethod
    def fresh_database(url: str) -> None:
        """The bench's own PostgreSQL database, made again empty (its name is the URL's)."""
        from urllib.parse import urlsplit

        import psycopg

        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if not name or name == "postgres":
            raise SystemExit("--database-url must name a database of the bench's own: it is dropped first")
        with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')

    def django(self) -> None:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)

    def people(self, receiver: "PushReceiver") -> dict[str, int]:
        """`--count` people, each with a case, a phone and one reminder (not due yet), as dispatch.py makes
        them; endpoint id -> the reminder meant for it."""
        return make_people(self.args.count, "faults", receiver).by_endpoint

    def fall_due(self, reminders: list[int]) -> dict[int, float]:
        """Spreads the reminders' due times evenly over --seconds from a few seconds on; reminder -> due."""
        from django.db import transaction

        from secondop.reminders.models import Reminder

        start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=5)
        step = self.args.seconds / len(reminders)
        due = {pk: start + datetime.timedelta(seconds=number * step) for number, pk in enumerate(reminders)}
        rows = [Reminder(pk=pk, due_at=moment, due_on=moment.date()) for pk, moment in due.items()]
        with transaction.atomic():
            Reminder.objects.bulk_update(rows, ["due_at", "due_on"], batch_size=500)
        return {pk: moment.timestamp() for pk, moment in due.items()}

    # The app, and its faults

    def start_app(self) -> None:
        output = (self.scratch / "run.log").open("wb")
        self.supervisor = subprocess.Popen(
            [sys.executable, "-m", "secondop.run"],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=output,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
        deadline = time.monotonic() + 90
        while not self.part("beat") or not self.worker_answers():
            if self.supervisor.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the app did not start:\n{self.run_log()}")
            time.sleep(0.5)
        log(f"the app runs: {sorted(children(self.supervisor.pid).values())}")

    def run_log(self, lines: int = 40) -> str:
        path = self.scratch / "run.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def worker_answers(self) -> bool:
        from secondop.celery import app

        try:
            return bool(app.control.ping(timeout=0.5))
        except Exception:  # Redis itself may be down for a moment
            return False

    def part(self, name: str) -> int | None:
        """The pid of the supervisor's child that runs `name` (worker, beat, redis, web)."""
        assert self.supervisor is not None
        marks = {
            "worker": " worker ",
            "beat": " beat ",
            "redis": "-server",
            "web": "gunicorn",
        }
        for pid, command in children(self.supervisor.pid).items():
            if marks[name] in command:
                return pid
        return None

    def sending(self) -> bool:
        """Whether a live worker holds a batch now: rows whose lease was set or renewed in the last few
        seconds (a killed worker's rows keep the lease they had, so they do not count)."""
        from django.conf import settings
        from django.db import connection
        from django.utils import timezone

        from secondop.reminders.models import Reminder, ReminderStatus

        fresh = timezone.now() + datetime.timedelta(seconds=settings.REMINDER_LEASE_SECONDS - 5)
        try:
            return Reminder.objects.filter(status=ReminderStatus.SENDING, lease_until__gt=fresh).exists()
        except Exception:  # the database restarting
            connection.close()
            return False

    def kill(self, name: str) -> None:
        # After an earlier fault the part may still be starting again: wait for it (and for the worker to
        # answer), so that every fault hits a running part.
        deadline = time.monotonic() + 60
        while (self.part(name) is None or (name == "worker" and not self.worker_answers())) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.2)
        if name == "worker":
            # The hard case: the worker holds a batch (claimed rows, a push perhaps in flight).
            deadline = time.monotonic() + 20
            while not self.sending() and time.monotonic() < deadline:
                time.sleep(0.01)
        holding = name == "worker" and self.sending()
        pid = self.part(name)
        if pid is None:
            log(f"fault: no {name} to kill within 60 s")
            return
        self.held += holding
        os.kill(pid, signal.SIGKILL)
        self.faults[name] += 1
        log(f"fault: killed {name} (pid {pid}) with SIGKILL")

    def stop_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        with contextlib.suppress(redis.ConnectionError):  # it closes the connection as it stops
            client.shutdown(save=True)
        self.faults["redis"] += 1
        log("fault: stopped Redis (SHUTDOWN SAVE)")

    def restart_database(self) -> None:
        version = " ".join(sorted(os.listdir("/etc/postgresql")))
        command = self.args.db_restart or f"pg_ctlcluster --skip-systemctl-redirect {version} main restart"
        log(f"fault: restarting the database: {command}")
        subprocess.run(command, shell=True, check=True)
        self.faults["db"] += 1

    def plan(self) -> list[tuple[float, str]]:
        """When each fault happens, in seconds from the first reminder's due time: at random moments while
        the reminders fall due, a few seconds apart."""
        rng = random.Random(self.args.seed)
        faults = ["worker", "worker", "worker", "beat", "redis"] + (["db"] if self.args.database_url else [])
        span = self.args.seconds
        moments = sorted(rng.uniform(5, span - 5) for _ in faults)
        rng.shuffle(faults)
        return list(zip(moments, faults, strict=True))

    def stop(self) -> None:
        if self.supervisor is not None and self.supervisor.poll() is None:
            self.supervisor.send_signal(signal.SIGTERM)
            try:
                self.supervisor.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.supervisor.pid, signal.SIGKILL)
                self.supervisor.wait()
        if not self.args.keep:
            shutil.rmtree(self.scratch, ignore_errors=True)

    # Measuring

    def pending(self) -> int:
        from django.db import connection

        from secondop.reminders.models import Reminder, ReminderStatus

        try:
            return Reminder.objects.filter(
                status__in=[ReminderStatus.SCHEDULED, ReminderStatus.SENDING], due_at__lt=FAR_AWAY
            ).count()
        except Exception:  # the database restarting
            connection.close()
            return -1

    def run(self) -> str:
        args = self.args
        self.environment()
        self.django()
        from tests.push_receiver import PushReceiver

        with PushReceiver() as receiver:
            log(f"making {args.count} people with a phone and a reminder each")
            by_endpoint = self.people(receiver)
            self.start_app()
            due = self.fall_due(sorted(by_endpoint.values()))
            first_due = min(due.values())
            log(f"{args.count} reminders fall due over {args.seconds:g} s")
            for moment, fault in self.plan():
                time.sleep(max(0.0, first_due + moment - time.time()))
                if fault == "redis":
                    self.stop_redis()
                elif fault == "db":
                    self.restart_database()
                else:
                    self.kill(fault)
            # Until nothing is due or being sent (the last leases run out, the reaper hands them back).
            time.sleep(max(0.0, first_due + args.seconds - time.time()))
            deadline = time.monotonic() + args.drain
            while (left := self.pending()) != 0:
                if time.monotonic() > deadline:
                    log(f"warning: {left} reminders still due or sending after {args.drain:g} s")
                    break
                time.sleep(1)
            time.sleep(3)  # a repeat in flight arrives
            times: dict[int, list[float]] = {}
            for message in receiver.messages:
                reminder = by_endpoint.get(receiver.subscriber_id(message.path))
                if reminder is not None and message.accepted:
                    times.setdefault(reminder, []).append(message.arrived_at)
            latencies = [min(arrived) - due[pk] for pk, arrived in times.items()]
        said = [line for line in self.run_log(10_000).splitlines() if line.startswith("secondop: ")]
        log("the supervisor said:\n" + "\n".join(said))
        self.stop()
        delivered = len(times)
        lost = args.count - delivered
        duplicates = sum(len(arrived) - 1 for arrived in times.values())
        p99 = percentile(latencies, 0.99)
        median, most = percentile(latencies, 0.5), percentile(latencies, 1)
        log(f"latency median {median:.1f} s, p99 {p99:.1f} s, max {most:.1f} s")
        log(f"the worker held a batch at {self.held} of its {self.faults['worker']} kills")
        return (
            f"faults: N={args.count} worker_kills={self.faults['worker']} beat_kills={self.faults['beat']} "
            f"redis_restarts={self.faults['redis']} db_restarts={self.faults['db']} delivered={delivered} "
            f"lost={lost} duplicates={duplicates} p99_latency_s={p99:.1f}"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="reminders")
    parser.add_argument("--seconds", type=float, default=120.0, help="over how long they fall due")
    parser.add_argument("--database-url", default="", help="PostgreSQL (its server is restarted once)")
    parser.add_argument("--db-restart", default="", help="the shell command that restarts the database")
    parser.add_argument("--drain", type=float, default=300.0, help="how long to wait for the rest, at most")
    parser.add_argument("--seed", type=int, default=None, help="the faults' moments (random by default)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    return parser.parse_args()


def main() -> None:
    bench = Bench(parse_args())
    try:
        line = bench.run()
    finally:
        bench.stop()
    print(line, flush=True)


if __name__ == "__main__":
    main()
