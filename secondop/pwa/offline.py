"""What the phone keeps.

- The service worker keeps a page for offline reading only when the server marks it so
  (`X-Secondop-Offline: keep`, given by the view's `@keep_offline`): opt in, so a page nobody thought about
  (an account, security or export page, allauth's recovery codes or TOTP set-up) is never stored.
- Every other answer says `Cache-Control: no-store`, unless its view chose its own caching; kept pages
  say `private, no-cache` (the browser may keep them, and asks the server each time).
- Logging out (and deleting the account, which logs out) answers with `Clear-Site-Data`: the browser drops
  its caches, the pages it kept, the back/forward cache, the outbox and the service worker, so the next
  person on a shared phone finds nothing of the previous one. A session that ends without a log-out here
  (it runs out, and the browser drops the expired cookie itself, so the server cannot tell; or it ends on
  the server) is found gone by the next page, which clears what it left (static/js/wipe.js,
  `forgetAnEndedSession`); and the service worker shows no kept page older than a session can last.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

OFFLINE_HEADER = "X-Secondop-Offline"
CLEAR_SITE_DATA = '"cache", "storage"'
_LOGGED_OUT = "_secondop_logged_out"


def keep_offline[V: Callable[..., HttpResponse]](view: V) -> V:
    """Marks the view's pages as safe to keep on the phone and to show offline."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.keep_offline = True  # type: ignore[attr-defined]
        return response

    return wrapped  # type: ignore[return-value]


@receiver(user_logged_out)
def _note_log_out(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    if request is not None:
        setattr(request, _LOGGED_OUT, True)


class PhoneCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        kept = request.method in ("GET", "HEAD") and response.status_code == 200
        if kept and getattr(response, "keep_offline", False):
            patch_cache_control(response, private=True, no_cache=True)
            response[OFFLINE_HEADER] = "keep"
        elif not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        if getattr(request, _LOGGED_OUT, False):
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
