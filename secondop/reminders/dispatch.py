"""Claiming due reminders and delivering them.

1. `claim_due` takes a batch of due rows atomically — PostgreSQL's SELECT … FOR UPDATE SKIP LOCKED lets
   several dispatchers share the work; SQLite ignores the lock clause, and the conditional UPDATE (whose
   row count proves the claim) does the same job there — and gives them a claim token and a lease.
2. `deliver` sends each claimed reminder on every channel its recipient has, keeping one Delivery row per
   channel and device. The batch's bookkeeping is done in a few bulk queries, but each push or e-mail is
   marked sent the moment it went out: a delivery marked sent is never sent again, so a worker killed in
   the middle of a batch repeats at most the one send that was in flight.
3. `reap_expired_leases` returns rows whose worker died (lease run out) to "scheduled".
"""

import datetime
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import mail
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secondop.accounts.models import Profile, User
from secondop.reminders import inbox, marking, push, scheduling
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
FINAL_DELIVERY_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.GONE, DeliveryStatus.FAILED)

# What a reminder says, everywhere it is shown: no health detail, no names — only that something is due.
# Written in the recipient's language (`language_of`), whatever language the process has active.
MESSAGES = {
    ReminderKind.FOLLOW_UP: gettext_lazy("A follow-up is due."),
    ReminderKind.LEGAL_DUE: gettext_lazy("A records deadline is today."),
    ReminderKind.OVERDUE: gettext_lazy("A records request is past its deadline."),
    ReminderKind.CHECKLIST: gettext_lazy("A step on this week's checklist is waiting."),
    ReminderKind.SNOOZED: gettext_lazy("A reminder you moved to today."),
    ReminderKind.VISIT: gettext_lazy("An appointment is tomorrow. See what to bring."),
    ReminderKind.ITEM_MISSING: gettext_lazy("Something for an appointment has not arrived yet."),
    ReminderKind.AUTHORIZATION: gettext_lazy("A signed permission to share records ends in two weeks."),
}
TITLE = "secondop"  # the brand, in every language


def language_of(user: User) -> str:
    """The language reminders and e-mails reach this person in: their own choice (Profile.language), or
    the site's default for someone without a profile or with a language no longer offered."""
    profile = getattr(user, "profile", None)
    language = getattr(profile, "language", "") or ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def message_for(reminder: Reminder) -> str:
    """The reminder's one neutral line, in the recipient's language."""
    with translation.override(language_of(reminder.recipient)):
        return str(MESSAGES[ReminderKind(reminder.kind)])


def lease_seconds() -> float:
    return float(settings.REMINDER_LEASE_SECONDS)


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
        got = Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SCHEDULED).update(
            status=ReminderStatus.SENDING,
            claim=token,
            lease_until=now + datetime.timedelta(seconds=lease_seconds()),
            # The nonce behind the notification's single-use buttons (the token also names the reminder,
            # so a batch can share one). Kept once set: buttons already sent must keep working on a retry.
            action_nonce=models.Case(
                models.When(action_nonce="", then=models.Value(token.hex)), default=F("action_nonce")
            ),
        )
        if got == len(ids):
            return token, ids
        claimed = list(Reminder.objects.filter(pk__in=ids, claim=token).values_list("pk", flat=True))
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
    skipped: int = 0  # cancelled: the recipient no longer gets this case's reminders
    released: int = 0  # handed back unsent (time budget spent, or the claim was lost)


def payload_for(reminder: Reminder) -> dict[str, object]:
    """The push payload: a title, a neutral line, a URL inside the app, the action links and the actions'
    button texts, in the recipient's language."""
    token = action_token(reminder)
    with translation.override(language_of(reminder.recipient)):
        return {
            "title": TITLE,
            "body": str(MESSAGES[ReminderKind(reminder.kind)]),
            "url": target_url(reminder),
            "tag": f"reminder-{reminder.pk}",
            "actions": {
                action: reverse("reminder_action", args=[token, action]) for action in ("done", "tomorrow")
            },
            # What the notification's buttons say (the service worker has no language of its own).
            "action_titles": {"done": _("Done"), "tomorrow": _("Remind me tomorrow")},
        }


def target_url(reminder: Reminder) -> str:
    if reminder.request_id is not None:
        return reverse("request_detail", args=[reminder.case.code, reminder.request_id])
    if reminder.visit_id is not None or reminder.physical_item_id is not None:
        return reverse("visit", args=[reminder.case.code])
    if reminder.authorization_id is not None:
        return reverse("people", args=[reminder.case.code])
    name = "checklist" if reminder.kind == ReminderKind.CHECKLIST else "case_overview"
    return reverse(name, args=[reminder.case.code])


def action_token(reminder: Reminder) -> str:
    from secondop.reminders.buttons import make_token

    return make_token(reminder)


def email_for(reminder: Reminder) -> mail.EmailMessage:
    """The reminder by e-mail, in the recipient's language: the neutral line and a link, nothing more."""
    link = settings.SITE_URL + target_url(reminder)
    with translation.override(language_of(reminder.recipient)):
        message = str(MESSAGES[ReminderKind(reminder.kind)])
        subject = f"{TITLE}: {message}"
        body = "\n\n".join(
            [
                message,
                _("Open secondop to see it: %(link)s") % {"link": link},
                _("You get this because reminders by e-mail are on in your settings."),
            ]
        )
    return mail.EmailMessage(subject=subject, body=body, to=[reminder.recipient.email])


def _wants_email(profile: Profile, pushing: bool) -> bool:
    return profile.email_reminders == "always" or (profile.email_reminders == "auto" and not pushing)


def _channels(
    reminder: Reminder, subscriptions: list[PushSubscription]
) -> list[tuple[str, PushSubscription | None]]:
    """Inbox always; push to each active device the person has, if they want push; e-mail as chosen."""
    profile = reminder.recipient.profile
    wanted: list[tuple[str, PushSubscription | None]] = [(Channel.INBOX, None)]
    pushing = profile.push_reminders and bool(subscriptions)
    if pushing:
        wanted += [(Channel.PUSH, subscription) for subscription in subscriptions]
    if _wants_email(profile, pushing):
        wanted.append((Channel.EMAIL, None))
    return wanted


DeliveryKey = tuple[int, str, int | None]


def _key(reminder_id: int, channel: str, subscription: PushSubscription | None) -> DeliveryKey:
    return reminder_id, channel, subscription.pk if subscription is not None else None


@dataclass
class _Batch:
    """One claimed batch on its way out: who still holds what, and an e-mail connection opened once."""

    token: uuid.UUID | None
    outcome: Outcome = field(default_factory=Outcome)
    sent: list[int] = field(default_factory=list)
    gone: set[int] = field(default_factory=set)  # subscriptions that answered 404/410 during this batch
    mailer: Any = None

    def held(self, ids: Iterable[int]) -> "QuerySet[Reminder]":
        rows = Reminder.objects.filter(pk__in=list(ids), status=ReminderStatus.SENDING)
        return rows.filter(claim=self.token) if self.token is not None else rows

    def send_email(self, reminder: Reminder) -> push.PushResult:
        try:
            if self.mailer is None:
                self.mailer = mail.mailers.default
                self.mailer.open()
            self.mailer.send_messages([email_for(reminder)])
        except OSError as error:  # smtplib's errors included
            self.mailer = None
            return push.PushResult(False, None, transient=True, error=f"e-mail: {type(error).__name__}")
        return push.PushResult(True, None)

    def close(self) -> None:
        if self.mailer is not None:
            self.mailer.close()
            self.mailer = None


def deliver(reminder_ids: Iterable[int], token: uuid.UUID | None, *, budget: float | None = None) -> Outcome:
    """Delivers claimed reminders. Only rows still held by this claim are touched, so a task that arrives
    twice, or after the reaper gave its rows to another dispatch, does nothing the second time. After
    `budget` seconds, the rows not yet started go back to "scheduled" for the next dispatch."""
    started = time.monotonic()
    batch = _Batch(token)
    ids = list(reminder_ids)
    if not ids:
        return batch.outcome
    lease = datetime.timedelta(seconds=lease_seconds())
    # The lease runs from the moment a worker starts on the batch (not from the claim): a batch that waited
    # in the queue still gets its full time.
    if not batch.held(ids).update(lease_until=timezone.now() + lease):
        return batch.outcome
    reminders = list(batch.held(ids).select_related("case", "recipient__profile").order_by("due_at", "pk"))
    reminders = _drop_unwanted(reminders, batch)
    if not reminders:
        return batch.outcome
    _give_nonces(reminders)
    plans = _plan(reminders)
    deliveries = _prepare_deliveries(reminders, plans)

    renew_at = started + lease.total_seconds() / 3
    lost: set[int] = set()  # rows the reaper took back while this batch ran late
    position = 0
    try:
        while position < len(reminders):
            now = time.monotonic()
            if budget is not None and now - started > budget:
                break
            if now > renew_at:
                renew_at = now + lease.total_seconds() / 3
                lost |= _renew(batch, reminders[position:], lease)
            reminder = reminders[position]
            if reminder.pk not in lost:
                _send(reminder, plans[reminder.pk], deliveries, batch)
            position += 1
    except SoftTimeLimitExceeded:
        # The send in flight may have gone out; its reminder is handed back with the rest, and its
        # Delivery row (not marked sent) allows the one repeat this costs.
        log.warning("reminder batch stopped by the time limit at %s of %s", position, len(reminders))
    finally:
        batch.close()
        _finish_sent(batch)
        rest = [r.pk for r in reminders[position:] if r.pk not in batch.sent and r.pk not in lost]
        if rest:
            batch.outcome.released += batch.held(rest).update(
                status=ReminderStatus.SCHEDULED, claim=None, lease_until=None
            )
        batch.outcome.released += len(lost)
    return batch.outcome


def _renew(batch: _Batch, remaining: list[Reminder], lease: datetime.timedelta) -> set[int]:
    """Extends the lease of the rows still to send; returns those this batch no longer holds."""
    ids = [r.pk for r in remaining]
    if batch.held(ids).update(lease_until=timezone.now() + lease) == len(ids):
        return set()
    return set(ids) - set(batch.held(ids).values_list("pk", flat=True))


def _drop_unwanted(reminders: list[Reminder], batch: _Batch) -> list[Reminder]:
    """A member removed from the case, or who turned its reminders off, gets nothing more from it; nor does
    someone a team no longer gives it to."""
    wanted = scheduling.following({(r.case_id, r.recipient_id) for r in reminders})
    unwanted = [r.pk for r in reminders if (r.case_id, r.recipient_id) not in wanted]
    if unwanted:
        batch.outcome.skipped += batch.held(unwanted).update(
            status=ReminderStatus.CANCELLED, claim=None, lease_until=None
        )
    return [r for r in reminders if (r.case_id, r.recipient_id) in wanted]


def _give_nonces(reminders: list[Reminder]) -> None:
    """The nonce behind the notification's single-use buttons, written before anything is sent."""
    fresh = [r for r in reminders if not r.action_nonce]
    for reminder in fresh:
        reminder.action_nonce = new_nonce()
    if fresh:
        Reminder.objects.bulk_update(fresh, ["action_nonce"])


def _plan(reminders: list[Reminder]) -> dict[int, list[tuple[str, PushSubscription | None]]]:
    subscriptions: dict[int, list[PushSubscription]] = defaultdict(list)
    for subscription in PushSubscription.objects.filter(
        user_id__in={r.recipient_id for r in reminders}, disabled_at__isnull=True
    ).order_by("pk"):
        subscriptions[subscription.user_id].append(subscription)
    return {r.pk: _channels(r, subscriptions[r.recipient_id]) for r in reminders}


def _prepare_deliveries(
    reminders: list[Reminder], plans: dict[int, list[tuple[str, PushSubscription | None]]]
) -> dict[DeliveryKey, Delivery]:
    """Makes the batch's Delivery rows, and fills the inbox (which needs no sending) in the same
    transaction. Returns the rows by (reminder, channel, subscription)."""
    ids = [r.pk for r in reminders]
    now = timezone.now()
    with transaction.atomic():
        existing = _deliveries_of(ids)
        inboxed = {"status": DeliveryStatus.SENT, "sent_at": now, "attempts": 1}
        # ignore_conflicts: a repeated batch may have written some of these already.
        missing = Delivery.objects.bulk_create(
            [
                Delivery(
                    reminder=reminder,
                    channel=channel,
                    subscription=subscription,
                    **(inboxed if channel == Channel.INBOX else {}),
                )
                for reminder in reminders
                for channel, subscription in plans[reminder.pk]
                if _key(reminder.pk, channel, subscription) not in existing
            ],
            ignore_conflicts=True,
        )
        inbox.forget_unread(reminder.recipient_id for reminder in reminders)
        Notification.objects.bulk_create(
            [
                Notification(
                    user_id=reminder.recipient_id,
                    case_id=reminder.case_id,
                    reminder=reminder,
                    title=TITLE,
                    body=message_for(reminder),  # kept as text: in the recipient's language
                    url=target_url(reminder),
                    created_at=now,
                )
                for reminder in reminders
                if (reminder.pk, Channel.INBOX, None) not in existing
            ],
            ignore_conflicts=True,
        )
        stale_inbox = [
            row.pk
            for key, row in existing.items()
            if key[1] == Channel.INBOX and row.status != DeliveryStatus.SENT
        ]
        if stale_inbox:
            Delivery.objects.filter(pk__in=stale_inbox).update(
                status=DeliveryStatus.SENT, sent_at=now, attempts=F("attempts") + 1
            )
    return _deliveries_of(ids) if missing else existing


def _deliveries_of(reminder_ids: list[int]) -> dict[DeliveryKey, Delivery]:
    return {
        (row.reminder_id, row.channel, row.subscription_id): row
        for row in Delivery.objects.filter(reminder_id__in=reminder_ids)
    }


def _delivery(deliveries: dict[DeliveryKey, Delivery], key: DeliveryKey) -> Delivery:
    if key not in deliveries:  # the e-mail that stands in for a device that has gone
        deliveries[key], _ = Delivery.objects.get_or_create(
            reminder_id=key[0], channel=key[1], subscription_id=key[2]
        )
    return deliveries[key]


def _send(
    reminder: Reminder,
    plan: list[tuple[str, PushSubscription | None]],
    deliveries: dict[DeliveryKey, Delivery],
    batch: _Batch,
) -> None:
    transient_errors: list[str] = []
    devices = [subscription for channel, subscription in plan if channel == Channel.PUSH]
    emails = [channel for channel, _ in plan if channel == Channel.EMAIL]
    gone = 0
    payload: dict[str, object] | None = None
    for subscription in devices:
        assert subscription is not None
        delivery = _delivery(deliveries, _key(reminder.pk, Channel.PUSH, subscription))
        if delivery.status in FINAL_DELIVERY_STATUSES:
            gone += delivery.status == DeliveryStatus.GONE
            continue
        if subscription.pk in batch.gone:  # it answered "gone" for an earlier reminder of this batch
            result = push.PushResult(False, None, gone=True, error="subscription gone")
            _record(delivery, result, None)
        else:
            payload = payload or payload_for(reminder)
            result = push.send(subscription.endpoint, subscription.p256dh, subscription.auth, payload)
            _record(delivery, result, subscription)
            if result.gone:
                batch.gone.add(subscription.pk)
        gone += result.gone
        if result.transient:
            transient_errors.append(f"push: {result.error}")
    if (
        devices
        and gone == len(devices)
        and not emails
        and _wants_email(reminder.recipient.profile, pushing=False)
    ):
        emails.append(Channel.EMAIL)  # every device this person had is gone: e-mail stands in
    for channel in emails:
        delivery = _delivery(deliveries, _key(reminder.pk, channel, None))
        if delivery.status in FINAL_DELIVERY_STATUSES:
            continue
        result = batch.send_email(reminder)
        _record(delivery, result, None)
        if result.transient:
            transient_errors.append(result.error)
    _finish(reminder, transient_errors, batch)


def _record(delivery: Delivery, result: push.PushResult, subscription: PushSubscription | None) -> None:
    """Written at once, outside any transaction: this row is what stops a second send after a crash."""
    now = timezone.now()
    if result.ok:
        status, error = DeliveryStatus.SENT, None
    elif result.gone:
        status, error = DeliveryStatus.GONE, result.error
    elif result.transient:
        status, error = DeliveryStatus.RETRYING, result.error
    else:
        status, error = DeliveryStatus.FAILED, result.error
    marking.mark(delivery.pk, status, now, error)
    delivery.status = status
    if subscription is None:
        return
    if result.gone:
        PushSubscription.objects.filter(pk=subscription.pk).update(
            disabled_at=now, failures=F("failures") + 1
        )
    elif result.ok and subscription.failures:
        PushSubscription.objects.filter(pk=subscription.pk).update(failures=0)
        subscription.failures = 0
    elif not result.ok:
        PushSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
        subscription.failures += 1


def _finish(reminder: Reminder, transient_errors: list[str], batch: _Batch) -> None:
    if not transient_errors:
        batch.sent.append(reminder.pk)  # marked sent in bulk at the end of the batch
        return
    now = timezone.now()
    held = batch.held([reminder.pk])
    attempts = reminder.attempts + 1
    error = "; ".join(transient_errors)[:500]
    if attempts >= MAX_ATTEMPTS:
        held.update(
            status=ReminderStatus.FAILED, attempts=attempts, last_error=error, claim=None, lease_until=None
        )
        batch.outcome.failed += 1
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
    batch.outcome.retrying += 1


def _finish_sent(batch: _Batch) -> None:
    """Every delivery of these is marked already; a crash before this line costs no repeat (the next
    attempt finds them sent and only finishes the reminder)."""
    if batch.sent:
        batch.outcome.sent += batch.held(batch.sent).update(
            status=ReminderStatus.SENT,
            sent_at=timezone.now(),
            claim=None,
            lease_until=None,
            attempts=F("attempts") + 1,
        )
