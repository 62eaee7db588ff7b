"""A small store a process keeps for itself: the last `size` keys put in, each until its time is up."""

import threading
import time
from collections import OrderedDict
from typing import Any


class Recent:
    """Bounded (the least recently used key goes first) and expiring; safe to share between threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        """The value, or None when the key is unknown or its time is up."""
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self.items[key]
                return None
            self.items.move_to_end(key)
            return found[1]

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def put(self, key: str, value: Any, seconds: float) -> None:
        with self.lock:
            self.items[key] = (time.monotonic() + seconds, value)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
