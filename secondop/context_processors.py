from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from secondop.reminders.inbox import unread_count


def site(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {
        "PWA_APP_THEME_COLOR": settings.PWA_APP_THEME_COLOR,
        "PWA_APP_NAME": settings.PWA_APP_NAME,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Only when a template shows it (an htmx partial without the header costs nothing), and
        # remembered for a minute (secondop.reminders.inbox).
        context["inbox_unread"] = SimpleLazyObject(lambda: unread_count(user.pk))
    return context
