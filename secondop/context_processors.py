import functools

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

from secondop.reminders.inbox import unread_count

# The addresses every page's frame links to (templates/base.html: `{{ nav.case_list }}`).
NAV = [
    "account_login",
    "account_logout",
    "account_signup",
    "browser_time_zone",
    "case_list",
    "disclaimer",
    "home",
    "inbox",
    "manifest",
    "profile_settings",
    "push_forget",
    "push_subscribe",
    "reminder_settings",
]


@functools.cache
def _nav(prefix: str, urlconf: str | None) -> dict[str, str]:
    """Worked out once: thirteen `{% url %}` tags took half a millisecond of every page."""
    return {name: reverse(name, urlconf=urlconf) for name in NAV}


def site(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {
        "PWA_APP_THEME_COLOR": settings.PWA_APP_THEME_COLOR,
        "PWA_APP_NAME": settings.PWA_APP_NAME,
        "nav": _nav(get_script_prefix(), get_urlconf()),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Only when a template shows it (an htmx partial without the header costs nothing), and
        # remembered for a minute (secondop.reminders.inbox).
        context["inbox_unread"] = SimpleLazyObject(lambda: unread_count(user.pk))
    return context
