"""`python -m secondop.run`: the whole app on one machine, or one of its processes.

With no argument it applies migrations, starts an embedded Redis-compatible server when REDIS_URL answers
nothing on this machine, then starts web (gunicorn), a Celery worker and Celery beat as its own direct
children, prints the URL, and watches them: one that exits is started again (at once, then after a pause
that doubles while it keeps dying soon after), with a line in the output, and what it knows is in
<var>/run-status.json for the health page. Ctrl-C or SIGTERM stops them all: web first, then the worker
and beat (the worker finishes its task), then Redis.

`python -m secondop.run web|worker|beat` replaces itself with that one process (web migrates first):
docker-compose.yml uses these, beat on its own so that workers can be added.
"""

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SERVICES = ("web", "worker", "beat")
STOP_GRACE_SECONDS = 15.0
# A part that dies is started again at once; one that dies again within this long of that is started again
# only after a pause, doubled each time up to the longest.
QUICK_DEATH_SECONDS = 10.0
LONGEST_PAUSE_SECONDS = 30.0


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


def var_dir() -> Path:
    return Path(os.environ.get("SECONDOP_VAR_DIR", str(BASE_DIR / "var")))


def status_file() -> Path:
    """What the supervisor knows of its parts, for the health page (secondop.health)."""
    return var_dir() / "run-status.json"


def service_command(name: str) -> list[str]:
    """The command line of one process of the app; the same here and in docker-compose.yml."""
    python = sys.executable
    if name == "web":
        bind = f"{os.environ.get('HOST', '127.0.0.1')}:{_env_int('PORT', 8000)}"
        return [
            python,
            "-m",
            "gunicorn",
            "secondop.wsgi",
            "--bind",
            bind,
            "--workers",
            str(_env_int("WEB_CONCURRENCY", 2)),
            "--worker-class",
            "gthread",
            "--threads",
            str(_env_int("WEB_THREADS", 4)),
            "--graceful-timeout",
            "10",
            # The app is loaded once, then the workers fork: they share its memory until they write to it.
            "--preload",
            "--config",
            "python:secondop.gunicorn_conf",
            "--access-logfile",
            "-",
        ]
    if name == "worker":
        return [
            python,
            "-m",
            "celery",
            "-A",
            "secondop",
            "worker",
            "--loglevel",
            os.environ.get("LOG_LEVEL", "INFO"),
            "--concurrency",
            str(_env_int("CELERY_CONCURRENCY", 2)),
            "--without-gossip",
            "--without-mingle",
        ]
    if name == "beat":
        return [
            python,
            "-m",
            "celery",
            "-A",
            "secondop.beat",  # its own app: the schedule without Django's apps (secondop/beat.py)
            "beat",
            "--loglevel",
            os.environ.get("LOG_LEVEL", "INFO"),
            "--schedule",
            str(var_dir() / "celerybeat-schedule"),
        ]
    raise SystemExit(f"Unknown service {name!r}: choose one of {', '.join(SERVICES)}.")


def _die_with_parent() -> None:
    """In the child, before exec: its own process group (so Ctrl-C reaches only the supervisor, which
    stops the children in order), and SIGTERM when the supervisor dies, even by SIGKILL (Linux)."""
    os.setpgid(0, 0)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], cwd=BASE_DIR, check=True)


def prepare() -> None:
    """What must happen before web serves: in production, no deployment error (`check --deploy`: without
    a mail server, say, sign-up links would be printed to the log); the database schema; and the static
    files in production."""
    production = os.environ.get("DEBUG", "true").strip().lower() in {"0", "false", "no", "off"}
    if production:
        _manage("check", "--deploy", "--fail-level", "ERROR")
    _manage("migrate", "--noinput", "--verbosity", "0")
    if production:
        _manage("collectstatic", "--noinput", "--verbosity", "0")


def _stop(processes: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    for name, process in processes:
        if process.poll() is None:
            process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None:
            print(f"secondop: {name} did not stop in time; killing it.", file=sys.stderr)
            process.kill()
            process.wait()


@dataclass
class Part:
    """One process the supervisor keeps running: how to start it, and what happened to it."""

    name: str
    start: Callable[[], subprocess.Popen[bytes]]
    process: subprocess.Popen[bytes] | None = None
    since: float = 0.0  # when it last came up, or (while process is None) went down
    started_at: float = 0.0  # time.monotonic() of its last start
    restarts: int = 0
    pause: float = 0.0
    next_start: float = 0.0

    def ended(self) -> int | None:
        """Its exit code, once, when it has just exited."""
        if self.process is None or (code := self.process.poll()) is None:
            return None
        self.process, self.since = None, time.time()
        # Dying again soon after being started again: a pause, so that a part that cannot run does not spin.
        quick = self.restarts > 0 and time.monotonic() - self.started_at < QUICK_DEATH_SECONDS
        self.pause = min(max(self.pause * 2, 1.0), LONGEST_PAUSE_SECONDS) if quick else 0.0
        self.next_start = time.monotonic() + self.pause
        return code

    def begin(self) -> None:
        self.process, self.since, self.started_at = self.start(), time.time(), time.monotonic()


def _write_status(parts: list[Part]) -> None:
    status = {
        "supervisor": os.getpid(),
        "parts": {
            part.name: {"up": part.process is not None, "since": part.since, "restarts": part.restarts}
            for part in parts
        },
    }
    path = status_file()
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(status))
    partial.replace(path)


def _supervise(parts: list[Part], stopping: Callable[[], bool]) -> None:
    """Until asked to stop: a part that exits is started again, and the status file says so."""
    while not stopping():
        changed = False
        for part in parts:
            if (code := part.ended()) is not None:
                later = f" in {part.pause:.0f} s" if part.pause else ""
                print(f"secondop: {part.name} exited with code {code}; starting it again{later}.", flush=True)
                changed = True
            if part.process is None and time.monotonic() >= part.next_start and not stopping():
                try:
                    part.begin()
                except Exception as error:  # noqa: BLE001 - anything that keeps it from starting: try later
                    part.pause = min(max(part.pause * 2, 1.0), LONGEST_PAUSE_SECONDS)
                    part.next_start = time.monotonic() + part.pause
                    print(f"secondop: {part.name} could not start ({error}); trying again.", flush=True)
                    continue
                part.restarts += 1
                print(f"secondop: {part.name} is running again.", flush=True)
                changed = True
        if changed:
            _write_status(parts)
        time.sleep(0.2)


def run_all() -> int:
    from secondop.embedded import EmbeddedRedisError, redis_answers, start_server

    os.chdir(BASE_DIR)
    (var_dir() / "static").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    redis_url = os.environ["REDIS_URL"]

    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    def service(name: str) -> Callable[[], subprocess.Popen[bytes]]:
        return lambda: subprocess.Popen(service_command(name), preexec_fn=_die_with_parent)

    parts: list[Part] = []
    try:
        prepare()
        if not redis_answers(redis_url):
            print(f"secondop: nothing answers at {redis_url}; starting the embedded Redis server.")
            redis_dir = var_dir() / "redis"
            parts.append(
                Part("redis", lambda: start_server(redis_url, redis_dir, preexec_fn=_die_with_parent))
            )
        parts += [Part(name, service(name)) for name in SERVICES]
        for part in parts:
            part.begin()
    except (EmbeddedRedisError, subprocess.CalledProcessError) as error:
        print(f"secondop: could not start: {error}", file=sys.stderr)
        _stop([(part.name, part.process) for part in reversed(parts) if part.process is not None])
        return 1
    _write_status(parts)

    host = os.environ.get("HOST", "127.0.0.1")
    print(
        f"\nsecondop is running at http://{host}:{_env_int('PORT', 8000)}/ — press Ctrl-C to stop.\n",
        flush=True,
    )
    _supervise(parts, lambda: stopping)

    print("secondop: stopping…", flush=True)
    status_file().unlink(missing_ok=True)
    # Web first (no new work), then the worker and beat (the worker finishes what it holds), then Redis.
    order = {"web": 0, "worker": 1, "beat": 1, "redis": 2}
    running = [(part.name, part.process) for part in parts if part.process is not None]
    _stop(sorted(running, key=lambda item: order[item[0]]))
    print("secondop: stopped.", flush=True)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        command = service_command(argv[1])
        os.chdir(BASE_DIR)
        if argv[1] == "web":
            prepare()
        os.execv(command[0], command)
    return run_all()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
