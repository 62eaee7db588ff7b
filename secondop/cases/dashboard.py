"""The dashboard: every case a person can see, the most urgent first.

The number of queries does not grow with the number of cases: counts and dates come from subqueries, the
open records requests and the person's team shares from two narrow prefetches, and urgency is worked out
here in Python with `secondop.records.clock` and the person's own date.
"""

import datetime
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from secondop.accounts.models import User
from secondop.cases.access import ROLE_ORDER
from secondop.cases.models import Case, CaseQuerySet, ChecklistItem, Membership, Role, TeamShare
from secondop.records import clock
from secondop.records.models import CLOSED_STATUSES, ContactEntry, RecordsRequest, RequestStatus

# "This week": a follow-up or legal deadline from today up to this many days ahead.
SOON_DAYS = 7


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
    rows: list[Row]
    # How many of the shown cases (before the overdue / this-week filter) are in each group.
    overdue_count: int
    this_week_count: int


def _date_format(day: datetime.date, today: datetime.date) -> str:
    return "j F" if day.year == today.year else "j F Y"


def due_items(request: RecordsRequest, today: datetime.date) -> list[DueItem]:
    """What a records request still has due, from today on; or, once past its legal deadline, only that."""
    if request.status in CLOSED_STATUSES or request.requested_on is None:
        return []
    holder = str(request.holder)
    due = clock.legal_due_on(request)
    follow_up = clock.follow_up_on(request)
    assert due is not None and follow_up is not None
    if clock.is_overdue(request, today):
        return [DueItem(due, f"Records from {holder}", overdue=True, date_format=_date_format(due, today))]
    items = []
    # Once part of the records came the follow-up is done; only the legal deadline is left (as in reminders).
    if follow_up >= today and request.status != RequestStatus.PARTLY_RECEIVED:
        what = f"Follow up on the records from {holder}"
        items.append(DueItem(follow_up, what, overdue=False, date_format=_date_format(follow_up, today)))
    what = f"Legal deadline for the records from {holder}"
    items.append(DueItem(due, what, overdue=False, date_format=_date_format(due, today)))
    return items


def next_due(requests: list[RecordsRequest], today: datetime.date) -> DueItem | None:
    """The most overdue item when anything is overdue, else the soonest one coming."""
    items = [item for request in requests for item in due_items(request, today)]
    if not items:
        return None
    overdue = [item for item in items if item.overdue]
    return min(overdue or items, key=lambda item: item.on)


def urgency_of(due: DueItem | None, today: datetime.date) -> Urgency:
    if due is None:
        return Urgency.LATER
    if due.overdue:
        return Urgency.OVERDUE
    if due.on <= today + datetime.timedelta(days=SOON_DAYS):
        return Urgency.THIS_WEEK
    return Urgency.LATER


def _effective_role(own_role: str | None, shares: list[TeamShare]) -> tuple[str | None, list[str]]:
    """The best of the person's own role and their teams'; with the teams' names when those give it. None
    when access ended between the case query and the prefetch (a team left at that very moment)."""
    roles = {share.role for share in shares} | ({own_role} if own_role else set())
    best = next((role for role in ROLE_ORDER if role in roles), None)
    if best is None:
        return None, []
    if own_role == best:
        return best, []
    return best, sorted(share.team.name for share in shares if share.role == best)


def cases_for_dashboard(user: User, *, archived: bool, search: str) -> CaseQuerySet:
    """The cases with what a row shows, in a number of queries that does not depend on how many."""
    cases = Case.objects.for_user(user)
    cases = cases.archived() if archived else cases.active()
    if search:
        cases = cases.filter(patient_name__icontains=search)
    open_items = (
        ChecklistItem.objects.filter(case=OuterRef("pk"), done_at__isnull=True)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_contact = (
        ContactEntry.objects.filter(case=OuterRef("pk")).order_by("-happened_at").values("happened_at")
    )
    own_role = Membership.objects.filter(case=OuterRef("pk"), user=user).values("role")
    open_requests = (
        RecordsRequest.objects.exclude(status__in=CLOSED_STATUSES)
        .filter(requested_on__isnull=False)
        .select_related("holder")
        .only(
            "case_id",
            "status",
            "requested_on",
            "extension_notice_on",
            "holder",
            "holder__name",
            "holder__practice",
            "holder__role",
        )
    )
    my_team_shares = (
        TeamShare.objects.filter(team__members__user=user)
        .select_related("team")
        .only("case_id", "role", "team", "team__name")
    )
    return (
        cases.only("pk", "code", "patient_name", "concern", "updated_at", "archived_at")
        .annotate(
            open_items=Coalesce(Subquery(open_items[:1]), Value(0), output_field=IntegerField()),
            last_contact_at=Subquery(last_contact[:1]),
            own_role=Subquery(own_role[:1]),
        )
        .prefetch_related(
            Prefetch("records_requests", queryset=open_requests, to_attr="open_requests"),
            Prefetch("team_shares", queryset=my_team_shares, to_attr="my_team_shares"),
        )
        .order_by("-updated_at", "-pk")
    )


def _sort_key(row: Row) -> tuple[Urgency, datetime.date]:
    # The query gives the most recently updated first, and the sort is stable: "later" cases keep that order.
    if row.urgency == Urgency.LATER or row.due is None:
        return (row.urgency, datetime.date.min)
    return (row.urgency, row.due.on)


def build(user: User, *, show: Show, search: str, today: datetime.date) -> Dashboard:
    """The rows for one filter, most urgent first: overdue (most overdue first), then due within the
    week (soonest first), then the rest (most recently updated first)."""
    rows = []
    for case in cases_for_dashboard(user, archived=show == Show.ARCHIVED, search=search):
        due = next_due(case.open_requests, today)  # type: ignore[attr-defined]
        role, teams = _effective_role(case.own_role, case.my_team_shares)  # type: ignore[attr-defined]
        if role is None:
            continue
        rows.append(
            Row(
                case=case,
                role=role,
                through_teams=teams,
                due=due,
                urgency=urgency_of(due, today),
                open_items=case.open_items,  # type: ignore[attr-defined]
                last_contact_at=case.last_contact_at,  # type: ignore[attr-defined]
            )
        )
    rows.sort(key=_sort_key)
    overdue_count = sum(1 for row in rows if row.urgency == Urgency.OVERDUE)
    this_week_count = sum(1 for row in rows if row.urgency == Urgency.THIS_WEEK)
    if show == Show.OVERDUE:
        rows = [row for row in rows if row.urgency == Urgency.OVERDUE]
    elif show == Show.WEEK:
        rows = [row for row in rows if row.urgency == Urgency.THIS_WEEK]
    return Dashboard(rows=rows, overdue_count=overdue_count, this_week_count=this_week_count)
