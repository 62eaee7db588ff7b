"""The notification's Done and Remind me tomorrow buttons: they work without opening the app or a session,
through a signed, single-use token in the payload's URL."""

import datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone

from secondop.cases import checklist
from secondop.cases.models import Membership, Role
from secondop.records import progress
from secondop.reminders import scheduling
from secondop.reminders.models import Reminder, ReminderKind, ReminderStatus

SALT = "secondop.reminders.action"
TOKEN_MAX_AGE = datetime.timedelta(days=14)


class ActionRefused(ValueError):
    pass


def make_token(reminder: Reminder) -> str:
    return signing.dumps({"r": reminder.pk, "n": reminder.action_nonce}, salt=SALT, compress=True)


def apply(token: str, action: str) -> Reminder:
    """Carries out `action` ("done" or "tomorrow") once; the token is spent by it."""
    try:
        data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise ActionRefused("This reminder's buttons have expired. Open secondop instead.") from None
    except signing.BadSignature:
        raise ActionRefused("This link is not valid.") from None
    if action not in ("done", "tomorrow"):
        raise ActionRefused("Unknown action.")
    with transaction.atomic():
        # Spending the nonce is the single use: only one request can change it from this value.
        spent = (
            Reminder.objects.filter(pk=data.get("r"), action_nonce=data.get("n"), acted_at__isnull=True)
            .exclude(action_nonce="")
            .update(acted_at=timezone.now(), action_nonce="")
        )
        if not spent:
            raise ActionRefused("This button was already used.")
        reminder = Reminder.objects.select_related("checklist_item", "recipient__profile", "case").get(
            pk=data["r"]
        )
        if action == "done":
            # Done ticks the item only for someone who may change the case (not a viewer).
            can_write = Membership.objects.filter(
                case=reminder.case, user=reminder.recipient, role__in=[Role.OWNER, Role.ADVOCATE]
            ).exists()
            if reminder.checklist_item is not None and can_write:
                checklist.tick(reminder.checklist_item, reminder.recipient)
            elif reminder.kind == ReminderKind.FOLLOW_UP and reminder.request_id is not None and can_write:
                today = reminder.recipient.profile.today()
                progress.follow_up(reminder.request_id, today)
        else:
            tomorrow = reminder.recipient.profile.today() + datetime.timedelta(days=1)
            Reminder.objects.create(
                recipient=reminder.recipient,
                case=reminder.case,
                kind=ReminderKind.SNOOZED,
                request=reminder.request,
                checklist_item=reminder.checklist_item,
                due_on=tomorrow,
                due_at=scheduling.due_moment(reminder.recipient, tomorrow),
                status=ReminderStatus.SCHEDULED,
                dedupe_key=f"snoozed:{reminder.pk}:{tomorrow.isoformat()}",
            )
    return reminder
