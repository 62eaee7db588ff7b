"""The dashboard: every case a person can see, the most urgent first, a page at a time.

Each case stores what is due next (`Case.next_due_on` and what it is, kept with every change that moves
it by `secondop.records.progress`), so one query counts the cases of each group, and one reads the page
shown, in order, with all each row shows; one more reads the team roles, for rows a team could better.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from secondop.accounts.models import User
from secondop.cases.access import TEAM_ROLES, TOP_ROLES, best_role
from secondop.cases.models import Case, CaseQuerySet, ChecklistItem, Membership, Role, TeamShare
from secondop.records import clock
from secondop.records.models import ContactEntry
from secondop.visits.models import Visit

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
    Show.ALL: pgettext_lazy("which cases are shown", "All"),
    Show.OVERDUE: pgettext_lazy("which cases are shown", "Overdue"),
    Show.WEEK: pgettext_lazy("which cases are shown", "This week"),
    Show.ARCHIVED: pgettext_lazy("which cases are shown", "Archived"),
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
    date_format: str = "MONTH_DAY_FORMAT"  # DATE_FORMAT, with the year, when it is not this year


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
        return str(Role(self.role).label)

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
    page: Page  # of cases, after the filter: its number, and whether others come before or after
    total: int  # cases after the filter, on every page


# What each kind of due date says, of the records from a holder.
WORDS = {
    clock.FOLLOW_UP: _("Follow up on the records from {holder}"),
    clock.LEGAL: _("Legal deadline for the records from {holder}"),
}
OVERDUE_WORDS = {clock.FOLLOW_UP: WORDS[clock.FOLLOW_UP], clock.LEGAL: _("Records from {holder}")}


def due_item(case: Case, today: datetime.date) -> DueItem | None:
    """The next thing due on the case (the date that orders it), in words; once it has passed, a legal
    deadline that has passed too says more than a missed follow-up."""
    on, kind, holder = case.next_due_on, case.next_due_kind, case.next_due_from
    if on is None or kind not in WORDS:
        return None
    if on < today and case.legal_due_on is not None and case.legal_due_on < today:
        on, kind, holder = case.legal_due_on, clock.LEGAL, case.legal_due_from
    words = OVERDUE_WORDS if on < today else WORDS
    return DueItem(
        on,
        words[kind].format(holder=holder),
        overdue=on < today,
        date_format="MONTH_DAY_FORMAT" if on.year == today.year else "DATE_FORMAT",
    )


def urgency_of(due: DueItem | None, today: datetime.date) -> Urgency:
    if due is None or due.on > today + datetime.timedelta(days=SOON_DAYS):
        return Urgency.LATER
    return Urgency.OVERDUE if due.overdue else Urgency.THIS_WEEK


def _effective_role(own_role: str | None, shares: list[tuple[str, str]]) -> tuple[str | None, list[str]]:
    """The best of the person's own role and their teams' (each share: its role, the team's name); with
    the teams' names when those give it. None when access ended between the two steps."""
    best = best_role({role for role, _ in shares} | ({own_role} if own_role else set()))
    if best is None or own_role == best:
        return best, []
    return best, sorted(team for role, team in shares if role == best)


def _rows(user: User, cases: list[Case], today: datetime.date) -> list[Row]:
    """The rows of one page, in its order, with at most one more query whatever the page holds: the
    person's team shares."""
    # A team gives advocate or viewer: only a case the person views, or reaches through teams alone, can
    # take its role from a team.
    maybe_teams = [case.pk for case in cases if case.own_role not in TOP_ROLES]  # type: ignore[attr-defined]
    shares: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if maybe_teams:
        for case_id, role, team in TeamShare.objects.filter(
            case_id__in=maybe_teams, team__members__user=user, role__in=TEAM_ROLES
        ).values_list("case_id", "role", "team__name"):
            shares[case_id].append((role, team))
    rows = []
    for case in cases:
        best, teams = _effective_role(case.own_role, shares[case.pk])  # type: ignore[attr-defined]
        if best is None:  # access ended between the two queries (a team left at that very moment)
            continue
        due = due_item(case, today)
        rows.append(
            Row(
                case=case,
                role=best,
                through_teams=teams,
                due=due,
                urgency=urgency_of(due, today),
                open_items=case.open_items,  # type: ignore[attr-defined]
                last_contact_at=case.last_contact_at,  # type: ignore[attr-defined]
            )
        )
    return rows


def _visible(user: User, *, archived: bool, search: str) -> CaseQuerySet:
    cases = Case.objects.for_user(user)
    cases = cases.archived() if archived else cases.active()
    return cases.filter(patient_name__icontains=search) if search else cases


def build(user: User, *, show: Show, search: str, today: datetime.date, page: str | int = 1) -> Dashboard:
    """The rows of one page for one filter, by the stored next due date: overdue (most overdue first),
    then due within the week (soonest first), then later ones, then the cases with nothing due (most
    recently updated first)."""
    visible = _visible(user, archived=show == Show.ARCHIVED, search=search)
    overdue = Q(next_due_on__lt=today)
    this_week = Q(next_due_on__gte=today, next_due_on__lte=today + datetime.timedelta(days=SOON_DAYS))
    shown_only = {Show.OVERDUE: overdue, Show.WEEK: this_week}.get(show, Q())
    counts = visible.aggregate(
        overdue=Count("pk", filter=overdue),
        this_week=Count("pk", filter=this_week),
        total=Count("pk", filter=shown_only),
    )
    visible = visible.filter(shown_only)
    appointment = Visit.objects.filter(case=OuterRef("pk"), starts_at__gte=timezone.now())  # one to come
    ordered = (
        visible.order_by(F("next_due_on").asc(nulls_last=True), "-updated_at", "-pk")
        .only(
            "pk",
            "code",
            "patient_name",
            "concern",
            "updated_at",
            "archived_at",
            "next_due_on",
            "next_due_kind",
            "next_due_from",
            "legal_due_on",
            "legal_due_from",
        )
        .annotate(
            open_items=Coalesce(
                Subquery(
                    ChecklistItem.objects.filter(case=OuterRef("pk"), done_at__isnull=True)
                    .values("case")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            last_contact_at=Subquery(
                ContactEntry.objects.filter(case=OuterRef("pk"))
                .order_by("-happened_at")
                .values("happened_at")[:1]
            ),
            own_role=Subquery(Membership.objects.filter(case=OuterRef("pk"), user=user).values("role")),
            visit_at=Subquery(appointment.values("starts_at")[:1]),
        )
    )
    paginator = Paginator(ordered, PAGE_SIZE)
    paginator.count = counts["total"]  # counted with the groups above: one query less
    shown = paginator.get_page(page)  # a made-up page number shows a real page
    return Dashboard(
        rows=_rows(user, list(shown.object_list), today),
        overdue_count=counts["overdue"],
        this_week_count=counts["this_week"],
        page=shown,
        total=counts["total"],
    )
