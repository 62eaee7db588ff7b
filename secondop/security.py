"""What Django has no setting for: the Permissions-Policy header, and sessions that end after a while
without a visit. (The Content Security Policy, Referrer-Policy, nosniff and X-Frame-Options come from
Django's own middleware; see the settings.)"""

import datetime
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import http_date


def permissions_policy(features: dict[str, list[str]]) -> str:
    """The header's value: `{"camera": [], "screen-wake-lock": ["self"]}` reads
    `camera=(), screen-wake-lock=(self)`. An empty list turns the feature off for every origin."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in features.items())


class PermissionsPolicyMiddleware:
    """Adds settings.PERMISSIONS_POLICY to every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.value = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault("Permissions-Policy", self.value)
        return response


class SessionIdleMiddleware:
    """Keeps a session going while it is used: each request moves its end to SESSION_COOKIE_AGE from now
    (at most once a minute), so it ends after that long without a visit.

    Django's SESSION_SAVE_EVERY_REQUEST would do this by saving the whole session on every request. Then a
    request that overlaps a log-out answers 400 (SessionInterrupted) — the service worker fetching the
    offline page again right after "Log out" did, about every other time — and one that overlaps a change
    to the session writes the old session data back over it. Here only the expiry date moves, with one
    conditional UPDATE: a session ended meanwhile stays ended, and the data is never written.
    """

    # The expiry moves only when it would move by more than this; it saves a write per request.
    STEP = datetime.timedelta(minutes=1)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
            raise ImproperlyConfigured("SessionIdleMiddleware moves the expiry of database sessions only.")
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is None
            or not session.accessed  # never looked at: a static file, the service worker script
            or session.modified  # SessionMiddleware saves it, with a new expiry and cookie
            or session.is_empty()
            or response.status_code >= 500
        ):
            return response
        now = timezone.now()
        expiry = session.get_expiry_date(modification=now)
        touched = Session.objects.filter(
            session_key=session.session_key, expire_date__gt=now, expire_date__lt=expiry - self.STEP
        ).update(expire_date=expiry)
        if touched:
            # The browser's cookie lasts as long (as SessionMiddleware sets it when it saves).
            at_close = session.get_expire_at_browser_close()
            max_age = None if at_close else session.get_expiry_age(modification=now)
            response.set_cookie(
                settings.SESSION_COOKIE_NAME,
                session.session_key,
                max_age=max_age,
                expires=None if max_age is None else http_date(now.timestamp() + max_age),
                domain=settings.SESSION_COOKIE_DOMAIN,
                path=settings.SESSION_COOKIE_PATH,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=settings.SESSION_COOKIE_HTTPONLY,
                samesite=cast(Any, settings.SESSION_COOKIE_SAMESITE),
            )
        return response
