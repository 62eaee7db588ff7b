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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dispatch import Bench, Group  # noqa: E402
from web import Server, drive, free_port, log  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def descendants(root: int) -> list[int]:
    """`root` and every process below it, whatever process group each chose."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
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


def memory_mb(root: int) -> tuple[float, float, dict[str, float]]:
    """(PSS sum, RSS sum, PSS by service) of `root` and its descendants, in MiB."""
    rss = pss = 0
    by_command: dict[str, float] = {}
    for pid in descendants(root):
        proc = Path("/proc") / str(pid)
        rss += kib(proc / "status", "VmRSS")
        proportional = kib(proc / "smaps_rollup", "Pss")
        pss += proportional
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name = describe(command)
        by_command[name] = by_command.get(name, 0) + proportional / 1024
    return pss / 1024, rss / 1024, by_command


def each_process(root: int) -> list[str]:
    """A line for every process: its PSS, RSS and command line."""
    lines = []
    for pid in descendants(root):
        proc = Path("/proc") / str(pid)
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        pss, rss = kib(proc / "smaps_rollup", "Pss") / 1024, kib(proc / "status", "VmRSS") / 1024
        lines.append(f"{pid:>7} PSS {pss:6.1f} MiB  RSS {rss:6.1f} MiB  {command[:90]}")
    return lines


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


class Sampler(threading.Thread):
    """The largest memory sum seen while it runs, sampled every `period` seconds."""

    def __init__(self, root: int, period: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.root, self.period = root, period
        self.peak: tuple[float, float, dict[str, float]] = (0.0, 0.0, {})
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            sample = memory_mb(self.root)
            if sample[0] > self.peak[0]:
                self.peak = sample
            time.sleep(self.period)

    def stop(self) -> tuple[float, float, dict[str, float]]:
        self.done.set()
        self.join()
        return self.peak


def breakdown(by_command: dict[str, float]) -> str:
    return ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(by_command.items()))


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
                samples.append(memory_mb(run.pid))
                time.sleep(0.5)
            idle = max(samples, key=lambda sample: sample[0])
            log(f"idle: {idle[0]:.0f} MiB (RSS sum {idle[1]:.0f}); by service: {breakdown(idle[2])}")
            for line in each_process(run.pid):
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
                f"busy: {len(arrivals.times)} of {args.count} reminders received; {busy[0]:.0f} MiB "
                f"(RSS sum {busy[1]:.0f}); by service: {breakdown(busy[2])}"
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
    print(f"memory: idle_mb={idle[0]:.0f} busy_mb={busy[0]:.0f}")


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
