"""The one way a view gets a case: through the signed-in person's membership of it."""

from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from secondop.cases.models import Case, Membership

Need = Literal["read", "write", "own"]


def get_case_for(request: HttpRequest, code: UUID | str, need: Need = "read") -> tuple[Case, Membership]:
    """Returns the case and the person's membership of it.

    Strangers get 404, so nothing tells them the case exists; members whose role does not allow `need`
    get 403.
    """
    if not request.user.is_authenticated:
        raise Http404("No such case.")
    membership = Membership.objects.select_related("case").filter(case__code=code, user=request.user).first()
    if membership is None:
        raise Http404("No such case.")
    if not membership.can(need):
        raise PermissionDenied("Your role in this case does not allow that.")
    return membership.case, membership
