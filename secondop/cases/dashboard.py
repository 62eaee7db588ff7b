"""The dashboard: every case a person can see, the most urgent first, a page at a time.

Two steps, in a number of queries that does not grow with the number of cases. First, narrow rows of
every case the person can see (its id, in the order of its last update) and of their open records
requests (dates, and whom the records are from): urgency is worked out from those in Python with
`secondop.records.clock` and the person's own date, which sorts and counts every case. Then the full rows
of the one page shown, in plain queries (one each: the cases, their open checklist items, their last
contacts, the person's roles and team shares), which cost less to build than one query of subqueries.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max

from secondop.accounts.models import User
from secondop.cases.access import best_role
from secondop.cases.models import Case, CaseQuerySet, ChecklistItem, Membership, Role, TeamShare
from secondop.records import clock
from secondop.records.models import CLOSED_STATUSES, ContactEntry, Provider, RecordsRequest, RequestStatus

# "This week": a follow-up or legal deadline from today up to this many days ahead.
SOON_DAYS = 7
# Cases a page of the dashboard shows.
PAGE_SIZE = 20


class Show(StrEnum):
    ALL = "all"
    OVERDUE = "overdue"
    WEEK = "week"
    ARCHIVED = "archived"


SHOW_LABELS = {
    Show.ALL: "All",
    Show.OVERDUE: "Overdue",
    Show.WEEK: "This week",
    Show.ARCHIVED: "Archived",
}


def parse_show(value: str | None) -> Show:
    try:
        return Show(value or Show.ALL)
    except ValueError:
        return Show.ALL


class Urgency(IntEnum):
    """Sorts first to last."""

    OVERDUE = 0
    THIS_WEEK = 1
    LATER = 2


@dataclass(frozen=True)
class DueItem:
    """The next thing due on a case, in words."""

    on: datetime.date
    what: str
    overdue: bool
    date_format: str = "j F"  # with the year when it is not this year


@dataclass(frozen=True)
class Row:
    case: Case
    role: str
    through_teams: list[str]  # set when the role comes from a team share rather than a membership
    due: DueItem | None
    urgency: Urgency
    open_items: int
    last_contact_at: datetime.datetime | None

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def is_due_this_week(self) -> bool:
        return self.urgency == Urgency.THIS_WEEK

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


@dataclass(frozen=True)
class Dashboard:
    rows: list[Row]  # the page shown
    # How many of the shown cases (before the overdue / this-week filter) are in each group.
    overdue_count: int
    this_week_count: int
    page: Page  # of case ids, after the filter: its number, and whether others come before or after
    total: int  # cases after the filter, on every page


def _date_format(day: datetime.date, today: datetime.date) -> str:
    return "j F" if day.year == today.year else "j F Y"


# What each kind of due date says, of the records from a holder.
WORDS = {
    "overdue": "Records from {holder}",
    "follow_up": "Follow up on the records from {holder}",
    "legal": "Legal deadline for the records from {holder}",
}


@dataclass(frozen=True)
class OpenRequest:
    """An open records request, as the dashboard reads it: its dates, and whom the records are from."""

    status: str
    requested_on: datetime.date | None
    extension_notice_on: datetime.date | None
    holder_name: str
    holder_practice: str
    holder_role: str

    @property
    def holder(self) -> str:
        return str(Provider(name=self.holder_name, practice=self.holder_practice, role=self.holder_role))


def _due_dates(request: clock.Clocked, today: datetime.date) -> list[tuple[datetime.date, bool, str]]:
    """(date, overdue, kind) of what a records request still has due, from today on; or, once past its
    legal deadline, only that."""
    if request.status in CLOSED_STATUSES or request.requested_on is None:
        return []
    due = clock.legal_due_on(request)
    follow_up = clock.follow_up_on(request)
    assert due is not None and follow_up is not None
    if clock.is_overdue(request, today):
        return [(due, True, "overdue")]
    dates = []
    # Once part of the records came the follow-up is done; only the legal deadline is left (as in reminders).
    if follow_up >= today and request.status != RequestStatus.PARTLY_RECEIVED:
        dates.append((follow_up, False, "follow_up"))
    dates.append((due, False, "legal"))
    return dates


Due = tuple[datetime.date, bool, str, OpenRequest]  # (date, overdue, kind, the request)


def _next(requests: list[OpenRequest], today: datetime.date) -> Due | None:
    """The most overdue due date when anything is overdue, else the soonest one coming."""
    found = [
        (on, overdue, kind, request)
        for request in requests
        for on, overdue, kind in _due_dates(request, today)
    ]
    if not found:
        return None
    overdue = [each for each in found if each[1]]
    return min(overdue or found, key=lambda each: each[0])


def in_words(found: Due | None, today: datetime.date) -> DueItem | None:
    """What `_next` found, as the row says it."""
    if found is None:
        return None
    on, overdue, kind, request = found
    what = WORDS[kind].format(holder=request.holder)
    return DueItem(on, what, overdue=overdue, date_format=_date_format(on, today))


def _urgency(on: datetime.date, overdue: bool, today: datetime.date) -> Urgency:
    if overdue:
        return Urgency.OVERDUE
    if on <= today + datetime.timedelta(days=SOON_DAYS):
        return Urgency.THIS_WEEK
    return Urgency.LATER


def urgency_of(due: DueItem | None, today: datetime.date) -> Urgency:
    return Urgency.LATER if due is None else _urgency(due.on, due.overdue, today)


def _sort_key(found: Due | None, today: datetime.date) -> tuple[Urgency, datetime.date]:
    """A case's urgency and the date it sorts by within it."""
    if found is None:
        return Urgency.LATER, datetime.date.min
    urgency = _urgency(found[0], found[1], today)
    # "Later" cases keep the order of their last update.
    return urgency, datetime.date.min if urgency == Urgency.LATER else found[0]


def _effective_role(own_role: str | None, shares: list[tuple[str, str]]) -> tuple[str | None, list[str]]:
    """The best of the person's own role and their teams' (each share: its role, the team's name); with
    the teams' names when those give it. None when access ended between the two steps."""
    best = best_role({role for role, _ in shares} | ({own_role} if own_role else set()))
    if best is None or own_role == best:
        return best, []
    return best, sorted(team for role, team in shares if role == best)


PageRow = tuple[Case, int, datetime.datetime | None, str | None, list[tuple[str, str]]]


def _page(user: User, ids: list[int]) -> list[PageRow]:
    """What the rows of one page show, for the cases `ids` (already known to be the person's), in their
    order: the case, its open checklist items, its last contact, the person's own role and team shares.
    Plain queries, one for each, whatever the page holds."""
    cases = Case.objects.only("pk", "code", "patient_name", "concern", "updated_at", "archived_at").in_bulk(
        ids
    )
    open_items = dict(
        ChecklistItem.objects.filter(case_id__in=ids, done_at__isnull=True)
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )
    last_contact = dict(
        ContactEntry.objects.filter(case_id__in=ids)
        .order_by()
        .values("case_id")
        .annotate(last=Max("happened_at"))
        .values_list("case_id", "last")
    )
    own_roles = dict(Membership.objects.filter(case_id__in=ids, user=user).values_list("case_id", "role"))
    shares: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for case_id, role, team in TeamShare.objects.filter(
        case_id__in=ids, team__members__user=user
    ).values_list("case_id", "role", "team__name"):
        shares[case_id].append((role, team))
    return [
        (cases[pk], open_items.get(pk, 0), last_contact.get(pk), own_roles.get(pk), shares.get(pk, []))
        for pk in ids
        if pk in cases
    ]


def _visible(user: User, *, archived: bool, search: str) -> CaseQuerySet:
    cases = Case.objects.for_user(user)
    cases = cases.archived() if archived else cases.active()
    return cases.filter(patient_name__icontains=search) if search else cases


def build(user: User, *, show: Show, search: str, today: datetime.date, page: str | int = 1) -> Dashboard:
    """The rows of one page for one filter, most urgent first: overdue (most overdue first), then due
    within the week (soonest first), then the rest (most recently updated first)."""
    archived = show == Show.ARCHIVED
    visible = _visible(user, archived=archived, search=search)
    ids = list(visible.order_by("-updated_at", "-pk").values_list("pk", flat=True))
    open_by_case: dict[int, list[OpenRequest]] = defaultdict(list)
    open_requests = (
        RecordsRequest.objects.filter(case__in=visible, requested_on__isnull=False)
        .exclude(status__in=CLOSED_STATUSES)
        .values_list(
            "case_id",
            "status",
            "requested_on",
            "extension_notice_on",
            "holder__name",
            "holder__practice",
            "holder__role",
        )
    )
    for case_id, status, requested_on, notice_on, name, practice, provider_role in open_requests:
        open_by_case[case_id].append(
            OpenRequest(status, requested_on, notice_on, name, practice, provider_role)
        )
    found = {pk: _next(open_by_case.get(pk, []), today) for pk in ids}
    urgency = {pk: _sort_key(found[pk], today) for pk in ids}
    ids.sort(key=urgency.__getitem__)  # stable: the last update orders cases of the same urgency and date
    overdue_count = sum(1 for pk in ids if urgency[pk][0] == Urgency.OVERDUE)
    this_week_count = sum(1 for pk in ids if urgency[pk][0] == Urgency.THIS_WEEK)
    if show == Show.OVERDUE:
        ids = [pk for pk in ids if urgency[pk][0] == Urgency.OVERDUE]
    elif show == Show.WEEK:
        ids = [pk for pk in ids if urgency[pk][0] == Urgency.THIS_WEEK]
    shown = Paginator(ids, PAGE_SIZE).get_page(page)  # a made-up page number shows a real page

    rows = []
    for case, open_items, last_contact_at, own_role, shares in _page(user, list(shown.object_list)):
        role, teams = _effective_role(own_role, shares)
        if role is None:  # access ended between the two steps (a team left at that very moment)
            continue
        due = in_words(found[case.pk], today)
        rows.append(
            Row(
                case=case,
                role=role,
                through_teams=teams,
                due=due,
                urgency=urgency_of(due, today),
                open_items=open_items,
                last_contact_at=last_contact_at,
            )
        )
    return Dashboard(
        rows=rows,
        overdue_count=overdue_count,
        this_week_count=this_week_count,
        page=shown,
        total=len(ids),
    )
