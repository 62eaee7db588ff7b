"""Celery tasks: beat only enqueues the sweeps; workers claim and deliver. Tasks take primary keys.

Delivery runs as chains: `dispatch_due` claims up to REMINDER_DISPATCH_BATCHES batches and hands each to
`send_reminders`; a `send_reminders` that finishes its batch claims the next one itself, while anything is
due. So Redis holds a handful of small messages rather than the whole backlog (losing them costs only a
lease's wait), a row is claimed shortly before a worker is free for it (its lease never runs out in the
queue), and beat's next sweep is never stuck behind thousands of queued batches.
"""

import time
import uuid

from celery import shared_task
from django.conf import settings
from django.db import transaction

from secondop.reminders import dispatch
from secondop.reminders.models import Reminder, ReminderStatus


def batch_size() -> int:
    return int(settings.REMINDER_BATCH_SIZE)


def batches_in_flight() -> int:
    """How many batches may be claimed and not yet delivered at once: enough to keep every worker process
    busy while the next one is being claimed."""
    return int(settings.REMINDER_DISPATCH_BATCHES)


def _hand_over(size: int) -> int:
    """Claims one batch and queues it for a worker once the claim is committed (a worker must never look
    for rows this transaction has not written yet). Returns how many rows it claimed."""
    with transaction.atomic():
        token, ids = dispatch.claim_due(size)
        if ids:
            transaction.on_commit(lambda: send_reminders.delay(ids, str(token)))
    return len(ids)


@shared_task(ignore_result=True)
def dispatch_due() -> int:
    """Starts (or tops up) the chains while reminders are due, until REMINDER_DISPATCH_BATCHES batches are
    in flight or the time budget (below the beat period) is spent. Returns how many rows it claimed."""
    size = batch_size()
    budget = float(settings.REMINDER_DISPATCH_SECONDS)
    dispatch.reap_expired_leases()  # a dead worker's rows go back first, to be claimed in this sweep
    in_flight = Reminder.objects.filter(status=ReminderStatus.SENDING).count()
    room = max(batches_in_flight() * size - in_flight, 0)
    started = time.monotonic()
    claimed = 0
    while room > 0 and time.monotonic() - started < budget:
        got = _hand_over(min(size, room))
        claimed += got
        room -= got
        if got < size:
            break
    return claimed


@shared_task(ignore_result=True, acks_late=True)
def send_reminders(reminder_ids: list[int], token: str) -> dict[str, int]:
    # Half the soft time limit: the rest of the batch goes back to "scheduled" rather than be cut off.
    budget = float(settings.CELERY_TASK_SOFT_TIME_LIMIT) / 2
    outcome = dispatch.deliver(reminder_ids, uuid.UUID(token), budget=budget)
    _hand_over(batch_size())  # the chain goes on while anything is due
    return outcome.__dict__
