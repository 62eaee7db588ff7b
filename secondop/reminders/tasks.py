"""Celery tasks: beat only enqueues the sweeps; workers claim and deliver. Tasks take primary keys."""

import time

from celery import shared_task
from django.conf import settings
from django.db import transaction

from secondop.reminders import dispatch


@shared_task(ignore_result=True)
def dispatch_due() -> int:
    """Claims due reminders in batches and hands each batch to `send_reminders`, until none are due or
    the time budget (below the beat period) is spent. Returns how many it claimed."""
    batch = int(getattr(settings, "REMINDER_BATCH_SIZE", 100))
    budget = float(getattr(settings, "REMINDER_DISPATCH_SECONDS", 10.0))
    started = time.monotonic()
    claimed = 0
    while time.monotonic() - started < budget:
        with transaction.atomic():
            token, ids = dispatch.claim_due(batch)
            if ids:
                # On commit: a worker must never look for rows this transaction has not written yet.
                transaction.on_commit(lambda ids=ids, token=token: send_reminders.delay(ids, str(token)))
        claimed += len(ids)
        if len(ids) < batch:
            break
    return claimed


@shared_task(ignore_result=True, acks_late=True)
def send_reminders(reminder_ids: list[int], token: str) -> dict[str, int]:
    import uuid

    outcome = dispatch.deliver(reminder_ids, uuid.UUID(token))
    return outcome.__dict__


@shared_task(ignore_result=True)
def reap_expired_leases() -> int:
    return dispatch.reap_expired_leases()
