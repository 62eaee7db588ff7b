"""The memory a one-machine secondop takes: `uv run python bench/memory.py [--count 10000]`.

It starts the README's run command (`python -m secondop.run`, what `make run` runs) in production mode on
the embedded defaults, as someone self-hosting on a small server would: SQLite in a scratch var dir, and
the embedded Redis (REDIS_URL points at a free port, so nothing answers there and the run command starts
its own). Then it sums the resident memory (RSS) of every process the run command started — the
supervisor, gunicorn's master and workers, the Celery worker and its pool, beat, the embedded Redis:

- idle:  after start-up, once nothing is due (the largest of several samples);
- busy:  while --count reminders (default 10,000) are dispatched by the real workers into a local push
         receiver (tests/push_receiver.py) and, at the same time, the web benchmark's load runs against
         the case overview and the advocate dashboard (bench/web.py's data set and client), sampled every
         0.2 s; the largest sum.

RSS counts a page shared by forked processes once per process, so the sums are upper bounds; the
proportional share (PSS, from /proc/<pid>/smaps_rollup) is logged beside them.

The last line is exactly
    memory: idle_mb=<n> busy_mb=<n>
Targets: idle ≤ 400, busy ≤ 600 (a 1 GB server).
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import log, process_stats  # noqa: E402
from dispatch import Bench, Group  # noqa: E402
from web import Server, drive  # noqa: E402

from secondop.embedded import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def descendants(root: int) -> list[int]:
    """`root` and every process below it, whatever process group each chose."""
    children: dict[int, list[int]] = {}
    for pid, fields in process_stats():
        children.setdefault(int(fields[1]), []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def kib(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def describe(command: str) -> str:
    for word, name in (
        ("gunicorn", "web"),
        ("worker", "worker"),
        ("beat", "beat"),
        ("valkey", "redis"),
        ("redis", "redis"),
        ("secondop.run", "supervisor"),
    ):
        if word in command:
            return name
    return command[:40]


@dataclass(frozen=True)
class Process:
    pid: int
    pss_mb: float
    rss_mb: float
    command: str


@dataclass(frozen=True)
class Sample:
    """The processes below the run command at one moment."""

    processes: list[Process]

    @property
    def pss_mb(self) -> float:
        return sum(process.pss_mb for process in self.processes)

    @property
    def rss_mb(self) -> float:
        return sum(process.rss_mb for process in self.processes)

    def by_service(self) -> str:
        totals: dict[str, float] = {}
        for process in self.processes:
            name = describe(process.command)
            totals[name] = totals.get(name, 0) + process.pss_mb
        return ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(totals.items()))

    def lines(self) -> list[str]:
        return [
            f"{p.pid:>7} PSS {p.pss_mb:6.1f} MiB  RSS {p.rss_mb:6.1f} MiB  {p.command[:90]}"
            for p in self.processes
        ]


def sample(root: int) -> Sample:
    processes = []
    for pid in descendants(root):
        proc = Path("/proc") / str(pid)
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        pss, rss = kib(proc / "smaps_rollup", "Pss") / 1024, kib(proc / "status", "VmRSS") / 1024
        processes.append(Process(pid, pss, rss, command))
    return Sample(processes)


class Sampler(threading.Thread):
    """The largest memory sum seen while it runs, sampled every `period` seconds."""

    def __init__(self, root: int, period: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.root, self.period = root, period
        self.peak = Sample([])
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            now = sample(self.root)
            if now.pss_mb > self.peak.pss_mb:
                self.peak = now
            time.sleep(self.period)

    def stop(self) -> Sample:
        self.done.set()
        self.join()
        return self.peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="reminders dispatched while busy")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each page is driven")
    parser.add_argument("--connections", type=int, default=32, help="as for bench/web.py")
    args = parser.parse_args()

    server = Server(None, bare_view=False, postgres=False)
    run: subprocess.Popen[bytes] | None = None
    try:
        # The run command's own defaults: an embedded Redis of its own (nothing answers on this free port,
        # so the run command starts one there), the worker's default concurrency.
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
        server.environment()
        os.environ["PUSH_ALLOW_LOCAL_ENDPOINTS"] = "true"
        for name in ("CELERY_CONCURRENCY", "WEB_CONCURRENCY", "WEB_THREADS", "REMINDER_BATCH_SIZE"):
            os.environ.pop(name, None)
        server.django()
        server.data()

        from tests.push_receiver import PushReceiver

        with PushReceiver() as receiver:
            people = Bench(argparse.Namespace(stall=60.0, keep=False))
            started = time.monotonic()
            group: Group = people.people(args.count, "memory", receiver)
            log(
                f"{args.count} people with a phone and a reminder each, in {time.monotonic() - started:.1f} s"
            )

            log("starting python -m secondop.run")
            with (server.scratch / "run.log").open("wb") as output:
                run = subprocess.Popen(
                    [sys.executable, "-m", "secondop.run"],
                    cwd=ROOT,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    process_group=0,
                )
            server.process = None
            wait_until_up(server, run)
            people.wait_for_workers()
            time.sleep(15)  # start-up settles: the first beat ticks, gunicorn's workers import everything
            samples = []
            for _ in range(10):
                samples.append(sample(run.pid))
                time.sleep(0.5)
            idle = max(samples, key=lambda each: each.pss_mb)
            log(f"idle: {idle.pss_mb:.0f} MiB (RSS sum {idle.rss_mb:.0f}); by service: {idle.by_service()}")
            for line in idle.lines():
                log(f"  {line}")

            cookie = server.login()
            sampler = Sampler(run.pid)
            sampler.start()
            since = len(receiver.messages)
            from django.utils import timezone

            from secondop.reminders.models import Reminder
            from secondop.reminders.tasks import dispatch_due

            now = timezone.now()
            Reminder.objects.filter(dedupe_key__startswith="memory:").update(due_at=now, due_on=now.date())
            dispatch_due.delay()
            for path in (f"/cases/{server.case_code}/", "/cases/"):
                result = asyncio.run(
                    drive(server.base, path, cookie, seconds=args.seconds, connections=args.connections)
                )
                log(f"web load {path}: {result.rps:.0f} requests/s, errors {result.errors}")
            arrivals = people.wait_for(receiver, group, since)
            busy = sampler.stop()
            log(
                f"busy: {len(arrivals.times)} of {args.count} reminders received; {busy.pss_mb:.0f} MiB "
                f"(RSS sum {busy.rss_mb:.0f}); by service: {busy.by_service()}"
            )
            if arrivals.lost(group):
                raise SystemExit(f"{arrivals.lost(group)} reminders never arrived: the run is not valid")
    finally:
        if run is not None and run.poll() is None:
            run.send_signal(signal.SIGTERM)  # the supervisor stops its children in order
            try:
                run.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
        server.stop()
    print(f"memory: idle_mb={idle.pss_mb:.0f} busy_mb={busy.pss_mb:.0f}")


def wait_until_up(server: Server, run: subprocess.Popen[bytes]) -> None:
    import contextlib

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if run.poll() is not None:
            raise SystemExit(f"the run command exited with code {run.returncode}:\n{tail(server)}")
        with contextlib.suppress(OSError):
            status, _, _ = server.request("GET", "/health/")
            if status == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"the app did not answer within 120 s:\n{tail(server)}")


def tail(server: Server) -> str:
    path = server.scratch / "run.log"
    return "\n".join(path.read_text(errors="replace").splitlines()[-40:]) if path.exists() else ""


if __name__ == "__main__":
    main()
