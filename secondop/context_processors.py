from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from secondop.reminders.models import Notification


def site(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {
        "PWA_APP_THEME_COLOR": settings.PWA_APP_THEME_COLOR,
        "PWA_APP_NAME": settings.PWA_APP_NAME,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # One COUNT on the partial index of unread rows, and only when a template shows it (an htmx
        # partial without the header costs nothing).
        context["inbox_unread"] = SimpleLazyObject(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        )
    return context
