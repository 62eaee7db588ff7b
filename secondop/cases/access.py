"""The one way a view gets a case: through the signed-in person's membership of it, directly or through a
team the case is shared with."""

from typing import TYPE_CHECKING, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest

from secondop.cases import audit
from secondop.cases.models import ROLE_CAN, AuditAction, Case, Membership, Role, TeamShare

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from secondop.accounts.models import User

Need = Literal["read", "write", "own"]
# The request attribute where get_case_for leaves the case a write reached, and what it needed.
CASE_OF_WRITE = "_secondop_case_of_write"

# From most to least rights: a person's role is the best of their own and their teams'.
ROLE_ORDER = [Role.OWNER, Role.ADVOCATE, Role.VIEWER]
# What a team share gives, and the roles no team share can better.
TEAM_ROLES = (Role.ADVOCATE, Role.VIEWER)
TOP_ROLES = (Role.OWNER, Role.ADVOCATE)


def best_role(roles: set[str]) -> str | None:
    """The role with the most rights among `roles`; None for none."""
    return next((role for role in ROLE_ORDER if role in roles), None)


def _case_and_membership(
    code: UUID | str, user: "User | AnonymousUser"
) -> tuple[Case | None, Membership | None]:
    """The case and the person's membership of it: their own, or — through a team the case is shared
    with — an unsaved one with the team's role (its `pk` is None) when that gives more rights. None for a
    stranger. Owners and advocates take one query (no team gives more than advocate); others two."""
    if not user.is_authenticated:
        return None, None
    try:
        code = code if isinstance(code, UUID) else UUID(str(code))
    except ValueError:
        return None, None
    own = Membership.objects.select_related("case").filter(case__code=code, user=user).first()
    if own is not None and own.role in TOP_ROLES:
        return own.case, own
    # Of the teams' roles, the one with the most rights.
    team_role = (
        TeamShare.objects.filter(case=OuterRef("pk"), team__members__user=user, role__in=TEAM_ROLES)
        .order_by(models.Case(models.When(role=Role.ADVOCATE, then=0), default=1))
        .values("role")[:1]
    )
    case = Case.objects.annotate(team_role=Subquery(team_role)).filter(code=code).first()
    if case is None:
        return None, None
    best = best_role({role for role in (case.team_role, own.role if own else None) if role})
    if best is None:
        return case, None
    if own is not None and own.role == best:
        return case, own
    return case, Membership(case=case, user=user, role=best)


def may(user: "User | AnonymousUser", case: Case, need: str) -> bool:
    """Whether the person may still do `need` to the case, as get_case_for would decide now."""
    found, membership = _case_and_membership(case.code, user)
    return found is not None and membership is not None and need in ROLE_CAN[Role(membership.role)]


def get_case_for(request: HttpRequest, code: UUID | str, need: Need = "read") -> tuple[Case, Membership]:
    """Returns the case and the person's membership of it.

    Strangers get 404, so nothing tells them the case exists; members whose role does not allow `need`
    get 403. Views by members other than the owner, and every change that is saved, go into the case's
    audit trail.
    """
    case, membership = _case_and_membership(code, request.user)
    if case is None or membership is None:
        raise Http404("No such case.")
    if not ROLE_CAN[Role(membership.role)] >= {need}:
        raise PermissionDenied("Your role in this case does not allow that.")
    if request.method == "POST" and not hasattr(request, CASE_OF_WRITE):
        # What the outbox's replay of this write must still be allowed (secondop.pwa.idempotency).
        setattr(request, CASE_OF_WRITE, (case, need))
    url_name = request.resolver_match.url_name if request.resolver_match else None
    if request.method == "POST" and need != "read" and url_name not in audit.SPECIFIC:
        audit.change_when_saved(request, case, audit.change_name(url_name))
    elif request.method in ("GET", "HEAD") and membership.role != Role.OWNER:
        audit.record_once(case, request.user, AuditAction.VIEWED)
    membership.case = case
    return case, membership
