"""What the benchmarks share: their log lines, a percentile, and the processes /proc lists."""

import math
import time
from collections.abc import Iterator
from pathlib import Path


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    if not values:
        return math.inf
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/<pid>/stat after the command name) of every live process: field 1 is the
    parent's pid, 2 the process group, 11 and 12 the user and system CPU time in clock ticks."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        yield int(entry.name), fields
