"""What the case's People page shows of its authorizations (templates/authorizations/people_section.html)."""

from dataclasses import dataclass
from typing import Any

from django import template

from secondop.authorizations.models import Authorization, State
from secondop.cases.models import Case

register = template.Library()


@dataclass(frozen=True)
class Row:
    authorization: Authorization
    state: State
    state_text: str


@register.simple_tag(takes_context=True)
def authorizations_of(context: dict[str, Any], case: Case) -> list[Row]:
    """The case's authorizations, newest first, each with where it stands today: one query."""
    user = context["request"].user
    today = user.profile.today()
    return [
        Row(authorization, authorization.state_on(today), authorization.describe_state(today))
        for authorization in case.authorizations.select_related("provider")
    ]
