"""The README's run command, started for real in the background, then stopped like Ctrl-C."""

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from secondop.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]


def processes_in_session(session_id: int) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == session_id and fields[0] != "Z":
            found.append(f"{entry.name}: {cmdline.strip()}")
    return found


def get(url: str, accept: str = "text/html") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class RunningApp:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = int(env["PORT"])
        self.log = log
        self.process = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_until_healthy(self, timeout: float = 120) -> dict[str, dict[str, object]]:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"make run exited early:\n{self.log.read_text()}"
            try:
                status, body = get(self.url("/health/"), accept="application/json")
                last = body
                if status == 200:
                    return json.loads(body)["checks"]
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"not healthy within {timeout:.0f} s: {last}\n{self.log.read_text()}")

    def press_ctrl_c(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=90)

    def leftovers(self, timeout: float = 15) -> list[str]:
        deadline = time.monotonic() + timeout
        while (left := processes_in_session(self.process.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left

    def kill_everything(self) -> None:
        for line in processes_in_session(self.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(line.split(":")[0]), signal.SIGKILL)


def base_env(tmp_path: Path) -> dict[str, str]:
    drop = {"DATABASE_URL", "REDIS_URL", "CACHE_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECONDOP_VAR_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST")}
    env.update(
        PORT=str(free_port()),
        SECONDOP_VAR_DIR=str(tmp_path / "var"),
        WEB_CONCURRENCY="1",
        CELERY_CONCURRENCY="1",
        HEARTBEAT_SECONDS="2",
    )
    return env


@pytest.fixture
def run_app(tmp_path: Path) -> Iterator[list[RunningApp]]:
    apps: list[RunningApp] = []
    yield apps
    for app in apps:  # a failed test still leaves nothing running
        if app.process.poll() is None:
            os.killpg(app.process.pid, signal.SIGKILL)
        app.kill_everything()


def test_make_run_serves_everything_on_embedded_defaults_and_ctrl_c_leaves_nothing(
    tmp_path: Path, run_app: list[RunningApp]
) -> None:
    env = base_env(tmp_path)
    env["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing answers there
    app = RunningApp(env, tmp_path / "run.log")
    run_app.append(app)

    checks = app.wait_until_healthy()
    assert checks["database"] == {"ok": True, "detail": "sqlite"}
    assert checks["redis"]["ok"] is True
    assert checks["worker"]["ok"] is True
    status, home = get(app.url("/"))
    assert status == 200
    assert "Asking for a second opinion is normal" in home
    log = app.log.read_text()
    assert "starting the embedded Redis server" in log
    assert f"secondop is running at http://127.0.0.1:{app.port}/" in log
    var = tmp_path / "var"
    assert {"secondop.sqlite3", "secret_key", "vapid_private.pem"} <= {p.name for p in var.iterdir()}

    assert processes_in_session(app.process.pid)  # web, worker, beat and Redis are really running
    app.press_ctrl_c()
    assert app.leftovers() == []
    assert "secondop: stopped." in app.log.read_text()


def separate_postgres_database(url: str) -> Iterator[str]:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_runtest"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_make_run_uses_the_database_and_redis_it_is_given(tmp_path: Path, run_app: list[RunningApp]) -> None:
    env = base_env(tmp_path)
    env["REDIS_URL"] = os.environ["REDIS_URL"]  # the test run's Redis, which answers
    given = os.environ.get("DATABASE_URL", "")
    databases = separate_postgres_database(given) if given.startswith("postgres") else None
    env["DATABASE_URL"] = next(databases) if databases else f"sqlite:///{tmp_path / 'given.sqlite3'}"
    try:
        app = RunningApp(env, tmp_path / "run.log")
        run_app.append(app)
        checks = app.wait_until_healthy()
        assert checks["database"]["detail"] == ("postgresql" if databases else "sqlite")
        assert "embedded Redis" not in app.log.read_text()
        assert not (tmp_path / "var" / "secondop.sqlite3").exists()
        if not databases:
            assert (tmp_path / "given.sqlite3").exists()
        app.press_ctrl_c()
        assert app.leftovers() == []
    finally:
        if databases:
            next(databases, None)


def wait_for(condition: Callable[[], object], what: str, app: RunningApp, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}\n{app.log.read_text()}"
        time.sleep(0.2)


def test_make_run_starts_a_killed_worker_beat_and_redis_again_and_the_health_page_says_so(
    tmp_path: Path, run_app: list[RunningApp]
) -> None:
    env = base_env(tmp_path)
    env["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # the embedded one, watched like the rest
    app = RunningApp(env, tmp_path / "run.log")
    run_app.append(app)
    app.wait_until_healthy()

    def pid_of(mark: str) -> int | None:
        """The supervisor's own child whose command line holds `mark` (not the worker's pool process)."""
        lines = processes_in_session(app.process.pid)
        supervisor = next(
            line.split(":")[0] for line in lines if "python -m secondop.run" in line and "uv run" not in line
        )
        for line in lines:
            pid = line.split(":")[0]
            stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
            if mark in line and stat and stat[stat.rindex(")") + 2 :].split()[1] == supervisor:
                return int(pid)
        return None

    marks = {"worker": " worker ", "beat": " beat ", "redis": "-server "}
    for name, mark in marks.items():
        before = pid_of(mark)
        assert before is not None, processes_in_session(app.process.pid)
        os.kill(before, signal.SIGKILL)
        again = f"secondop: {name} is running again."
        wait_for(lambda: again in app.log.read_text(), again, app)  # noqa: B023
        assert f"secondop: {name} exited with code -9; starting it again." in app.log.read_text()
        wait_for(lambda: pid_of(mark) not in (None, before), f"a new {name}", app)  # noqa: B023

    # All answer again (the worker reconnects to the new Redis; beat beats), and say they were restarted.
    app.wait_until_healthy()
    checks = json.loads(get(app.url("/health/"), "application/json")[1])["checks"]
    for name in ("worker", "beat", "redis"):
        assert checks[name]["ok"] is True, checks
        assert "started again 1 time(s), last at " in str(checks[name]["detail"]), checks
    app.press_ctrl_c()
    assert app.leftovers() == []
    assert not (tmp_path / "var" / "run-status.json").exists()
