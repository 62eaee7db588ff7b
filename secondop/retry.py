"""Transactions that meet another head-on. On PostgreSQL two transactions that lock rows of several cases in
opposite orders (a team's members joining while its cases change) can deadlock, and the server ends one of
them; under stricter isolation a transaction can fail to serialize. Either way the database undid the
whole transaction, so running it again is safe: `retried` does that, a bounded number of times after a
short random pause, and then lets the error through. (SQLite cannot deadlock here: its IMMEDIATE
transactions take the write lock up front, so two writers wait for each other.)

Only the outermost transaction can be run again: inside another one (the outbox's, secondop.pwa.idempotency)
the function runs once and the error goes up to it; the outbox answers such a write "retry" (a server
error), and the phone sends it again.
"""

import functools
import logging
import random
import time
from collections.abc import Callable

from django.db import DatabaseError, connection

log = logging.getLogger(__name__)

ATTEMPTS = 4
PAUSE_SECONDS = 0.05  # the longest pause before the first repeat; it doubles with each
# PostgreSQL's SQLSTATEs: deadlock_detected, serialization_failure.
CONFLICTS = {"40P01", "40001"}


def is_conflict(error: DatabaseError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in CONFLICTS


def retried[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Runs `func` again after a deadlock or a serialization failure. `func` opens its transaction itself
    (`with transaction.atomic()`), which the error has rolled back by the time it gets here."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except DatabaseError as error:
                if attempt == ATTEMPTS or not is_conflict(error):
                    raise
                # The SQLSTATE only: the server's text may quote the rows' values.
                code = getattr(error.__cause__, "sqlstate", "")
                log.warning("%s met another transaction (%s); trying again", func.__qualname__, code)
                time.sleep(random.uniform(0, PAUSE_SECONDS * 2 ** (attempt - 1)))
        raise AssertionError("unreachable")  # the last attempt returned or raised

    return run
