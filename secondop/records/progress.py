"""Moving a records request through its statuses: the one place the rules live."""

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from secondop.cases.models import Case
from secondop.records import clock
from secondop.records.models import (
    ALLOWED_MOVES,
    CLOSED_STATUSES,
    ContactEntry,
    Provider,
    RecordsRequest,
    RequestEvent,
    RequestStatus,
    holder_label,
)

if TYPE_CHECKING:
    from secondop.accounts.models import User


class MoveRefused(ValueError):
    """A status move the rules do not allow; the message says why, in plain words (in the active language)."""


def closed_message(status: str) -> str:
    """Why a request in a closed `status` moves no more."""
    label = RequestStatus(status).label.lower()
    return _("This request is {status}, so its status cannot change any more.").format(status=label)


def check_move(
    records_request: RecordsRequest,
    to_status: str,
    on: datetime.date,
    today: datetime.date,
    extension_notice_on: datetime.date | None = None,
) -> None:
    here = RequestStatus(records_request.status)
    there = RequestStatus(to_status)
    if there.value not in ALLOWED_MOVES[here]:
        if here.value in {RequestStatus.RECEIVED, RequestStatus.DENIED, RequestStatus.WITHDRAWN}:
            raise MoveRefused(closed_message(here))
        raise MoveRefused(
            _("A request that is “{before}” cannot become “{after}”.").format(
                before=here.label.lower(), after=there.label.lower()
            )
        )
    if on > today:
        raise MoveRefused(_("That date is in the future. Use the date it happened."))
    if records_request.requested_on is not None and on < records_request.requested_on:
        raise MoveRefused(_("That date is before the day you asked for the records."))
    if there == RequestStatus.EXTENDED:
        if records_request.extension_notice_on is not None:
            raise MoveRefused(_("An extension can be taken only once."))
        notice = extension_notice_on or on
        window = clock.extension_window(records_request)
        assert window is not None  # a request past "preparing" has a request date
        if not window[0] <= notice <= window[1]:
            raise MoveRefused(
                _(
                    "An extension counts only if the written notice came within the first 30 days "
                    "(by {date}). After that, the request is simply overdue."
                ).format(date=date_format(window[1], "DATE_FORMAT"))
            )


def move(
    records_request: RecordsRequest,
    to_status: str,
    on: datetime.date,
    *,
    today: datetime.date,
    user: "User | None",
    note: str = "",
    extension_notice_on: datetime.date | None = None,
) -> RequestEvent:
    """Moves `request` to `to_status` as of `on`, keeping the move in its history. Raises MoveRefused."""
    with transaction.atomic():
        locked = RecordsRequest.objects.select_for_update().get(pk=records_request.pk)
        check_move(locked, to_status, on, today, extension_notice_on)
        event = RequestEvent.objects.create(
            request=locked, from_status=locked.status, to_status=to_status, on=on, note=note, by=user
        )
        locked.status = to_status
        if to_status == RequestStatus.REQUESTED:
            locked.requested_on = on
        elif to_status == RequestStatus.EXTENDED:
            locked.extension_notice_on = extension_notice_on or on
        elif to_status == RequestStatus.RECEIVED:
            locked.received_on = on
        locked.save()
    records_request.refresh_from_db()
    return event


def change_request_date(
    records_request: RecordsRequest, requested_on: datetime.date, today: datetime.date
) -> None:
    """Corrects the date the request was made (which moves its follow-up and deadline)."""
    if records_request.requested_on is None:
        raise MoveRefused(_("Mark the request as requested first."))
    if requested_on > today:
        raise MoveRefused(_("That date is in the future. Use the date you asked."))
    if records_request.extension_notice_on and not (
        requested_on
        <= records_request.extension_notice_on
        <= requested_on + datetime.timedelta(days=clock.RESPONSE_DAYS)
    ):
        raise MoveRefused(_("With that date, the extension notice would fall outside the first 30 days."))
    records_request.requested_on = requested_on
    records_request.save(update_fields=["requested_on", "updated_at"])


def follow_up(request_id: int, case_id: int, on: datetime.date) -> bool:
    """Settles the follow-up of the case's request as of `on`, a day after the one it was asked on; True
    when that changed it."""
    with transaction.atomic():
        locked = RecordsRequest.objects.select_for_update().filter(pk=request_id, case_id=case_id).first()
        if (
            locked is None
            or locked.followed_up_on is not None
            or not locked.requested_on
            or locked.requested_on >= on
        ):
            return False
        locked.followed_up_on = on
        locked.save(update_fields=["followed_up_on", "updated_at"])
        return True


# Sent when the person notes that they sent the portal message about a request, with `case`, `user` and
# `on` (their date): the scripts note the use of the portal message's script.
portal_message_sent = Signal()


def due_fields(requests: list[RecordsRequest]) -> dict[str, object]:
    """What a case stores of its open `requests` (with their holders): see Case.next_due_on."""
    found = clock.next_due(requests)
    legal = min(
        ((on, each) for each in requests if (on := clock.legal_due_on(each))),
        key=lambda pair: pair[0],
        default=None,
    )
    return {
        "next_due_on": found[0] if found else None,
        "next_due_kind": found[1] if found else "",
        "next_due_from": holder_label(found[2].holder) if found else "",
        "legal_due_on": legal[0] if legal else None,
        "legal_due_from": holder_label(legal[1].holder) if legal else "",
    }


def store_next_due(case_id: int) -> None:
    """Stores what is due next on the case, by which the dashboard orders and names it, as its requests
    now stand."""
    still_open = RecordsRequest.objects.filter(case_id=case_id, requested_on__isnull=False).exclude(
        status__in=CLOSED_STATUSES
    )
    case = Case.objects.filter(pk=case_id)
    with transaction.atomic():  # the case first: of two changes at once, the later one reads both
        list(case.select_for_update().values_list("pk"))
        case.update(**due_fields(list(still_open.select_related("holder"))))


# Saving a request (a status move, a new date, a follow-up) is the change that moves what is due: the
# reminders listen to the same post_save (secondop.reminders.signals), so both commit with the change.
# Renaming a doctor or office renames whose records are due.
@receiver(post_save, sender=RecordsRequest)
@receiver(post_delete, sender=RecordsRequest)
@receiver(post_save, sender=Provider)
def request_saved(sender: type, instance: RecordsRequest | Provider, **kwargs: object) -> None:
    store_next_due(instance.case_id)


@receiver(post_save, sender=ContactEntry)
def contact_follows_up(sender: type, instance: ContactEntry, **kwargs: object) -> None:
    """A contact about a request on a later day than it was asked is the follow-up."""
    if instance.request_id is not None:
        follow_up(instance.request_id, instance.case_id, timezone.localdate(instance.happened_at))
