"""pytest plugin (enabled in pyproject.toml) that gives the test run its services before Django loads.

- Redis: REDIS_URL when it is set (CI points it at a real server, and a server that does not answer is a
  failure, not a skip); otherwise an embedded valkey-server on a free port, stopped at the end of the run,
  so the tests never touch a Redis the developer uses for something else.
- The cache is per-process memory, so a test can clear it without flushing Redis under a worker's feet.
- Generated secrets go to a temporary folder instead of var/.
"""

import atexit
import os
import shutil
import subprocess
import tempfile
from collections.abc import Generator
from pathlib import Path

import pytest

_embedded: subprocess.Popen[bytes] | None = None
_scratch: Path | None = None


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None]:
    global _embedded, _scratch
    from secondop.embedded import redis_answers, start_on_free_port

    _scratch = Path(tempfile.mkdtemp(prefix="secondop-test-"))
    os.environ.setdefault("SECONDOP_VAR_DIR", str(_scratch / "var"))
    (Path(os.environ["SECONDOP_VAR_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    os.environ["CACHE_BACKEND"] = "locmem"
    # Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the same
    # thread are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    url = os.environ.get("REDIS_URL")
    if url:
        if not redis_answers(url, timeout=2):
            raise pytest.UsageError(f"REDIS_URL={url} does not answer; start it, or unset REDIS_URL.")
    else:
        os.environ["REDIS_URL"], _embedded = start_on_free_port(_scratch / "redis")
    atexit.register(_stop_embedded)
    return (yield)


def _stop_embedded() -> None:
    if _embedded is not None and _embedded.poll() is None:
        _embedded.terminate()
        _embedded.wait(timeout=10)
    if _scratch is not None:
        shutil.rmtree(_scratch, ignore_errors=True)


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Hashing passwords the production way costs a third of a second a user; tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop_embedded()


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    where = "embedded valkey-server" if _embedded is not None else "REDIS_URL"
    return [f"secondop: database={database}, redis={os.environ.get('REDIS_URL')} ({where})"]
