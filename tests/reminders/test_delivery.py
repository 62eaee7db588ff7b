"""Reminders delivered end to end: the real dispatcher (called here, in the test process, as beat's task
would run), the real Redis, a real Celery worker process, and a push service on 127.0.0.1.

The test process travels in time to when a reminder is due; the worker lives on the real clock, so
anything it schedules (a retry's backoff) is compared with the real clock.
"""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from secondop.accounts.models import Profile, User
from secondop.cases import checklist
from secondop.cases.models import Case, Membership
from secondop.celery import app
from secondop.records.models import Provider, RecordsRequest
from secondop.records.progress import move
from secondop.reminders import dispatch, marking, push, tasks
from secondop.reminders.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    PushSubscription,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from secondop.reminders.tasks import dispatch_due
from tests.push_receiver import PushReceiver
from tests.reminders.conftest import DEADLINE, Worker, real_now, statuses, subscribe, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# What the case is about and who is in it: none of it may leave the app in a notification.
HEALTH_DETAIL = ["Alex", "Rivera", "knee", "surgery", "Chen", "Northside"]


def requested(case: Case, user: User) -> RecordsRequest:
    """A records request marked requested today (by the real action, which schedules its reminders)."""
    holder = Provider.objects.create(
        case=case, role="current", name="Dr. Chen", practice="Northside Orthopedics"
    )
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    today = real_now().date()
    move(request, "requested", today, today=today, user=user)
    return request


def finish_checklist(case: Case, user: User) -> None:
    """Ticks the week's checklist, so that its nudges are not due alongside the follow-up."""
    for item in case.checklist.all():
        checklist.tick(item, user)


def reminder_for(request: RecordsRequest, user: User, kind: str = ReminderKind.FOLLOW_UP) -> Reminder:
    return Reminder.objects.get(request=request, recipient=user, kind=kind)


def dispatch_at(moment: datetime.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return dispatch_due()


def wait_idle(worker: Worker, timeout: float = DEADLINE) -> None:
    """Until the worker holds no task: whatever it was going to send has been sent."""

    def idle() -> bool:
        inspector = app.control.inspect([worker.hostname], timeout=1)
        active, reserved = inspector.active() or {}, inspector.reserved() or {}
        return bool(active) and not any(active.values()) and not any(reserved.values())

    wait_until(idle, timeout, "the worker stayed busy")


def assert_no_health_detail(text: str) -> None:
    for detail in HEALTH_DETAIL:
        assert detail.lower() not in text.lower(), f"{detail!r} left the app"


def test_a_due_follow_up_reaches_the_phone_once_without_health_detail(
    worker: Worker, receiver: PushReceiver, case: Case, owner: User
) -> None:
    subscription = subscribe(owner, receiver)
    finish_checklist(case, owner)
    request = requested(case, owner)
    follow_up = reminder_for(request, owner)
    assert follow_up.due_on == real_now().date() + datetime.timedelta(days=7)

    assert dispatch_at(follow_up.due_at + datetime.timedelta(minutes=1)) == 1

    [message] = receiver.wait_for(1, timeout=DEADLINE)
    wait_until(lambda: statuses(pk=follow_up.pk) == [ReminderStatus.SENT])
    wait_idle(worker)
    assert len(receiver.messages) == 1

    payload = message.payload
    assert payload["title"] == "secondop"
    assert payload["body"] == "A follow-up is due."
    assert payload["url"] == reverse("request_detail", args=[case.code, request.pk])
    assert payload["tag"] == f"reminder-{follow_up.pk}"
    assert set(payload["actions"]) == {"done", "tomorrow"}
    assert_no_health_detail(message.plaintext.decode())
    assert owner.email not in message.plaintext.decode()
    assert message.ttl == push.PUSH_TTL_SECONDS
    assert message.urgency == "normal"

    follow_up.refresh_from_db()
    assert follow_up.sent_at is not None and follow_up.claim is None and follow_up.lease_until is None
    deliveries = {d.channel: d for d in Delivery.objects.filter(reminder=follow_up)}
    assert set(deliveries) == {Channel.PUSH, Channel.INBOX}  # e-mail only when no device gets it
    assert deliveries[Channel.PUSH].subscription == subscription
    assert {d.status for d in deliveries.values()} == {DeliveryStatus.SENT}
    assert deliveries[Channel.PUSH].attempts == 1
    notification = Notification.objects.get(user=owner, reminder=follow_up)
    assert (notification.title, notification.body, notification.url) == (
        payload["title"],
        payload["body"],
        payload["url"],
    )
    assert_no_health_detail(f"{notification.title} {notification.body} {notification.url}")

    # Nothing is due any more; a second sweep sends nothing.
    assert dispatch_at(follow_up.due_at + datetime.timedelta(minutes=2)) == 0


def test_the_push_carries_a_vapid_token_for_the_push_service(
    worker: Worker, receiver: PushReceiver, case: Case, owner: User
) -> None:
    subscribe(owner, receiver)
    finish_checklist(case, owner)
    follow_up = reminder_for(requested(case, owner), owner)
    before = real_now()

    dispatch_at(follow_up.due_at + datetime.timedelta(minutes=1))

    [message] = receiver.wait_for(1, timeout=DEADLINE)
    token = message.vapid
    assert token.header["alg"] == "ES256"
    assert token.claims["aud"] == receiver.origin  # the push service's origin, not the app's
    assert token.claims["sub"] == settings.VAPID_SUBJECT
    assert token.claims["sub"].startswith("mailto:")
    expires = datetime.datetime.fromtimestamp(token.claims["exp"], datetime.UTC)
    assert before < expires <= before + datetime.timedelta(hours=24)  # RFC 8292: at most a day
    assert token.public_key == push.application_server_key()
    assert token.signature_is_valid()


def test_the_notifications_buttons_work_with_the_token_the_worker_signed(
    worker: Worker, receiver: PushReceiver, case: Case, owner: User
) -> None:
    subscribe(owner, receiver)
    finish_checklist(case, owner)
    follow_up = reminder_for(requested(case, owner), owner)

    dispatch_at(follow_up.due_at + datetime.timedelta(minutes=1))
    [message] = receiver.wait_for(1, timeout=DEADLINE)

    response = Client().post(message.payload["actions"]["tomorrow"])
    assert response.status_code == 200, response.content
    assert Reminder.objects.filter(recipient=owner, kind=ReminderKind.SNOOZED).count() == 1
    again = Client().post(message.payload["actions"]["done"])
    assert again.status_code == 400  # single use


def test_a_person_with_no_device_gets_an_email_without_health_detail(
    worker: Worker, receiver: PushReceiver, case: Case, owner: User, outbox: object
) -> None:
    finish_checklist(case, owner)
    request = requested(case, owner)
    follow_up = reminder_for(request, owner)

    dispatch_at(follow_up.due_at + datetime.timedelta(minutes=1))

    wait_until(lambda: statuses(pk=follow_up.pk) == [ReminderStatus.SENT])
    [mail] = outbox()  # type: ignore[operator]
    assert mail["To"] == owner.email
    assert mail["Subject"] == "secondop: A follow-up is due."
    body = mail.get_content()
    assert settings.SITE_URL + reverse("request_detail", args=[case.code, request.pk]) in body
    assert_no_health_detail(f"{mail['Subject']}\n{body}")
    assert receiver.messages == []
    assert set(Delivery.objects.filter(reminder=follow_up).values_list("channel", "status")) == {
        (Channel.EMAIL, DeliveryStatus.SENT),
        (Channel.INBOX, DeliveryStatus.SENT),
    }
    assert Notification.objects.filter(user=owner, reminder=follow_up).exists()


def test_a_gone_subscription_is_disabled_and_never_tried_again(
    worker: Worker, receiver: PushReceiver, case: Case, owner: User, outbox: object
) -> None:
    subscription = subscribe(owner, receiver)
    receiver.answer(410, endpoint=subscription.endpoint)
    finish_checklist(case, owner)
    request = requested(case, owner)
    follow_up = reminder_for(request, owner)

    dispatch_at(follow_up.due_at + datetime.timedelta(minutes=1))

    wait_until(lambda: statuses(pk=follow_up.pk) == [ReminderStatus.SENT])
    subscription.refresh_from_db()
    assert subscription.disabled_at is not None
    push_delivery = Delivery.objects.get(reminder=follow_up, channel=Channel.PUSH)
    assert (push_delivery.status, push_delivery.last_error) == (
        DeliveryStatus.GONE,
        "subscription gone (410)",
    )
    # The phone is gone; e-mail stands in (the person's setting is "only when no device gets them").
    assert [mail["Subject"] for mail in outbox()] == ["secondop: A follow-up is due."]  # type: ignore[operator]

    deadline = reminder_for(request, owner, ReminderKind.LEGAL_DUE)
    dispatch_at(deadline.due_at + datetime.timedelta(minutes=1))
    wait_until(lambda: statuses(pk=deadline.pk) == [ReminderStatus.SENT])
    wait_idle(worker)
    assert len(receiver.for_endpoint(subscription.endpoint)) == 1
    assert not Delivery.objects.filter(reminder=deadline, channel=Channel.PUSH).exists()
    assert len(outbox()) == 2  # type: ignore[operator]


def test_a_busy_or_failing_push_service_is_retried_with_backoff_until_it_accepts(
    worker: Worker, receiver: PushReceiver, case: Case, owner: User
) -> None:
    subscription = subscribe(owner, receiver)
    receiver.answer(429)  # the next request
    receiver.answer(500)  # and the one after
    finish_checklist(case, owner)
    follow_up = reminder_for(requested(case, owner), owner)
    due_at = follow_up.due_at

    for attempt, status, backoff in [(1, 429, 30), (2, 500, 60)]:
        tried_at = real_now()
        assert dispatch_at(due_at + datetime.timedelta(minutes=1)) == 1
        retrying = Reminder.objects.filter(pk=follow_up.pk, status=ReminderStatus.SCHEDULED, attempts=attempt)
        wait_until(retrying.exists)
        follow_up.refresh_from_db()
        assert follow_up.last_error == f"push: push service answered {status}"
        delivery = Delivery.objects.get(reminder=follow_up, channel=Channel.PUSH)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, attempt)
        assert delivery.last_error == f"push service answered {status}"
        # The worker's clock is the real one: the next try waits `backoff` seconds from when it tried.
        assert tried_at + datetime.timedelta(seconds=backoff) <= follow_up.due_at
        assert follow_up.due_at <= real_now() + datetime.timedelta(seconds=backoff)
        assert dispatch_at(follow_up.due_at - datetime.timedelta(seconds=1)) == 0
        due_at = follow_up.due_at

    assert dispatch_at(due_at + datetime.timedelta(seconds=1)) == 1
    wait_until(lambda: statuses(pk=follow_up.pk) == [ReminderStatus.SENT])
    assert [m.status for m in receiver.for_endpoint(subscription.endpoint)] == [429, 500, 201]
    assert len(receiver.accepted) == 1
    delivery = Delivery.objects.get(reminder=follow_up, channel=Channel.PUSH)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 3)
    assert delivery.last_error == "push service answered 500"  # kept: it shows why it came late
    subscription.refresh_from_db()
    assert subscription.disabled_at is None and subscription.failures == 0


@pytest.mark.parametrize("change", ["turned reminders off", "was removed"])
def test_a_member_who_no_longer_gets_the_cases_reminders_gets_nothing(
    worker: Worker, receiver: PushReceiver, case: Case, owner: User, advocate: User, change: str
) -> None:
    Membership.objects.filter(case=case, user=advocate).update(gets_reminders=True)
    owners_phone = subscribe(owner, receiver)
    advocates_phone = subscribe(advocate, receiver)
    finish_checklist(case, owner)
    request = requested(case, owner)
    follow_ups = Reminder.objects.filter(request=request, kind=ReminderKind.FOLLOW_UP)
    assert {r.recipient for r in follow_ups} == {owner, advocate}
    membership = Membership.objects.filter(case=case, user=advocate)
    if change == "was removed":
        membership.delete()
    else:
        membership.update(gets_reminders=False)  # even if nothing cancelled what was scheduled

    dispatch_at(reminder_for(request, owner).due_at + datetime.timedelta(minutes=1))

    wait_until(lambda: statuses(request=request, recipient=owner, kind=ReminderKind.FOLLOW_UP) == ["sent"])
    wait_until(
        lambda: statuses(request=request, recipient=advocate, kind=ReminderKind.FOLLOW_UP) == ["cancelled"]
    )
    wait_idle(worker)
    assert len(receiver.for_endpoint(owners_phone.endpoint)) == 1
    assert receiver.for_endpoint(advocates_phone.endpoint) == []
    assert not Notification.objects.filter(user=advocate).exists()
    assert not Delivery.objects.filter(reminder__recipient=advocate).exists()


def test_a_person_who_turned_push_off_gets_no_push(
    worker: Worker, receiver: PushReceiver, case: Case, owner: User, outbox: object
) -> None:
    phone = subscribe(owner, receiver)
    Profile.objects.filter(user=owner).update(push_reminders=False, email_reminders="never")
    finish_checklist(case, owner)
    follow_up = reminder_for(requested(case, owner), owner)

    dispatch_at(follow_up.due_at + datetime.timedelta(minutes=1))

    wait_until(lambda: statuses(pk=follow_up.pk) == [ReminderStatus.SENT])
    wait_idle(worker)
    assert receiver.for_endpoint(phone.endpoint) == []
    assert outbox() == []  # type: ignore[operator]
    assert list(Delivery.objects.filter(reminder=follow_up).values_list("channel", flat=True)) == [
        Channel.INBOX
    ]
    assert PushSubscription.objects.get(pk=phone.pk).disabled_at is None


# In this process, without the worker: what the batch does when it runs twice.


@pytest.mark.django_db
def test_a_batch_that_died_after_sending_repeats_no_push(
    receiver: PushReceiver, case: Case, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribe(owner, receiver)
    finish_checklist(case, owner)
    follow_up = reminder_for(requested(case, owner), owner)
    later = follow_up.due_at + datetime.timedelta(minutes=1)

    def killed(batch: object) -> None:
        raise SystemExit("killed after the push went out, before the batch was finished")

    with time_machine.travel(later, tick=False):
        token, ids = dispatch.claim_due(10)
        with monkeypatch.context() as patch, pytest.raises(SystemExit):
            patch.setattr(dispatch, "_finish_sent", killed)
            dispatch.deliver(ids, token)
    assert statuses(pk=follow_up.pk) == [ReminderStatus.SENDING]
    assert len(receiver.accepted) == 1

    with time_machine.travel(later + datetime.timedelta(seconds=dispatch.lease_seconds() + 1), tick=False):
        assert dispatch.reap_expired_leases() == 1
        token, ids = dispatch.claim_due(10)
        assert ids == [follow_up.pk]
        outcome = dispatch.deliver(ids, token)
        assert dispatch.deliver(ids, token).sent == 0  # the same task, delivered twice by Redis

    assert outcome.sent == 1
    assert statuses(pk=follow_up.pk) == [ReminderStatus.SENT]
    assert len(receiver.accepted) == 1
    assert Notification.objects.filter(reminder=follow_up).count() == 1
    assert Delivery.objects.filter(reminder=follow_up).count() == 2


def test_the_mark_after_a_push_is_stored_as_the_orm_would_store_it(case: Case, owner: User) -> None:
    delivery = Delivery.objects.create(
        reminder=reminder_for(requested(case, owner), owner), channel=Channel.PUSH
    )
    moment = real_now().replace(microsecond=123456)

    marking.mark(delivery.pk, DeliveryStatus.SENT, moment, None)
    assert Delivery.objects.filter(
        pk=delivery.pk, sent_at=moment, status=DeliveryStatus.SENT, attempts=1
    ).exists()

    marking.mark(delivery.pk, DeliveryStatus.RETRYING, moment, "x" * 600)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.RETRYING,
        2,
        "x" * 500,
    )


@pytest.mark.django_db(transaction=True)
def test_a_sweep_hands_back_a_dead_workers_rows_and_claims_them_again(
    receiver: PushReceiver, case: Case, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No reaper of its own: every dispatch sweep first returns rows whose lease ran out, so a worker killed
    mid-batch delays its rows by one lease (30 s), not by a lease and a reaper's period."""
    subscribe(owner, receiver)
    finish_checklist(case, owner)
    follow_up = reminder_for(requested(case, owner), owner)
    later = follow_up.due_at + datetime.timedelta(minutes=1)
    queued: list[tuple[list[int], str]] = []
    monkeypatch.setattr(tasks.send_reminders, "delay", lambda ids, token: queued.append((ids, token)))
    with time_machine.travel(later, tick=False):
        dispatch.claim_due(10)  # the batch of a worker that dies before it sends anything
    assert statuses(pk=follow_up.pk) == [ReminderStatus.SENDING]
    with time_machine.travel(later + datetime.timedelta(seconds=dispatch.lease_seconds() + 1), tick=False):
        assert tasks.dispatch_due() == 1
    assert [ids for ids, _ in queued] == [[follow_up.pk]]
    assert dispatch.lease_seconds() == 30
