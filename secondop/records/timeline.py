"""One chronological timeline per case: contacts, status moves and letters of its requests; the case's
whole timeline (`secondop.casefile.timeline`) adds the uses of its scripts, as one more kind.

Used by the request page (everything of one request: `entries`), and through `secondop.casefile.timeline`
by the timeline page (a page at a time: `page`) and the second-opinion packet. Times and local dates are
in the active time zone (the signed-in person's, set by UserTimeZoneMiddleware; TruncDate's default).

Each entry sorts by its key: its day (a contact's or a letter's local date; the date given for a status move
or a script use), the moment it was recorded, its kind, its pk. One UNION ALL query reads a page, with all
its entries show, each source filtered to the keys past the page's boundary (keyset pagination: no OFFSET,
so a page costs the same however long the timeline).
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import models
from django.db.models import F, Model, Q, QuerySet, Value
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from secondop.cases.models import Case
from secondop.records.models import (
    ContactChannel,
    ContactEntry,
    Letter,
    LetterKind,
    RequestEvent,
    RequestStatus,
)
from secondop.requests import query_number

# Entries a page shows; the oldest page, and the newest one reached from older ones, may hold fewer.
PAGE_SIZE = 25

Key = tuple[datetime.date, datetime.datetime, str, int]  # day, moment, kind, pk
KEY_COLUMNS = ("day", "moment", "source", "row")  # in the union ("kind" and "pk" are taken by model fields)
KeyRows = QuerySet[Any, dict[str, Any]]  # the rows of one kind, as the union reads them


@dataclass(frozen=True)
class Entry:
    date: datetime.date
    kind: str  # "contact", "letter", "status", or a kind another app adds ("script")
    title: str
    details: list[tuple[str, str]] = field(default_factory=list)  # (label, text), only those with text
    time: datetime.time | None = None  # the local time of day, known for contacts only
    contact_id: int | None = None


@dataclass(frozen=True)
class Page:
    entries: list[Entry]  # oldest first
    older: str | None  # the `before` key of the page before this one, when there is one
    newer: str | None  # the `after` key of the page after this one, unless this is the newest


Row = dict[str, Any]  # one row of the union: the key columns, then TEXT_COLUMNS
# What each of the case's records requests calls itself ("Records from …"), by its pk: an entry names the
# request it is about by this, so that the union need not join the holders.
About = Mapping[int, str]


def filled(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [(label, text) for label, text in pairs if text]


def label(choices: type[models.TextChoices], value: str | None) -> str:
    """The choice's label, in the active language ("" for none)."""
    try:
        return str(choices(value or "").label)
    except ValueError:  # empty, or a value no longer offered
        return ""


def _contact(row: Row, about: str) -> Entry:
    local = timezone.localtime(row["moment"])
    channel = label(ContactChannel, row["a"])
    # Translators: a contact in the timeline: "Phone call with Jo at the records office".
    title = _("{channel} with {whom}").format(channel=channel, whom=row["b"]) if row["b"] else channel
    return Entry(
        date=local.date(),
        time=local.time(),
        kind="contact",
        title=title,
        details=filled(
            (pgettext("timeline detail", "About"), about),
            (pgettext("timeline detail", "You asked"), row["c"]),
            (pgettext("timeline detail", "They answered"), row["d"]),
        ),
        contact_id=row["row"],
    )


def _letter(row: Row, about: str) -> Entry:
    """A letter keeps no moment of its making (`edited_at` is empty until it is edited by hand), so it is
    dated by `updated_at`, its last save: when it was written, or last rewritten."""
    title = _("Letter written: {kind} — {about}").format(kind=label(LetterKind, row["a"]), about=about)
    return Entry(date=row["day"], kind="letter", title=title)


def _event(row: Row, about: str) -> Entry:
    return Entry(
        date=row["day"],
        kind="status",
        title=_("{about}: {status}").format(about=about, status=label(RequestStatus, row["a"]).lower()),
        details=filled(
            (pgettext("timeline detail", "Before"), label(RequestStatus, row["b"])),
            (pgettext("timeline detail", "Note"), row["c"]),
        ),
    )


# What an entry shows, beyond its key: up to four texts of its own, and the request it is about.
TEXT_COLUMNS = ("a", "b", "c", "d", "records_request")
ABOUT = {"records_request": F("request_id")}


class Kind(NamedTuple):
    model: type[Model]
    case: str  # the way to the case
    day: Any  # the key's day, an expression (TruncDate: the local date in the active time zone)
    moment: str  # the key's moment
    columns: dict[str, Any]  # its TEXT_COLUMNS (the others are empty)
    entry: Callable[[Row, str], Entry]  # the row, and what its request calls itself ("" for none)


KINDS = {
    "contact": Kind(
        ContactEntry,
        "case",
        TruncDate("happened_at"),
        "happened_at",
        {"a": F("channel"), "b": F("with_whom"), "c": F("asked"), "d": F("answered"), **ABOUT},
        _contact,
    ),
    "letter": Kind(
        Letter, "request__case", TruncDate("updated_at"), "updated_at", {"a": F("kind"), **ABOUT}, _letter
    ),
    "status": Kind(
        RequestEvent,
        "request__case",
        F("on"),
        "at",
        {"a": F("to_status"), "b": F("from_status"), "c": F("note"), **ABOUT},
        _event,
    ),
}


# A column a kind leaves empty: typed as the others' (the union's column types come from its first kind).
EMPTY = {column: Value(None, output_field=models.TextField()) for column in TEXT_COLUMNS} | {
    "records_request": Value(None, output_field=models.BigIntegerField())
}


def _past(rows: KeyRows, kind: str, key: Key, older: bool) -> KeyRows:
    """The `rows` of `kind` older than `key` in the timeline (newer, unless `older`)."""
    day, moment, key_kind, pk = key
    than = "lt" if older else "gt"
    past = Q(**{f"day__{than}": day}) | Q(day=day, **{f"moment__{than}": moment})
    if kind == key_kind:
        past |= Q(day=day, moment=moment, **{f"row__{than}": pk})
    elif (kind < key_kind) == older:
        past |= Q(day=day, moment=moment)
    return rows.filter(**{f"day__{than}e": day}).filter(past)  # the first filter bounds an index range


def _rows(
    case: Case,
    request_id: int | None,
    *,
    newest_first: bool,
    past: Key | None = None,
    limit: int | None = None,
    kinds: dict[str, Kind],
) -> list[Row]:
    """The rows of the case's timeline of `kinds` (of one request's), in one query, with all an entry
    shows; with `past`, only those beyond that key."""
    branches: list[KeyRows] = []
    for name, kind in kinds.items():
        rows = kind.model._default_manager.filter(**{kind.case: case})
        if request_id is not None:
            rows = rows.filter(request_id=request_id)
        texts = {column: kind.columns.get(column, EMPTY[column]) for column in TEXT_COLUMNS}
        keys = rows.order_by().values(
            day=kind.day, moment=F(kind.moment), source=Value(name), row=F("pk"), **texts
        )
        branches.append(keys if past is None else _past(keys, name, past, newest_first))
    union = branches[0].union(*branches[1:], all=True)
    union = union.order_by(*(f"-{column}" if newest_first else column for column in KEY_COLUMNS))
    return list(union[:limit])


def _encode(row: Row) -> str:
    day, moment, kind, pk = (row[column] for column in KEY_COLUMNS)
    return f"{day.isoformat()}_{moment.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%S.%f}Z_{kind}_{pk}"


def _decode(text: str, kinds: dict[str, Kind]) -> Key | None:
    """The key `_encode` wrote as `text`, or None for anything else."""
    try:
        day, moment, kind, pk = text.split("_")
        at = datetime.datetime.fromisoformat(moment).astimezone(datetime.UTC)
        key = (datetime.date.fromisoformat(day), at, kind, query_number(pk) or 0)
    except (ValueError, OverflowError):
        return None
    return key if kind in kinds and _encode(dict(zip(KEY_COLUMNS, key, strict=True))) == text else None


def about(case: Case) -> dict[int, str]:
    """What each of the case's requests calls itself, by its pk (for `entries` and `page`)."""
    return {each.pk: str(each) for each in case.records_requests.select_related("holder")}


def _entry(kinds: dict[str, Kind], row: Row, about: About) -> Entry:
    return kinds[row["source"]].entry(row, about.get(row["records_request"], ""))


def entries(
    case: Case, about: About, request_id: int | None = None, kinds: dict[str, Kind] = KINDS
) -> list[Entry]:
    """The case's timeline of `kinds`, oldest first; with `request_id`, only what belongs to that request."""
    rows = _rows(case, request_id, newest_first=False, kinds=kinds)
    return [_entry(kinds, row, about) for row in rows]


def page(
    case: Case,
    about: About,
    request_id: int | None = None,
    before: str = "",
    after: str = "",
    kinds: dict[str, Kind] = KINDS,
) -> Page:
    """A page of the timeline of `kinds`, oldest first: the PAGE_SIZE entries before the key `before`, or
    after the key `after`, or else the newest. A key we did not write, or with nothing beyond it, gives the
    newest page."""
    older = not after
    past = _decode(after or before, kinds)
    rows = (
        _rows(case, request_id, newest_first=older, past=past, limit=PAGE_SIZE + 1, kinds=kinds)
        if past
        else []
    )
    if not rows:
        older, past = True, None
        rows = _rows(case, request_id, newest_first=True, limit=PAGE_SIZE + 1, kinds=kinds)
    more = len(rows) > PAGE_SIZE
    shown = rows[:PAGE_SIZE]
    if older:
        shown.reverse()
    # Past `after` there is at least the entry it names; before `before`, the one it names.
    has_older, has_newer = (more, past is not None) if older else (True, more)
    return Page(
        entries=[_entry(kinds, row, about) for row in shown],
        older=_encode(shown[0]) if shown and has_older else None,
        newer=_encode(shown[-1]) if shown and has_newer else None,
    )
