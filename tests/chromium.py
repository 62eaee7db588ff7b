"""The system's Chromium, for the browser tests and the benchmarks: where it is, and how it is started.

Playwright's own browser download cannot work offline, so both drive Debian's Chromium (CHROMIUM_PATH,
/usr/bin/chromium by default)."""

import os
import shutil
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def wanted_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def chromium_path() -> str | None:
    """The executable, or None when it is not there."""
    wanted = wanted_path()
    found = shutil.which(wanted)
    if found:
        return found
    return wanted if Path(wanted).is_file() and os.access(wanted, os.X_OK) else None


def chromium_or_exit() -> str:
    """The executable, for a benchmark: without it there is nothing to measure."""
    path = chromium_path()
    if path is None:
        raise SystemExit(
            f"Chromium is missing at {wanted_path()}: apt-get install chromium, or set CHROMIUM_PATH"
        )
    return path
