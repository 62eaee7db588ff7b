"""The legal clock of a records request: the HIPAA right of access (45 CFR 164.524(b)(2)), or the holder's
state law where it is stricter (secondop.law).

All dates are calendar dates in the patient's own time zone: "30 days" is counted in days, so month ends
and leap days fall where the calendar puts them, and a daylight-saving change moves nothing.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext

from secondop.law import rules
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

    @property
    def holder(self) -> Any: ...  # its state and kind set the state's deadline (a Provider, or None)


FOLLOW_UP_DAYS = 7
RESPONSE_DAYS = 30
EXTENSION_DAYS = 30


def follow_up_on(records_request: Clocked) -> datetime.date | None:
    if records_request.requested_on is None:
        return None
    return records_request.requested_on + datetime.timedelta(days=FOLLOW_UP_DAYS)


@dataclass(frozen=True)
class Deadline:
    on: datetime.date
    federal_on: datetime.date  # what the federal rule alone would say
    rule: rules.Rule | None  # the state's, when it sets the date; None for the federal rule
    state: str  # the holder's state ("" when not known)

    @property
    def state_name(self) -> str:
        known = rules.states().get(self.state)
        return known.name if known else self.state

    @property
    def by_state_law(self) -> str:
        """ "California law: within 15 days of the request", when a state's rule sets the date (in the
        active language)."""
        if not self.rule:
            return ""
        return gettext("{state} law: {within}").format(state=self.state_name, within=self.rule.in_words)


def deadline(records_request: Clocked) -> Deadline | None:
    """The stricter of the federal deadline (30 days after the request; 60 once a written extension notice
    was recorded) and the holder's state's, for this kind of holder. A state rule with an extension of its
    own gives way to the federal one once the holder sent a notice (its extension is not counted here)."""
    start = records_request.requested_on
    if start is None:
        return None
    days = RESPONSE_DAYS + (EXTENSION_DAYS if records_request.extension_notice_on else 0)
    federal = start + datetime.timedelta(days=days)
    holder = getattr(records_request, "holder", None)  # none yet: an unsaved request's
    state, kind = getattr(holder, "state", ""), getattr(holder, "kind", "")
    found = Deadline(federal, federal, None, state)
    for rule in rules.binding(state, kind):
        if records_request.extension_notice_on and rule.extension:
            continue
        on = rules.due_on(rule, state, start)
        if on < found.on:
            found = Deadline(on, federal, rule, state)
    return found


def legal_due_on(records_request: Clocked) -> datetime.date | None:
    found = deadline(records_request)
    return found.on if found else None


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
