"""What must not lose a reminder: a worker killed mid-batch, Redis emptied under the queue, a device that
has gone. Real worker processes, the real Redis, the push receiver; every wait has a deadline.

Leases are 3 s here (REMINDER_LEASE_SECONDS, in this process and in the workers' environment), so the
reaper can hand back a dead worker's rows within the test.
"""

import datetime
from collections.abc import Callable

import pytest
import redis
import time_machine
from django.conf import settings
from django.test import override_settings

from secondop import testing
from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.reminders import dispatch
from secondop.reminders.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    PushSubscription,
    Reminder,
    ReminderStatus,
)
from secondop.reminders.tasks import dispatch_due
from tests.conftest import make_user
from tests.push_receiver import PushReceiver
from tests.reminders.conftest import DEADLINE, Worker, real_now, subscribe, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 3
WORKER_ENV = {"REMINDER_LEASE_SECONDS": str(LEASE_SECONDS), "REMINDER_BATCH_SIZE": "5"}
# A pool child killed while its push is in flight repeats that one push; the workers run two children.
POOL_PROCESSES = 2


def people_with_due_nudges(count: int, receiver: PushReceiver) -> list[User]:
    """`count` people, each with a phone and a case opened eight days ago: its checklist nudges (one a
    day from the day after, five today) are all due now."""
    people = []
    with time_machine.travel(real_now() - datetime.timedelta(days=8), tick=False):
        for number in range(count):
            person = make_user(f"person{number}@example.com")
            Case.open_for(person, patient_name=f"Patient {number}", concern="a private matter")
            subscribe(person, receiver)
            people.append(person)
    return people


def due_reminders() -> list[int]:
    return list(
        Reminder.objects.filter(status=ReminderStatus.SCHEDULED, due_at__lte=real_now()).values_list(
            "pk", flat=True
        )
    )


def empty_redis() -> None:
    """FLUSHALL on the run's own embedded server; with REDIS_URL (which may serve others too), FLUSHDB on the
    database the tests use, which holds Celery's queue."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    if testing._embedded is not None:  # the plugin started this server for this run
        client.flushall()
    else:
        client.flushdb()


def recover_until_all_sent(reminders: list[int], timeout: float = DEADLINE) -> None:
    """What beat does, faster: the reaper hands back expired leases, the dispatcher claims what is due."""

    def all_sent() -> bool:
        dispatch.reap_expired_leases()
        dispatch_due()
        return Reminder.objects.filter(pk__in=reminders, status=ReminderStatus.SENT).count() == len(reminders)

    wait_until(all_sent, timeout, "some reminders were never delivered")


def receipts(receiver: PushReceiver, reminders: list[int]) -> dict[int, int]:
    """How many times the receiver accepted each reminder (by the notification's tag)."""
    counts = receiver.tag_counts()
    return {pk: counts[f"reminder-{pk}"] for pk in reminders}


@override_settings(REMINDER_LEASE_SECONDS=LEASE_SECONDS, REMINDER_BATCH_SIZE=5, REMINDER_DISPATCH_BATCHES=100)
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_the_push_in_flight(
    start_workers: Callable[..., Worker], receiver: PushReceiver
) -> None:
    people_with_due_nudges(6, receiver)
    reminders = due_reminders()
    assert len(reminders) >= 20
    doomed = start_workers(**WORKER_ENV)
    receiver.slow_down(0.3)  # each batch of five takes 1.5 s: both pool children are mid-batch

    assert dispatch_due() == len(reminders)
    receiver.wait_for(4, timeout=DEADLINE)
    doomed.kill()
    receiver.slow_down(0)

    held = Reminder.objects.filter(pk__in=reminders, status=ReminderStatus.SENDING)
    assert held.exists(), "the kill came too late: nothing was in flight"
    assert all(r.lease_until is not None for r in held)

    start_workers(**WORKER_ENV)
    recover_until_all_sent(reminders)

    counts = receipts(receiver, reminders)
    assert min(counts.values()) == 1, "a reminder was lost"
    assert max(counts.values()) <= 2
    assert sum(counts.values()) - len(reminders) <= POOL_PROCESSES
    # One push delivery per reminder, marked sent once however many times it went out.
    assert Delivery.objects.filter(
        reminder__in=reminders, channel=Channel.PUSH, status=DeliveryStatus.SENT
    ).count() == len(reminders)


@override_settings(REMINDER_LEASE_SECONDS=LEASE_SECONDS, REMINDER_BATCH_SIZE=5, REMINDER_DISPATCH_BATCHES=2)
def test_emptying_redis_while_reminders_are_due_loses_none_of_them(
    start_workers: Callable[..., Worker], receiver: PushReceiver
) -> None:
    people_with_due_nudges(4, receiver)
    reminders = due_reminders()
    assert len(reminders) > 10

    assert dispatch_due() == 10  # two batches handed to the queue, before any worker took them
    empty_redis()

    # The database still knows every one: claimed (with a lease that will run out), or still scheduled.
    by_status = {
        status: Reminder.objects.filter(pk__in=reminders, status=status).count()
        for status in (ReminderStatus.SENDING, ReminderStatus.SCHEDULED)
    }
    assert by_status == {ReminderStatus.SENDING: 10, ReminderStatus.SCHEDULED: len(reminders) - 10}
    assert not Reminder.objects.filter(
        pk__in=reminders, status=ReminderStatus.SENDING, lease_until=None
    ).exists()

    start_workers(**WORKER_ENV)
    recover_until_all_sent(reminders)

    assert set(receipts(receiver, reminders).values()) == {1}


@override_settings(REMINDER_LEASE_SECONDS=LEASE_SECONDS)
def test_an_expired_subscription_is_disabled_and_never_tried_again(
    start_workers: Callable[..., Worker], receiver: PushReceiver
) -> None:
    [person] = people_with_due_nudges(1, receiver)
    [working] = PushSubscription.objects.filter(user=person)
    expired = subscribe(person, receiver)
    receiver.answer(410, endpoint=expired.endpoint)
    reminders = due_reminders()
    start_workers(**WORKER_ENV)

    recover_until_all_sent(reminders)

    expired.refresh_from_db()
    assert expired.disabled_at is not None
    assert [m.status for m in receiver.for_endpoint(expired.endpoint)] == [410]
    assert len(reminders) > 1
    assert len(receiver.for_endpoint(working.endpoint)) == len(reminders)
    assert set(receipts(receiver, reminders).values()) == {1}
    assert set(Delivery.objects.filter(subscription=expired).values_list("status", flat=True)) == {
        DeliveryStatus.GONE
    }
