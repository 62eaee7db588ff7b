"""Request types for views, so that mypy knows what middleware adds."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from secondop.accounts.models import User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedRequest(HtmxRequest):
    """A request behind @login_required."""

    user: User
