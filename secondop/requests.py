"""Request types for views, so that mypy knows what middleware adds."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from secondop.accounts.models import User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedRequest(HtmxRequest):
    """A request behind @login_required."""

    user: User


def query_number(value: str | None, *, most: int = 10**15) -> int | None:
    """A whole number from a query string, or None: only ASCII digits count ("²".isdigit() is true, yet
    int("²") fails), and nothing above `most` (larger than any id or page here)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 16:
        return None
    number = int(value)
    return number if number <= most else None
