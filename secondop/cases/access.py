"""The one way a view gets a case: through the signed-in person's membership of it, directly or through a
team the case is shared with."""

from typing import TYPE_CHECKING, Literal, cast
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from secondop.cases import audit
from secondop.cases.models import ROLE_CAN, AuditAction, Case, Membership, Role, TeamShare

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from secondop.accounts.models import User

Need = Literal["read", "write", "own"]

# From most to least rights: a person's role is the best of their own and their teams'.
ROLE_ORDER = [Role.OWNER, Role.ADVOCATE, Role.VIEWER]


def effective_membership(case: Case, user: "User | AnonymousUser") -> Membership | None:
    """The person's own membership, or — through a team the case is shared with — an unsaved one with the
    team's role (its `pk` is None). None for a stranger."""
    own = Membership.objects.filter(case=case, user_id=cast(int, user.pk)).first()
    team_roles = set(
        TeamShare.objects.filter(case=case, team__members__user_id=cast(int, user.pk)).values_list(
            "role", flat=True
        )
    )
    roles = ({own.role} if own else set()) | team_roles
    if not roles:
        return None
    best = next(role for role in ROLE_ORDER if role in roles)
    if own is not None and own.role == best:
        return own
    return Membership(case=case, user=user, role=best)  # type: ignore[misc]


def get_case_for(request: HttpRequest, code: UUID | str, need: Need = "read") -> tuple[Case, Membership]:
    """Returns the case and the person's membership of it.

    Strangers get 404, so nothing tells them the case exists; members whose role does not allow `need`
    get 403. Views by members other than the owner, and every change, go into the case's audit trail.
    """
    if not request.user.is_authenticated:
        raise Http404("No such case.")
    case = Case.objects.filter(code=code).first()
    membership = effective_membership(case, request.user) if case is not None else None
    if case is None or membership is None:
        raise Http404("No such case.")
    if not ROLE_CAN[Role(membership.role)] >= {need}:
        raise PermissionDenied("Your role in this case does not allow that.")
    url_name = request.resolver_match.url_name if request.resolver_match else None
    if request.method == "POST" and need != "read" and url_name not in audit.SPECIFIC:
        audit.record_once(case, request.user, AuditAction.CHANGED, audit.change_name(url_name))
    elif request.method == "GET" and membership.role != Role.OWNER:
        audit.record_once(case, request.user, AuditAction.VIEWED)
    membership.case = case
    return case, membership
