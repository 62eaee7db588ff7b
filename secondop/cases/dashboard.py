"""The dashboard: every case a person can see, the most urgent first, a page at a time.

Two steps, in a number of queries that does not grow with the number of cases. First, narrow rows of
every case the person can see (its id, in the order of its last update) and of their open records
requests (dates, and whom the records are from): urgency is worked out from those in Python with
`secondop.records.clock` and the person's own date, which sorts and counts every case. Then the full rows
of the one page shown: counts and dates from subqueries, the person's team shares from a narrow prefetch.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from secondop.accounts.models import User
from secondop.cases.access import ROLE_ORDER
from secondop.cases.models import Case, CaseQuerySet, ChecklistItem, Membership, Role, TeamShare
from secondop.records import clock
from secondop.records.models import CLOSED_STATUSES, ContactEntry, Provider, RecordsRequest, RequestStatus

# "This week": a follow-up or legal deadline from today up to this many days ahead.
SOON_DAYS = 7
# Cases a page of the dashboard shows.
PAGE_SIZE = 30


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


def due_items(request: OpenRequest, today: datetime.date) -> list[DueItem]:
    """What a records request still has due, from today on; or, once past its legal deadline, only that."""
    holder = request.holder
    return [
        DueItem(on, WORDS[kind].format(holder=holder), overdue=overdue, date_format=_date_format(on, today))
        for on, overdue, kind in _due_dates(request, today)
    ]


def next_due(requests: list[OpenRequest], today: datetime.date) -> DueItem | None:
    """The most overdue item when anything is overdue, else the soonest one coming."""
    items = [item for request in requests for item in due_items(request, today)]
    if not items:
        return None
    overdue = [item for item in items if item.overdue]
    return min(overdue or items, key=lambda item: item.on)


def _urgency(requests: list[OpenRequest], today: datetime.date) -> tuple[Urgency, datetime.date]:
    """A case's urgency and the date it sorts by within it (as `next_due` and `urgency_of` find them)."""
    dates = [(on, overdue) for request in requests for on, overdue, _ in _due_dates(request, today)]
    overdue = [on for on, is_overdue in dates if is_overdue]
    if overdue:
        return Urgency.OVERDUE, min(overdue)
    if not dates:
        return Urgency.LATER, datetime.date.min
    soonest = min(on for on, _ in dates)
    if soonest <= today + datetime.timedelta(days=SOON_DAYS):
        return Urgency.THIS_WEEK, soonest
    # "Later" cases keep the order of their last update.
    return Urgency.LATER, datetime.date.min


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
    cases = _visible(user, archived=archived, search=search)
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
            Prefetch("team_shares", queryset=my_team_shares, to_attr="my_team_shares"),
        )
        .order_by("-updated_at", "-pk")
    )


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
    urgency = {pk: _urgency(open_by_case.get(pk, []), today) for pk in ids}
    ids.sort(key=urgency.__getitem__)  # stable: the last update orders cases of the same urgency and date
    overdue_count = sum(1 for pk in ids if urgency[pk][0] == Urgency.OVERDUE)
    this_week_count = sum(1 for pk in ids if urgency[pk][0] == Urgency.THIS_WEEK)
    if show == Show.OVERDUE:
        ids = [pk for pk in ids if urgency[pk][0] == Urgency.OVERDUE]
    elif show == Show.WEEK:
        ids = [pk for pk in ids if urgency[pk][0] == Urgency.THIS_WEEK]
    shown = Paginator(ids, PAGE_SIZE).get_page(page)  # a made-up page number shows a real page

    position = {pk: number for number, pk in enumerate(shown.object_list)}
    cases = sorted(
        cases_for_dashboard(user, archived=archived, search=search).filter(pk__in=position),
        key=lambda case: position[case.pk],
    )
    rows = []
    for case in cases:
        role, teams = _effective_role(case.own_role, case.my_team_shares)  # type: ignore[attr-defined]
        if role is None:
            continue
        due = next_due(open_by_case.get(case.pk, []), today)
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
    return Dashboard(
        rows=rows,
        overdue_count=overdue_count,
        this_week_count=this_week_count,
        page=shown,
        total=len(ids),
    )
