"""The legal clock of a records request (HIPAA right of access, 45 CFR 164.524(b)(2)).

All dates are calendar dates in the patient's own time zone: "30 days" is counted in days, so month ends
and leap days fall where the calendar puts them, and a daylight-saving change moves nothing.
"""

import datetime
from collections.abc import Iterable
from typing import Protocol

from secondop.records.models import CLOSED_STATUSES, RequestStatus


class Clocked(Protocol):
    """What the clock reads of a records request: a RecordsRequest, or a row of just these fields."""

    @property
    def status(self) -> str: ...

    @property
    def requested_on(self) -> datetime.date | None: ...

    @property
    def extension_notice_on(self) -> datetime.date | None: ...

    @property
    def followed_up_on(self) -> datetime.date | None: ...


FOLLOW_UP_DAYS = 7
RESPONSE_DAYS = 30
EXTENSION_DAYS = 30


def follow_up_on(records_request: Clocked) -> datetime.date | None:
    if records_request.requested_on is None:
        return None
    return records_request.requested_on + datetime.timedelta(days=FOLLOW_UP_DAYS)


def legal_due_on(records_request: Clocked) -> datetime.date | None:
    """30 days after the request; 60 once a written extension notice was recorded."""
    if records_request.requested_on is None:
        return None
    days = RESPONSE_DAYS + (EXTENSION_DAYS if records_request.extension_notice_on else 0)
    return records_request.requested_on + datetime.timedelta(days=days)


def extension_window(records_request: Clocked) -> tuple[datetime.date, datetime.date] | None:
    """The dates on which a written extension notice counts: within the first 30 days."""
    if records_request.requested_on is None:
        return None
    return records_request.requested_on, records_request.requested_on + datetime.timedelta(days=RESPONSE_DAYS)


FOLLOW_UP = "follow_up"
LEGAL = "legal"


def milestones(records_request: Clocked) -> list[tuple[str, datetime.date]]:
    """What a request still has due, as (kind, date), by the one rule the dashboard and the reminders
    share: the follow-up a week after the request, until someone follows up or the holder answers (any
    move on from "requested"), and the legal deadline; nothing before the request is made or once it is
    closed. A date stays due once it has passed, until the change that settles it."""
    follow_up, due = follow_up_on(records_request), legal_due_on(records_request)
    if records_request.status in CLOSED_STATUSES or follow_up is None or due is None:
        return []
    if records_request.status == RequestStatus.REQUESTED and records_request.followed_up_on is None:
        return [(FOLLOW_UP, follow_up), (LEGAL, due)]
    return [(LEGAL, due)]


def next_due[R: Clocked](requests: Iterable[R]) -> tuple[datetime.date, str, R] | None:
    """The earliest date any of `requests` has due: (date, kind, request)."""
    found = [
        (on, kind, records_request)
        for records_request in requests
        for kind, on in milestones(records_request)
    ]
    return min(found, key=lambda each: each[0], default=None)


def is_overdue(records_request: Clocked, today: datetime.date) -> bool:
    due = legal_due_on(records_request)
    return due is not None and records_request.status not in CLOSED_STATUSES and today > due


def days_left(records_request: Clocked, today: datetime.date) -> int | None:
    due = legal_due_on(records_request)
    return None if due is None else (due - today).days
