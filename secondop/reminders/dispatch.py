"""Claiming due reminders and delivering them.

1. `claim_due` takes a batch of due rows atomically — PostgreSQL's SELECT … FOR UPDATE SKIP LOCKED lets
   several dispatchers share the work; SQLite ignores the lock clause, and the conditional UPDATE (whose
   row count proves the claim) does the same job there — and gives them a claim token and a lease.
2. `deliver` sends each claimed reminder on every channel its recipient has, keeping one Delivery row per
   channel and device: a delivery marked sent is never sent again, so a retry or a redelivered task
   repeats at most the one send that was in flight.
3. `reap_expired_leases` returns rows whose worker died (lease run out) to "scheduled".
"""

import datetime
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from secondop.cases.models import Membership
from secondop.reminders import push
from secondop.reminders.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    PushSubscription,
    Reminder,
    ReminderKind,
    ReminderStatus,
    new_nonce,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8

# What a reminder says, everywhere it is shown: no health detail, no names — only that something is due.
MESSAGES = {
    ReminderKind.FOLLOW_UP: "A follow-up is due.",
    ReminderKind.LEGAL_DUE: "A records deadline is today.",
    ReminderKind.OVERDUE: "A records request is past its deadline.",
    ReminderKind.CHECKLIST: "A step on this week's checklist is waiting.",
    ReminderKind.SNOOZED: "A reminder you moved to today.",
}
TITLE = "secondop"


def lease_seconds() -> float:
    return float(getattr(settings, "REMINDER_LEASE_SECONDS", 300))


def claim_due(limit: int, now: datetime.datetime | None = None) -> tuple[uuid.UUID, list[int]]:
    """Claims up to `limit` due reminders; returns the claim token and the rows it got."""
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        due = (
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.SCHEDULED, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        ids = list(due)
        if not ids:
            return token, []
        # The condition makes the claim exact even where the lock clause is ignored: a row another
        # dispatcher took first no longer matches, and the row count shows what this one got.
        Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SCHEDULED).update(
            status=ReminderStatus.SENDING,
            claim=token,
            lease_until=now + datetime.timedelta(seconds=lease_seconds()),
        )
        claimed = list(Reminder.objects.filter(claim=token).values_list("pk", flat=True))
    return token, claimed


def reap_expired_leases(now: datetime.datetime | None = None) -> int:
    """Rows a dead worker left in "sending" go back to "scheduled"."""
    now = now or timezone.now()
    return Reminder.objects.filter(status=ReminderStatus.SENDING, lease_until__lt=now).update(
        status=ReminderStatus.SCHEDULED, claim=None, lease_until=None
    )


@dataclass
class Outcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0


def payload_for(reminder: Reminder) -> dict[str, object]:
    """The push payload: a title, a neutral line, a URL inside the app and the action links."""
    url = target_url(reminder)
    return {
        "title": TITLE,
        "body": MESSAGES[ReminderKind(reminder.kind)],
        "url": url,
        "tag": f"reminder-{reminder.pk}",
        "actions": {
            "done": reverse("reminder_action", args=[action_token(reminder), "done"]),
            "tomorrow": reverse("reminder_action", args=[action_token(reminder), "tomorrow"]),
        },
    }


def target_url(reminder: Reminder) -> str:
    if reminder.request_id is not None:
        return reverse("request_detail", args=[reminder.case.code, reminder.request_id])
    if reminder.kind == ReminderKind.CHECKLIST:
        return reverse("checklist", args=[reminder.case.code])
    return reverse("case_overview", args=[reminder.case.code])


def action_token(reminder: Reminder) -> str:
    from secondop.reminders.actions import make_token

    return make_token(reminder)


def _still_wanted(reminder: Reminder) -> bool:
    """A member removed from the case, or who turned its reminders off, gets nothing more from it."""
    return Membership.objects.filter(
        case_id=reminder.case_id, user_id=reminder.recipient_id, gets_reminders=True
    ).exists()


def _channels(
    reminder: Reminder, subscriptions: list[PushSubscription]
) -> list[tuple[str, PushSubscription | None]]:
    profile = reminder.recipient.profile
    wanted: list[tuple[str, PushSubscription | None]] = [(Channel.INBOX, None)]
    pushing = profile.push_reminders and bool(subscriptions)
    if pushing:
        wanted += [(Channel.PUSH, subscription) for subscription in subscriptions]
    if profile.email_reminders == "always" or (profile.email_reminders == "auto" and not pushing):
        wanted.append((Channel.EMAIL, None))
    return wanted


def _delivery(reminder: Reminder, channel: str, subscription: PushSubscription | None) -> Delivery:
    try:
        with transaction.atomic():
            delivery, _ = Delivery.objects.get_or_create(
                reminder=reminder, channel=channel, subscription=subscription
            )
    except IntegrityError:  # a redelivered task made it a moment ago
        delivery = Delivery.objects.get(reminder=reminder, channel=channel, subscription=subscription)
    return delivery


def _send_one(reminder: Reminder, channel: str, subscription: PushSubscription | None) -> push.PushResult:
    if channel == Channel.INBOX:
        Notification.objects.get_or_create(
            reminder=reminder,
            defaults={
                "user_id": reminder.recipient_id,
                "case_id": reminder.case_id,
                "title": TITLE,
                "body": MESSAGES[ReminderKind(reminder.kind)],
                "url": target_url(reminder),
            },
        )
        return push.PushResult(True, None)
    if channel == Channel.EMAIL:
        link = settings.SITE_URL + target_url(reminder)
        try:
            mail.send_mail(
                subject=f"{TITLE}: {MESSAGES[ReminderKind(reminder.kind)]}",
                message=f"{MESSAGES[ReminderKind(reminder.kind)]}\n\nOpen secondop to see it: {link}\n\n"
                "You get this because reminders by e-mail are on in your settings.",
                from_email=None,
                recipient_list=[reminder.recipient.email],
            )
        except OSError as error:
            return push.PushResult(False, None, transient=True, error=type(error).__name__)
        return push.PushResult(True, None)
    assert subscription is not None
    return push.send(subscription.endpoint, subscription.p256dh, subscription.auth, payload_for(reminder))


def deliver(reminder_ids: Iterable[int], token: uuid.UUID | None) -> Outcome:
    """Delivers claimed reminders. Only rows still held by this claim are touched, so a task that arrives
    twice, or after the reaper gave its rows to another dispatch, does nothing the second time."""
    outcome = Outcome()
    reminders = Reminder.objects.filter(
        pk__in=list(reminder_ids), status=ReminderStatus.SENDING
    ).select_related("case", "recipient__profile")
    if token is not None:
        reminders = reminders.filter(claim=token)
    for reminder in reminders:
        if not _still_wanted(reminder):
            Reminder.objects.filter(pk=reminder.pk, claim=reminder.claim).update(
                status=ReminderStatus.CANCELLED, claim=None, lease_until=None
            )
            outcome.skipped += 1
            continue
        if not reminder.action_nonce:
            reminder.action_nonce = new_nonce()
            Reminder.objects.filter(pk=reminder.pk).update(action_nonce=reminder.action_nonce)
        subscriptions = list(reminder.recipient.push_subscriptions.filter(disabled_at__isnull=True))
        transient_errors: list[str] = []
        for channel, subscription in _channels(reminder, subscriptions):
            delivery = _delivery(reminder, channel, subscription)
            if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.GONE, DeliveryStatus.FAILED):
                continue
            result = _send_one(reminder, channel, subscription)
            if result.ok:
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=DeliveryStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
                )
                if subscription is not None:
                    PushSubscription.objects.filter(pk=subscription.pk).update(failures=0)
            elif result.gone:
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=DeliveryStatus.GONE, last_error=result.error, attempts=F("attempts") + 1
                )
                assert subscription is not None
                PushSubscription.objects.filter(pk=subscription.pk).update(
                    disabled_at=timezone.now(), failures=F("failures") + 1
                )
            elif result.transient:
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=DeliveryStatus.RETRYING, last_error=result.error, attempts=F("attempts") + 1
                )
                transient_errors.append(f"{channel}: {result.error}")
            else:
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=DeliveryStatus.FAILED, last_error=result.error, attempts=F("attempts") + 1
                )
        _finish(reminder, transient_errors, outcome)
    return outcome


def _finish(reminder: Reminder, transient_errors: list[str], outcome: Outcome) -> None:
    now = timezone.now()
    held = Reminder.objects.filter(pk=reminder.pk, claim=reminder.claim)
    if not transient_errors:
        held.update(
            status=ReminderStatus.SENT, sent_at=now, claim=None, lease_until=None, attempts=F("attempts") + 1
        )
        outcome.sent += 1
        return
    attempts = reminder.attempts + 1
    error = "; ".join(transient_errors)[:500]
    if attempts >= MAX_ATTEMPTS:
        held.update(
            status=ReminderStatus.FAILED, attempts=attempts, last_error=error, claim=None, lease_until=None
        )
        outcome.failed += 1
        log.warning("reminder %s failed after %s attempts", reminder.pk, attempts)
        return
    backoff = min(30 * 2 ** (attempts - 1), 3600)
    held.update(
        status=ReminderStatus.SCHEDULED,
        attempts=attempts,
        last_error=error,
        due_at=now + datetime.timedelta(seconds=backoff),
        claim=None,
        lease_until=None,
    )
    outcome.retrying += 1


def uses_skip_locked() -> bool:
    return bool(connection.features.has_select_for_update_skip_locked)
