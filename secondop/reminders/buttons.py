"""The notification's Done and Remind me tomorrow buttons: they work without opening the app or a session,
through a signed, single-use token in the payload's URL."""

import datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from secondop.cases import access, audit, checklist
from secondop.cases.models import AuditAction
from secondop.records import progress
from secondop.reminders import scheduling
from secondop.reminders.models import Reminder, ReminderKind, ReminderStatus

SALT = "secondop.reminders.action"
TOKEN_MAX_AGE = datetime.timedelta(days=14)


class ActionRefused(ValueError):
    """Why a button did nothing: shown on the phone, in the language active for the request."""


def make_token(reminder: Reminder) -> str:
    return signing.dumps({"r": reminder.pk, "n": reminder.action_nonce}, salt=SALT, compress=True)


def apply(token: str, action: str) -> Reminder:
    """Carries out `action` ("done" or "tomorrow") once; the token is spent by it."""
    try:
        data = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise ActionRefused(_("This reminder's buttons have expired. Open secondop instead.")) from None
    except signing.BadSignature:
        raise ActionRefused(_("This link is not valid.")) from None
    if action not in ("done", "tomorrow"):
        raise ActionRefused(_("Unknown action."))
    with transaction.atomic():
        # Spending the nonce is the single use: only one request can change it from this value.
        spent = (
            Reminder.objects.filter(pk=data.get("r"), action_nonce=data.get("n"), acted_at__isnull=True)
            .exclude(action_nonce="")
            .update(acted_at=timezone.now(), action_nonce="")
        )
        if not spent:
            raise ActionRefused(_("This button was already used."))
        reminder = Reminder.objects.select_related("checklist_item", "recipient__profile", "case").get(
            pk=data["r"]
        )
        if action == "done" and access.may(reminder.recipient, reminder.case, "write"):
            # Done ticks the item, or settles the follow-up of the request (a snoozed reminder's too), for
            # someone who may change the case; the trail says so, since no page was involved.
            changed = ""
            if reminder.checklist_item is not None:
                changed = (
                    "the checklist" if checklist.tick(reminder.checklist_item, reminder.recipient) else ""
                )
            elif reminder.request_id is not None:
                today = reminder.recipient.profile.today()
                changed = (
                    "the follow-up"
                    if progress.follow_up(reminder.request_id, reminder.case_id, today)
                    else ""
                )
            if changed:
                audit.record(
                    reminder.case, reminder.recipient, AuditAction.CHANGED, f"{changed} (from a reminder)"
                )
        else:
            tomorrow = reminder.recipient.profile.today() + datetime.timedelta(days=1)
            Reminder.objects.create(
                recipient=reminder.recipient,
                case=reminder.case,
                kind=ReminderKind.SNOOZED,
                request=reminder.request,
                checklist_item=reminder.checklist_item,
                visit=reminder.visit,
                physical_item=reminder.physical_item,
                authorization=reminder.authorization,
                due_on=tomorrow,
                due_at=scheduling.due_moment(reminder.recipient, tomorrow),
                status=ReminderStatus.SCHEDULED,
                dedupe_key=f"snoozed:{reminder.pk}:{tomorrow.isoformat()}",
            )
    return reminder
