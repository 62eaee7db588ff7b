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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import models
from django.db.models import F, Model, Q, QuerySet, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from secondop.cases.models import Case
from secondop.records.models import (
    ContactChannel,
    ContactEntry,
    Letter,
    LetterKind,
    ProviderRole,
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


def filled(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [(label, text) for label, text in pairs if text]


def label(choices: type[models.TextChoices], value: str | None) -> str:
    return choices(value).label if value in choices.values else ""


def _about(row: Row) -> str:
    """The request an entry is about, as RecordsRequest and Provider name themselves."""
    holder = row["holder_name"] or row["holder_practice"] or label(ProviderRole, row["holder_role"])
    return f"Records from {holder}" if holder else ""


def _contact(row: Row) -> Entry:
    local = timezone.localtime(row["moment"])
    who = f" with {row['b']}" if row["b"] else ""
    return Entry(
        date=local.date(),
        time=local.time(),
        kind="contact",
        title=f"{label(ContactChannel, row['a'])}{who}",
        details=filled(("About", _about(row)), ("You asked", row["c"]), ("They answered", row["d"])),
        contact_id=row["row"],
    )


def _letter(row: Row) -> Entry:
    """A letter keeps no moment of its making (`edited_at` is empty until it is edited by hand), so it is
    dated by `updated_at`, its last save: when it was written, or last rewritten."""
    title = f"Letter written: {label(LetterKind, row['a'])} — {_about(row)}"
    return Entry(date=row["day"], kind="letter", title=title)


def _event(row: Row) -> Entry:
    return Entry(
        date=row["day"],
        kind="status",
        title=f"{_about(row)}: {label(RequestStatus, row['a']).lower()}",
        details=filled(("Before", label(RequestStatus, row["b"])), ("Note", row["c"])),
    )


# What an entry shows, beyond its key: up to four texts of its own, and the holder of its request.
TEXT_COLUMNS = ("a", "b", "c", "d", "holder_name", "holder_practice", "holder_role")
HOLDER = {
    "holder_name": F("request__holder__name"),
    "holder_practice": F("request__holder__practice"),
    "holder_role": F("request__holder__role"),
}


class Kind(NamedTuple):
    model: type[Model]
    case: str  # the way to the case
    day: Any  # the key's day, an expression (TruncDate: the local date in the active time zone)
    moment: str  # the key's moment
    columns: dict[str, Any]  # its TEXT_COLUMNS (the others are empty)
    entry: Callable[[Row], Entry]


KINDS = {
    "contact": Kind(
        ContactEntry,
        "case",
        TruncDate("happened_at"),
        "happened_at",
        {"a": F("channel"), "b": F("with_whom"), "c": F("asked"), "d": F("answered"), **HOLDER},
        _contact,
    ),
    "letter": Kind(
        Letter, "request__case", TruncDate("updated_at"), "updated_at", {"a": F("kind"), **HOLDER}, _letter
    ),
    "status": Kind(
        RequestEvent,
        "request__case",
        F("on"),
        "at",
        {"a": F("to_status"), "b": F("from_status"), "c": F("note"), **HOLDER},
        _event,
    ),
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
        empty = Value(None, output_field=models.TextField())
        texts = {column: kind.columns.get(column, empty) for column in TEXT_COLUMNS}
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


def entries(case: Case, request_id: int | None = None, kinds: dict[str, Kind] = KINDS) -> list[Entry]:
    """The case's timeline of `kinds`, oldest first; with `request_id`, only what belongs to that request."""
    return [
        kinds[row["source"]].entry(row) for row in _rows(case, request_id, newest_first=False, kinds=kinds)
    ]


def page(
    case: Case,
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
        entries=[kinds[row["source"]].entry(row) for row in shown],
        older=_encode(shown[0]) if shown and has_older else None,
        newer=_encode(shown[-1]) if shown and has_newer else None,
    )
