"""The reminder pipeline under load: `uv run python bench/dispatch.py --count 10000`.

It sets itself up: a scratch var dir with its own SQLite file (or DATABASE_URL), migrations, the embedded
Redis (or REDIS_URL), a push receiver on 127.0.0.1 (tests/push_receiver.py), real Celery workers and beat
(`python -m secondop.run worker|beat`). Then, in one run:

1. burst:   N reminders fall due at once (one person, one case, one phone each) and go through the real
            dispatcher and workers into the receiver: reminders per second, from the moment they are due
            to the last one received.
2. raw:     a plain pywebpush loop (webpush(), one reused requests.Session, one thread, its own process)
            sends N messages to the same receiver: what one sender reaches with nothing else to do.
3. trickle: 300 reminders fall due evenly over 30 s while beat runs: due -> received latency.

`--compare DIR [DIR …]` (other copies of the source with the same migrations, e.g. one without a change)
adds `--rounds` rounds of bursts between 1 and 2: in each round every tree, in turn, runs its own workers
and beat on a fresh burst of N, so that all of them meet the same background load. The log ends with each
tree's rates and CPU per reminder, and how far each differs from this tree.

The last line is exactly
    dispatch: N=<n> rate=<reminders/s> raw=<raw/s> ratio=<rate/raw> p99_latency_s=<s> lost=<n> duplicates=<n>
"""

import argparse
import base64
import datetime
import json
import math
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import log, percentile, process_stats  # noqa: E402

from secondop.embedded import start_on_free_port  # noqa: E402

if TYPE_CHECKING:
    from tests.push_receiver import PushReceiver

FAR_AWAY = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
SAMPLE_PAYLOAD = {  # the size and shape of a reminder's payload, for the raw loop
    "title": "secondop",
    "body": "A follow-up is due.",
    "url": "/cases/00000000-0000-0000-0000-000000000000/records/requests/1/",
    "actions": {"done": "/r/" + "x" * 110 + "/done/", "tomorrow": "/r/" + "x" * 110 + "/tomorrow/"},
}


def cpu_seconds(group: int | None = None, *, leader: bool = True) -> float:
    """CPU time (user + system) used so far by a process group's live processes (with or without the
    group's leader), or by this process."""
    if group is None:
        usage = os.times()
        return usage.user + usage.system
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(
        (int(fields[11]) + int(fields[12])) / ticks
        for pid, fields in process_stats()
        if int(fields[2]) == group and (leader or pid != group)
    )


# The raw loop runs in its own process, like a worker: it must not share this process's GIL with the
# receiver's threads.
def raw_loop(pem: str, subject: str, subscriptions: list[dict[str, Any]]) -> tuple[float, float]:
    """Sends one message to each subscription; returns the seconds and the CPU seconds it took."""
    import requests
    from py_vapid import Vapid
    from pywebpush import webpush

    vapid = Vapid.from_pem(pem.encode())
    session = requests.Session()
    started, cpu = time.perf_counter(), cpu_seconds()
    for number, subscription in enumerate(subscriptions):
        webpush(
            subscription_info=subscription,
            data=json.dumps({**SAMPLE_PAYLOAD, "tag": f"raw-{number}"}),
            vapid_private_key=vapid,
            vapid_claims={"sub": subject},  # a fresh dict: webpush() writes aud and exp into it
            ttl=24 * 3600,
            timeout=10,
            headers={"Urgency": "normal"},
            requests_session=session,
        )
    return time.perf_counter() - started, cpu_seconds() - cpu


@dataclass
class Group:
    """People made for one phase: their reminders, and which endpoint each reminder goes to."""

    prefix: str
    reminders: list[int]
    by_endpoint: dict[str, int]


@dataclass
class Arrivals:
    times: dict[int, list[float]]  # reminder -> when each accepted copy arrived (real clock)

    def lost(self, group: Group) -> int:
        return len(group.reminders) - len(self.times)

    def duplicates(self) -> int:
        return sum(len(times) - 1 for times in self.times.values())

    def first(self) -> dict[int, float]:
        return {reminder: min(times) for reminder, times in self.times.items()}


def make_people(count: int, prefix: str, receiver: "PushReceiver") -> Group:
    """`count` people, each with a case, a phone and one reminder, due far in the future for now."""
    from django.db import transaction

    from secondop.accounts.models import Profile, User
    from secondop.cases.models import Case, Membership, Role
    from secondop.reminders.models import PushSubscription, Reminder, ReminderKind

    group = Group(prefix, [], {})
    chunk = 2000
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        with transaction.atomic():
            users = User.objects.bulk_create(
                [User(email=f"{prefix}{start + n}@example.com", password="!") for n in range(size)]
            )
            Profile.objects.bulk_create([Profile(user=user) for user in users])
            cases = Case.objects.bulk_create(
                [Case(patient_name="Bench Patient", concern="bench", created_by=user) for user in users]
            )
            Membership.objects.bulk_create(
                [
                    Membership(case=case, user=user, role=Role.OWNER, gets_reminders=True)
                    for case, user in zip(cases, users, strict=True)
                ]
            )
            infos = [receiver.new_subscription() for _ in users]
            PushSubscription.objects.bulk_create(
                [
                    PushSubscription(
                        user=user,
                        endpoint=info["endpoint"],
                        p256dh=info["keys"]["p256dh"],
                        auth=info["keys"]["auth"],
                    )
                    for user, info in zip(users, infos, strict=True)
                ]
            )
            reminders = Reminder.objects.bulk_create(
                [
                    Reminder(
                        recipient=user,
                        case=case,
                        kind=ReminderKind.FOLLOW_UP,
                        due_on=FAR_AWAY.date(),
                        due_at=FAR_AWAY,
                        dedupe_key=f"{prefix}:{user.pk}",
                    )
                    for case, user in zip(cases, users, strict=True)
                ]
            )
        for reminder, info in zip(reminders, infos, strict=True):
            group.reminders.append(reminder.pk)
            group.by_endpoint[receiver.subscriber_id(info["endpoint"])] = reminder.pk
    return group


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.scratch = Path(tempfile.mkdtemp(prefix="secondop-bench-"))
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.redis: subprocess.Popen[bytes] | None = None
        self.stopped = False

    # Setting up

    def environment(self) -> None:
        """Everything the settings read, before Django loads them; workers and beat inherit it."""
        args = self.args
        os.environ["SECONDOP_VAR_DIR"] = str(self.scratch / "var")
        (self.scratch / "var" / "static").mkdir(parents=True)
        os.environ["DJANGO_SETTINGS_MODULE"] = "secondop.settings"
        os.environ["CACHE_BACKEND"] = "locmem"
        os.environ["REMINDER_BATCH_SIZE"] = str(args.batch)
        os.environ["REMINDER_DISPATCH_PERIOD"] = str(args.period)
        os.environ["CELERY_CONCURRENCY"] = str(args.concurrency)
        os.environ["PUSH_ALLOW_LOCAL_ENDPOINTS"] = "true"  # the receiver is on 127.0.0.1, over http
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        if not os.environ.get("REDIS_URL"):
            os.environ["REDIS_URL"], self.redis = start_on_free_port(self.scratch / "redis")
        database = os.environ.get("DATABASE_URL") or str(self.scratch / "var" / "secondop.sqlite3")
        log(f"scratch {self.scratch}; database {database}; redis {os.environ['REDIS_URL']}")

    def django(self) -> None:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)

    def start(self, name: str, tree: Path = ROOT) -> subprocess.Popen[bytes]:
        """Starts `python -m secondop.run <name>` from the source in `tree`, without DEBUG (as in production:
        DEBUG keeps every query in memory), its output in <scratch>/<name>.log."""
        with (self.scratch / f"{name}.log").open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "secondop.run", name],
                cwd=tree,
                env=dict(os.environ, DEBUG="false"),
                stdout=output,
                stderr=subprocess.STDOUT,
                # Its own process group (its CPU time is counted, and it is stopped whole), in this session:
                # the scheduler shares CPU between sessions first, and the raw loop runs in this one.
                process_group=0,
            )
        self.processes.append((name, process))
        return process

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.scratch / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def wait_for_workers(self) -> None:
        from secondop.celery import app

        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not answer within 60 s")
            for name, process in self.processes:
                if process.poll() is not None:
                    raise SystemExit(f"{name} exited with code {process.returncode}:\n{self.log_tail(name)}")

    def serve(self, tree: Path = ROOT) -> None:
        """(Re)starts the workers and beat, from the source in `tree`."""
        self.stop_processes()
        args = self.args
        log(f"starting {args.concurrency} worker processes and beat (every {args.period:g} s) from {tree}")
        self.start("worker", tree)
        self.start("beat", tree)
        self.wait_for_workers()

    def stop_processes(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes = []

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.stop_processes()
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(timeout=10)
        if not self.args.keep:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def people(self, count: int, prefix: str, receiver: "PushReceiver") -> Group:
        return make_people(count, prefix, receiver)

    # Measuring

    def wait_for(
        self, receiver: "PushReceiver", group: Group, since: int, deadline: float | None = None
    ) -> Arrivals:
        """Arrivals of the group's reminders from message `since` on: until all arrived, or no message came
        for --stall seconds, or `deadline` (a time.monotonic() value) passed."""
        last_progress = time.monotonic()
        seen = since
        times: dict[int, list[float]] = {}
        while True:
            messages = receiver.messages
            for message in messages[seen:]:
                reminder = group.by_endpoint.get(receiver.subscriber_id(message.path))
                if reminder is not None and message.accepted:
                    times.setdefault(reminder, []).append(message.arrived_at)
            if len(messages) > seen:
                last_progress = time.monotonic()
            seen = len(messages)
            now = time.monotonic()
            done = len(times) >= len(group.reminders)
            if done or now - last_progress > self.args.stall or (deadline is not None and now > deadline):
                return Arrivals(times)
            time.sleep(0.05)

    def settle(self) -> None:
        """Until no reminder is claimed and no worker holds a task: any repeat would have arrived by then."""
        from secondop.celery import app
        from secondop.reminders.models import Reminder, ReminderStatus

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            active = app.control.inspect(timeout=1).active() or {}
            idle = bool(active) and not any(active.values())
            if idle and not Reminder.objects.filter(status=ReminderStatus.SENDING).exists():
                return
            time.sleep(0.2)
        log("warning: the workers were still busy after 60 s")

    def check_payloads(self, receiver: "PushReceiver", group: Group, since: int, until: int) -> None:
        """Decrypts a sample (up to 500) and checks each is the reminder its endpoint was made for."""
        window = [m for m in receiver.messages[since:until] if m.accepted]
        for message in random.sample(window, min(500, len(window))):
            expected = group.by_endpoint[receiver.subscriber_id(message.path)]
            assert message.payload["tag"] == f"reminder-{expected}", (message.payload, expected)
            assert message.vapid.signature_is_valid()

    def worker_cpu(self, *, leader: bool = True) -> float:
        return sum(
            cpu_seconds(process.pid, leader=leader) for name, process in self.processes if name == "worker"
        )

    # The phases

    def burst(self, receiver: "PushReceiver", group: Group) -> tuple[float, Arrivals, float]:
        """Returns the rate, the arrivals and the workers' CPU milliseconds per reminder."""
        from django.utils import timezone

        from secondop.reminders.models import Reminder, ReminderStatus
        from secondop.reminders.tasks import dispatch_due

        log(f"burst: {len(group.reminders)} reminders fall due now")
        since = len(receiver.messages)
        cpu_workers, cpu_pool, cpu_here = self.worker_cpu(), self.worker_cpu(leader=False), cpu_seconds()
        now = timezone.now()
        Reminder.objects.filter(dedupe_key__startswith=f"{group.prefix}:").update(
            due_at=now, due_on=now.date()
        )
        became_due = time.time()
        dispatch_due.delay()  # what beat sends; it would come within one period anyway
        self.wait_for(receiver, group, since)
        cpu_workers, cpu_pool = self.worker_cpu() - cpu_workers, self.worker_cpu(leader=False) - cpu_pool
        cpu_here = cpu_seconds() - cpu_here
        self.settle()
        arrivals = self.wait_for(receiver, group, since, deadline=time.monotonic())
        firsts = arrivals.first()
        elapsed = max(firsts.values()) - became_due if firsts else math.inf
        rate = len(firsts) / elapsed
        not_sent = (
            Reminder.objects.filter(dedupe_key__startswith=f"{group.prefix}:")
            .exclude(status=ReminderStatus.SENT)
            .count()
        )
        per = 1000 / max(len(firsts), 1)
        log(
            f"burst: {len(firsts)} received in {elapsed:.1f} s = {rate:.0f}/s; lost {arrivals.lost(group)}, "
            f"duplicates {arrivals.duplicates()}, not marked sent {not_sent}"
        )
        log(
            f"burst: CPU per reminder: workers {cpu_workers * per:.2f} ms (of which pool processes "
            f"{cpu_pool * per:.2f} ms), receiver {cpu_here * per:.2f} ms"
        )
        self.check_payloads(receiver, group, since, len(receiver.messages))
        return rate, arrivals, cpu_workers * per

    def raw(self, receiver: "PushReceiver", group: Group) -> float:
        from django.conf import settings

        count = len(group.reminders)
        log(f"raw: {count} plain pywebpush sends from one thread")
        subscriptions = []
        for subscriber_id in group.by_endpoint:
            subscriber = receiver.subscriber(subscriber_id)
            subscriptions.append(
                {
                    "endpoint": receiver.endpoint_for(subscriber_id),
                    "keys": {
                        "p256dh": subscriber.p256dh,
                        "auth": base64.urlsafe_b64encode(subscriber.auth_secret).rstrip(b"=").decode(),
                    },
                }
            )
        since = len(receiver.messages)
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            cpu_here = cpu_seconds()
            seconds, cpu_sender = pool.apply(
                raw_loop, (settings.VAPID_PRIVATE_KEY, settings.VAPID_SUBJECT, subscriptions)
            )
            cpu_here = cpu_seconds() - cpu_here
        received = sum(1 for m in receiver.messages[since:] if m.accepted)
        rate = count / seconds
        per = 1000 / count
        log(
            f"raw: {received} received in {seconds:.1f} s = {rate:.0f}/s; CPU per message: sender "
            f"{cpu_sender * per:.2f} ms, receiver {cpu_here * per:.2f} ms"
        )
        return rate

    def trickle(self, receiver: "PushReceiver", group: Group) -> tuple[float, Arrivals]:
        from django.utils import timezone

        from secondop.reminders.models import Reminder

        args = self.args
        log(f"trickle: {len(group.reminders)} reminders fall due over {args.trickle_seconds:g} s")
        since = len(receiver.messages)
        start = timezone.now() + datetime.timedelta(seconds=2)
        step = args.trickle_seconds / max(len(group.reminders), 1)
        due: dict[int, float] = {}
        for number, pk in enumerate(group.reminders):
            moment = start + datetime.timedelta(seconds=number * step)
            Reminder.objects.filter(pk=pk).update(due_at=moment, due_on=moment.date())
            due[pk] = moment.timestamp()
        deadline = time.monotonic() + 2 + args.trickle_seconds + 3 * args.period + 60
        self.wait_for(receiver, group, since, deadline=deadline)
        self.settle()
        arrivals = self.wait_for(receiver, group, since, deadline=time.monotonic())
        latencies = [arrived - due[pk] for pk, arrived in arrivals.first().items()]
        p99 = percentile(latencies, 0.99)
        log(
            f"trickle: latency median {percentile(latencies, 0.5):.2f} s, p99 {p99:.2f} s, max "
            f"{percentile(latencies, 1):.2f} s; lost {arrivals.lost(group)}, "
            f"duplicates {arrivals.duplicates()}"
        )
        self.check_payloads(receiver, group, since, len(receiver.messages))
        return p99, arrivals

    def compare(self, receiver: "PushReceiver") -> None:
        trees = [ROOT, *(Path(tree).resolve() for tree in self.args.compare)]
        figures: dict[Path, list[tuple[float, float]]] = {tree: [] for tree in trees}
        for round_number in range(self.args.rounds):
            for turn in range(len(trees)):
                tree = trees[(round_number + turn) % len(trees)]  # each round starts with the next tree
                log(f"compare: round {round_number + 1}, {tree}")
                self.serve(tree)
                group = self.people(self.args.count, f"compare{round_number}x{turn}", receiver)
                rate, _, cpu = self.burst(receiver, group)
                figures[tree].append((rate, cpu))
        here_rate = statistics.median(rate for rate, _ in figures[ROOT])
        here_cpu = statistics.median(cpu for _, cpu in figures[ROOT])
        for tree, runs in figures.items():
            rate, cpu = statistics.median(r for r, _ in runs), statistics.median(c for _, c in runs)
            log(
                f"compare: {tree}: median rate {rate:.0f}/s ({rate / here_rate - 1:+.1%} against this tree), "
                f"worker CPU {cpu:.2f} ms a reminder ({cpu / here_cpu - 1:+.1%}); each round: "
                + ", ".join(f"{r:.0f}/s {c:.2f} ms" for r, c in runs)
            )
        self.serve()

    def run(self) -> str:
        args = self.args
        self.environment()
        self.django()
        from tests.push_receiver import PushReceiver

        with PushReceiver() as receiver:
            log(f"making {args.count} + {args.trickle} people with a phone and a reminder each")
            started = time.monotonic()
            burst = self.people(args.count, "burst", receiver)
            trickle = self.people(args.trickle, "trickle", receiver)
            log(f"made in {time.monotonic() - started:.1f} s")

            self.serve()
            rate, burst_arrivals, _ = self.burst(receiver, burst)
            if args.compare:
                self.compare(receiver)
            raw = self.raw(receiver, burst)
            p99, trickle_arrivals = self.trickle(receiver, trickle)
            log(f"the receiver answered: {dict(Counter(m.status for m in receiver.messages))}")
        self.stop()
        lost = burst_arrivals.lost(burst) + trickle_arrivals.lost(trickle)
        duplicates = burst_arrivals.duplicates() + trickle_arrivals.duplicates()
        return (
            f"dispatch: N={args.count} rate={rate:.0f} raw={raw:.0f} ratio={rate / raw:.2f} "
            f"p99_latency_s={p99:.2f} lost={lost} duplicates={duplicates}"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="reminders in the burst, and raw sends")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes (CELERY_CONCURRENCY)")
    parser.add_argument("--batch", type=int, default=200, help="REMINDER_BATCH_SIZE")
    parser.add_argument(
        "--period", type=float, default=5.0, help="REMINDER_DISPATCH_PERIOD (beat), in seconds"
    )
    parser.add_argument("--trickle", type=int, default=300, help="reminders in the trickle")
    parser.add_argument("--trickle-seconds", type=float, default=30.0, help="over how long they fall due")
    parser.add_argument(
        "--stall", type=float, default=60.0, help="give up after this long with nothing arriving"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument(
        "--compare",
        nargs="+",
        default=[],
        metavar="DIR",
        help="other source trees to burst in turn with this one",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of bursts with --compare")
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
