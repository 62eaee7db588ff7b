"""The supervisor's question "does Redis answer here?", asked over a plain socket."""

import socket
import subprocess
import sys
from pathlib import Path

import redis

from secondop.embedded import free_port, redis_answers, start_server

ROOT = Path(__file__).resolve().parents[2]


def test_ping_with_and_without_a_password(tmp_path: Path) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    assert not redis_answers(url)  # nothing there
    server = start_server(url, tmp_path / "redis")
    try:
        assert redis_answers(url)
        redis.Redis.from_url(url).config_set("requirepass", "s3cret word")
        assert not redis_answers(url)  # NOAUTH
        assert redis_answers(f"redis://:s3cret%20word@127.0.0.1:{port}/0")
        assert redis_answers(f"redis://default:s3cret%20word@127.0.0.1:{port}/0")
        assert not redis_answers(f"redis://:wrong@127.0.0.1:{port}/0")
    finally:
        server.terminate()
        server.wait(10)
    assert not redis_answers("redis://[not-a-host/0")


def test_asking_does_not_load_the_client_library() -> None:
    """The supervisor keeps running for as long as the app does: it stays small."""
    script = (
        "import sys; from secondop.embedded import redis_answers; "
        "redis_answers('redis://127.0.0.1:1/0', timeout=0.2); "
        "print('redis' in sys.modules, 'django' in sys.modules, 'celery' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["False", "False", "False"], done.stderr


def test_a_server_that_answers_too_slowly_does_not_hold_the_question_up() -> None:
    """Half an answer, then nothing: False within the time given (connecting, then the exchange)."""
    import threading
    import time

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def half_answer() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(1024)
            connection.sendall(b"+PO")
            time.sleep(3)

    threading.Thread(target=half_answer, daemon=True).start()
    started = time.monotonic()
    assert not redis_answers(f"redis://127.0.0.1:{port}/0", timeout=0.3)
    assert time.monotonic() - started < 1.5
    listener.close()


def test_the_embedded_server_takes_a_percent_encoded_password(tmp_path: Path) -> None:
    port = free_port()
    url = f"redis://:s3cret%20word@127.0.0.1:{port}/0"
    server = start_server(url, tmp_path / "redis")
    try:
        assert redis_answers(url)
        assert not redis_answers(f"redis://127.0.0.1:{port}/0")
    finally:
        server.terminate()
        server.wait(10)
