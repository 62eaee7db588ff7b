"""`python -m secondop.run`: the whole app on one machine, or one of its processes.

With no argument it applies migrations, starts an embedded Redis-compatible server when REDIS_URL answers
nothing on this machine, then starts web (gunicorn) and a Celery worker with Celery beat inside it as its
own direct children, prints the URL, and stops all of them on Ctrl-C or SIGTERM: web first, then the
worker and its beat (the worker finishes its task), then Redis.

`python -m secondop.run web|worker|beat` replaces itself with that one process (web migrates first):
docker-compose.yml uses these, beat on its own so that workers can be added.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SERVICES = ("web", "worker", "beat")
STOP_GRACE_SECONDS = 15.0


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


def var_dir() -> Path:
    return Path(os.environ.get("SECONDOP_VAR_DIR", str(BASE_DIR / "var")))


def service_command(name: str, *, with_beat: bool = False) -> list[str]:
    """The command line of one process of the app; the same here and in docker-compose.yml. `with_beat`
    runs beat inside the worker, as one machine does: a forked child of the worker, sharing its memory,
    instead of a process of its own (only right while there is exactly one worker)."""
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
            *(["--beat", "--schedule", str(var_dir() / "celerybeat-schedule")] if with_beat else []),
        ]
    if name == "beat":
        return [
            python,
            "-m",
            "celery",
            "-A",
            "secondop",
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

    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        prepare()
        if not redis_answers(redis_url):
            print(f"secondop: nothing answers at {redis_url}; starting the embedded Redis server.")
            started.append(
                ("redis", start_server(redis_url, var_dir() / "redis", preexec_fn=_die_with_parent))
            )
        # One machine, one worker: beat runs inside it (see service_command).
        for name in ("web", "worker"):
            command = service_command(name, with_beat=name == "worker")
            started.append((name, subprocess.Popen(command, preexec_fn=_die_with_parent)))
    except (EmbeddedRedisError, subprocess.CalledProcessError) as error:
        print(f"secondop: could not start: {error}", file=sys.stderr)
        _stop(list(reversed(started)))
        return 1

    host = os.environ.get("HOST", "127.0.0.1")
    print(
        f"\nsecondop is running at http://{host}:{_env_int('PORT', 8000)}/ — press Ctrl-C to stop.\n",
        flush=True,
    )

    exit_code = 0
    while not stopping:
        for name, process in started:
            if process.poll() is not None:
                print(f"secondop: {name} exited with code {process.returncode}; stopping.", file=sys.stderr)
                exit_code = 1
                stopping = True
                break
        time.sleep(0.2)

    print("secondop: stopping…", flush=True)
    # Web first (no new work), then the worker and its beat (it finishes what it holds), then Redis.
    order = {"web": 0, "worker": 1, "redis": 2}
    _stop(sorted(started, key=lambda item: order[item[0]]))
    print("secondop: stopped.", flush=True)
    return exit_code


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
