from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserTimeZoneMiddleware:
    """Shows the signed-in person's pages in their own language (before LocaleMiddleware's answer from the
    language cookie or the browser), and dates and times in their own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        profile = getattr(user, "profile", None) if user is not None and user.is_authenticated else None
        if profile is not None:
            translation.activate(profile.language)
            request.LANGUAGE_CODE = translation.get_language()
        if profile is not None and profile.time_zone:
            timezone.activate(profile.zone)  # UTC for a name no longer known (Profile.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
