"""The one way a view gets a case: through the signed-in person's membership of it, directly or through a
team the case is shared with."""

from typing import TYPE_CHECKING, Literal, cast
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Case as DbCase
from django.db.models import IntegerField, OuterRef, Subquery, Value, When
from django.http import Http404, HttpRequest

from secondop.cases import audit
from secondop.cases.models import ROLE_CAN, AuditAction, Case, Membership, Role, TeamShare

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from secondop.accounts.models import User

Need = Literal["read", "write", "own"]

# From most to least rights: a person's role is the best of their own and their teams'.
ROLE_ORDER = [Role.OWNER, Role.ADVOCATE, Role.VIEWER]


def best_role(roles: set[str]) -> str | None:
    """The role with the most rights among `roles`; None for none."""
    return next((role for role in ROLE_ORDER if role in roles), None)


def _best_team_role(case: "Case | OuterRef", user_id: int) -> Subquery:
    """The best role the person has in the case through a team, as a subquery."""
    rank = When(role=Role.OWNER, then=Value(0)), When(role=Role.ADVOCATE, then=Value(1))
    shares = (
        TeamShare.objects.filter(case=case, team__members__user_id=user_id)
        .annotate(rank=DbCase(*rank, default=Value(2), output_field=IntegerField()))
        .order_by("rank")
        .values("role")
    )
    return Subquery(shares[:1])


def _resolve(
    case: Case, user: "User | AnonymousUser", own: Membership | None, team_role: str | None
) -> Membership | None:
    """The person's own membership, or — through a team the case is shared with — an unsaved one with the
    team's role (its `pk` is None). None for a stranger."""
    best = best_role(({own.role} if own else set()) | ({team_role} if team_role else set()))
    if best is None:
        return None
    if own is not None and own.role == best:
        return own
    return Membership(case=case, user=user, role=best)  # type: ignore[misc]


def _case_and_membership(
    code: UUID | str, user: "User | AnonymousUser"
) -> tuple[Case | None, Membership | None]:
    """One query for the usual visit (the person is a member; the case comes along, and any team role);
    one more when the case reaches them through a team only, or not at all."""
    user_id = cast(int, user.pk)
    own = (
        Membership.objects.select_related("case")
        .filter(case__code=code, user_id=user_id)
        .annotate(team_role=_best_team_role(OuterRef("case_id"), user_id))
        .first()
    )
    if own is not None:
        return own.case, _resolve(own.case, user, own, own.team_role)
    case = Case.objects.filter(code=code).annotate(team_role=_best_team_role(OuterRef("pk"), user_id)).first()
    if case is None:
        return None, None
    return case, _resolve(case, user, None, case.team_role)


def get_case_for(request: HttpRequest, code: UUID | str, need: Need = "read") -> tuple[Case, Membership]:
    """Returns the case and the person's membership of it.

    Strangers get 404, so nothing tells them the case exists; members whose role does not allow `need`
    get 403. Views by members other than the owner, and every change that is saved, go into the case's
    audit trail.
    """
    if not request.user.is_authenticated:
        raise Http404("No such case.")
    case, membership = _case_and_membership(code, request.user)
    if case is None or membership is None:
        raise Http404("No such case.")
    if not ROLE_CAN[Role(membership.role)] >= {need}:
        raise PermissionDenied("Your role in this case does not allow that.")
    url_name = request.resolver_match.url_name if request.resolver_match else None
    if request.method == "POST" and need != "read" and url_name not in audit.SPECIFIC:
        audit.change_when_saved(request, case, audit.change_name(url_name))
    elif request.method == "GET" and membership.role != Role.OWNER:
        audit.record_once(case, request.user, AuditAction.VIEWED)
    membership.case = case
    return case, membership
