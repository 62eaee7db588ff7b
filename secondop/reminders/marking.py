"""The one statement run after every push: its Delivery row marked with what the push service answered.

Hand-built SQL, kept under issue 14's rule (only where a benchmark in the same run shows it saves at least
20 %). It runs once per push, and the ORM's `Delivery.objects.filter(pk=…).update(…)` spends more building
the statement than the database spends running it: about 340 µs of CPU against 120 µs for this, on the
2-core machine with PostgreSQL. `bench/dispatch.py --compare` (PostgreSQL, 2026-12-06), 24 bursts of 10,000
each way, interleaved in 7 runs: the workers spent 1.92 ms of CPU a reminder with this and 2.44 ms with the
ORM (−20.9 %), and delivered at a median 486/s against 388/s (+25.5 %). Close to the line: single runs
ranged from −15 % to −28 % of CPU.
"""

import datetime

from django.db import connection

from secondop.reminders.models import Delivery

_TABLE = Delivery._meta.db_table
_SENT_AT = Delivery._meta.get_field("sent_at")


def mark(pk: int, status: str, sent_at: datetime.datetime, error: str | None) -> None:
    """Sets the status and counts the attempt; sets sent_at when it went out, else last_error."""
    if error is None:
        sql = f'UPDATE "{_TABLE}" SET status = %s, sent_at = %s, attempts = attempts + 1 WHERE id = %s'
        params = [status, _SENT_AT.get_db_prep_save(sent_at, connection), pk]
    else:
        sql = f'UPDATE "{_TABLE}" SET status = %s, last_error = %s, attempts = attempts + 1 WHERE id = %s'
        params = [status, error[:500], pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
