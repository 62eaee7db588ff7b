"""One chronological timeline per case: contacts, status moves of its requests, and script uses.

Used by the timeline page (a page at a time: `page`), the request page and the second-opinion packet
(everything: `entries`). Times are shown in the active time zone (the signed-in person's, set by
UserTimeZoneMiddleware).

Entries sort by their day (a contact's local date; the date given for a status move or a script use), then
by the moment each was recorded. The database can read every source in that order, so a page of the newest
entries reads only as many rows of each source as the page holds, however long the timeline.
"""

import datetime
import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from secondop.cases.models import Case
from secondop.records.models import ContactEntry, RequestEvent
from secondop.scripts.models import DraftUse

# Entries a page of the timeline shows; the oldest page may hold fewer.
PAGE_SIZE = 25
# How far back the pages go (older=…): a number past the oldest entry shows the oldest page.
MAX_OLDER = 100_000


@dataclass(frozen=True)
class Entry:
    when: tuple[datetime.date, datetime.datetime]  # for ordering: the day, then when it was recorded
    date: datetime.date
    kind: str  # "contact", "status" or "script"
    title: str
    details: list[tuple[str, str]] = field(default_factory=list)  # (label, text), only those with text
    time: datetime.time | None = None  # the local time of day, known for contacts only
    request_id: int | None = None
    contact: ContactEntry | None = None


@dataclass(frozen=True)
class Page:
    entries: list[Entry]  # oldest first
    older: int | None  # the `older` value of the page before this one, when there is one
    newer: int | None  # the `older` value of the page after this one, unless this is the newest


def _filled(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [(label, text) for label, text in pairs if text]


def _contact(contact: ContactEntry) -> Entry:
    local = timezone.localtime(contact.happened_at)
    who = f" with {contact.with_whom}" if contact.with_whom else ""
    return Entry(
        when=(local.date(), contact.happened_at),
        date=local.date(),
        time=local.time(),
        kind="contact",
        title=f"{contact.get_channel_display()}{who}",
        details=_filled(
            ("About", str(contact.request) if contact.request else ""),
            ("You asked", contact.asked),
            ("They answered", contact.answered),
        ),
        request_id=contact.request_id,
        contact=contact,
    )


def _event(event: RequestEvent) -> Entry:
    return Entry(
        when=(event.on, event.at),
        date=event.on,
        kind="status",
        title=f"{event.request}: {event.get_to_status_display().lower()}",
        details=_filled(("Before", event.get_from_status_display()), ("Note", event.note)),
        request_id=event.request_id,
    )


def _use(use: DraftUse) -> Entry:
    return Entry(
        when=(use.used_on, use.created_at),
        date=use.used_on,
        kind="script",
        title=f"Used the script “{use.draft.get_kind_display()}” ({use.get_channel_display().lower()})",
        details=_filled(("They said", use.provider_said)),
    )


Source = tuple[QuerySet[Any], Callable[[Any], Entry]]


def _sources(case: Case, request_id: int | None, *, newest_first: bool) -> list[Source]:
    """Each source of entries, ordered as the timeline (or its reverse), with what makes an entry of a row."""
    sign = "-" if newest_first else ""
    # A contact's local date follows its moment, so the moment alone orders contacts.
    contacts = case.contacts.select_related("request__holder").order_by(f"{sign}happened_at", f"{sign}pk")
    events = (
        RequestEvent.objects.filter(request__case=case)
        .select_related("request__holder")
        .order_by(f"{sign}on", f"{sign}at", f"{sign}pk")
    )
    uses = (
        DraftUse.objects.filter(draft__case=case)
        .select_related("draft")
        .order_by(f"{sign}used_on", f"{sign}created_at", f"{sign}pk")
    )
    if request_id is not None:
        contacts = contacts.filter(request_id=request_id)
        events = events.filter(request_id=request_id)
        uses = uses.none()
    return [(contacts, _contact), (events, _event), (uses, _use)]


def _when(entry: Entry) -> tuple[datetime.date, datetime.datetime]:
    return entry.when


def entries(case: Case, request_id: int | None = None) -> list[Entry]:
    """The case's whole timeline, oldest first; with `request_id`, only what belongs to that request."""
    streams = [map(make, rows) for rows, make in _sources(case, request_id, newest_first=False)]
    return list(heapq.merge(*streams, key=_when))


def _newest(case: Case, request_id: int | None, count: int) -> Iterator[Entry]:
    """The newest `count` entries, newest first, reading at most `count` rows of each source."""
    streams = [map(make, rows[:count]) for rows, make in _sources(case, request_id, newest_first=True)]
    return itertools.islice(heapq.merge(*streams, key=_when, reverse=True), count)


def page(case: Case, request_id: int | None = None, older: int = 0) -> Page:
    """A page of the timeline, oldest first: the PAGE_SIZE entries before the newest `older` ones."""
    older = min(max(older, 0), MAX_OLDER)
    newest = list(_newest(case, request_id, older + PAGE_SIZE + 1))
    if older and older >= len(newest):  # past the oldest entry (the timeline got shorter): the oldest page
        older = max(len(newest) - PAGE_SIZE, 0)
    shown = newest[older : older + PAGE_SIZE]
    shown.reverse()
    return Page(
        entries=shown,
        older=older + PAGE_SIZE if len(newest) > older + PAGE_SIZE else None,
        newer=max(older - PAGE_SIZE, 0) if older else None,
    )
